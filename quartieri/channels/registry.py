"""The registry of channel kinds: the one module that names them all.

A kind joins with one member of ``Platform`` (its slug and label, the values stored in
``ChannelAccount.platform``) and one line of ``KINDS`` (slug → dotted path of its class,
imported on first use). The path may point above ``channels``
(``quartieri.newsletter.kind.NewsletterKind``): a dotted string is not an import, so the
layering contract holds while the kind's code lives with its app.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from django.db import models
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from quartieri.channels.base import Capability, ChannelKind

if TYPE_CHECKING:
    from quartieri.channels.connectors.base import Connector


class Platform(models.TextChoices):
    TIKTOK = "tiktok", "TikTok"
    INSTAGRAM = "instagram", "Instagram"
    FACEBOOK = "facebook", "Facebook"
    MASTODON = "mastodon", "Mastodon"
    NEWSLETTER = "newsletter", _("Newsletter")
    SCREENS = "screens", _("City screens")
    WEBSITE = "website", _("Website")
    POSTERS = "posters", _("Posters")


KINDS: dict[str, str] = {
    Platform.TIKTOK: "quartieri.channels.kinds.tiktok.kind.TikTokKind",
    Platform.INSTAGRAM: "quartieri.channels.kinds.instagram.kind.InstagramKind",
    Platform.FACEBOOK: "quartieri.channels.kinds.facebook.kind.FacebookKind",
    Platform.MASTODON: "quartieri.channels.kinds.mastodon.kind.MastodonKind",
    # The city's own channels, each delivered by its app (quartieri.<app>.kind).
    Platform.NEWSLETTER: "quartieri.newsletter.kind.NewsletterKind",
    Platform.SCREENS: "quartieri.screens.kind.ScreensKind",
    Platform.WEBSITE: "quartieri.minisites.kind.WebsiteKind",
    Platform.POSTERS: "quartieri.posters.kind.PostersKind",
}


class UnknownKindError(LookupError):
    pass


@cache
def kind_for(slug: str) -> ChannelKind:
    """The kind of a slug (``ChannelAccount.platform``); UnknownKindError names the known."""
    try:
        dotted = KINDS[slug]
    except KeyError:
        raise UnknownKindError(
            f"unknown channel kind {slug!r} (known: {', '.join(sorted(KINDS))})"
        ) from None
    cls: type[ChannelKind] = import_string(dotted)
    if cls.slug != slug:
        raise UnknownKindError(f"{dotted} declares slug {cls.slug!r}, registered as {slug!r}")
    return cls()


def all_kinds() -> list[ChannelKind]:
    return [kind_for(slug) for slug in KINDS]


def slugs_with(capability: Capability) -> list[str]:
    """The slugs of the kinds that declare ``capability``, sorted."""
    return sorted(kind.slug for kind in all_kinds() if capability in kind.capabilities)


def platform_slugs() -> list[str]:
    """The kinds published through the outbox by a connector (the social platforms)."""
    return slugs_with(Capability.OUTBOX)


def connector_class(slug: str) -> type[Connector]:
    """The connector of a kind published through the outbox; UnknownKindError names the
    kinds that have one."""
    known = platform_slugs()
    if slug not in known:
        raise UnknownKindError(f"unknown platform {slug!r} (known: {', '.join(known)})")
    return kind_for(slug).connector_class()


def kind_stylesheet() -> str:
    """Each kind's colour as a CSS custom property on ``.kind-<slug>`` (the CSP allows no
    inline style, so pages link this sheet and mark a post with its kind's class)."""
    rules = (f".kind-{kind.slug}{{--kind-colour:{kind.appearance.colour}}}" for kind in all_kinds())
    return "\n".join(rules) + "\n"


def kind_choices() -> list[tuple[str, str | Promise]]:
    """``(slug, label)`` of every kind, for ``ChannelAccount.platform``'s choices (a callable:
    adding a kind needs no migration)."""
    return [(member.value, member.label) for member in Platform]
