"""Mastodon (the city's institutional account on the Fediverse, a public non-commercial
network): the kind's declaration.

Delivered through the outbox like every social kind; connected with a token made on the
server (``quartieri publishing connect mastodon:@comune@server --access-token -``, with
``--external-id`` the account's id or nothing: the connector asks verify_credentials).
Limits, and how a status is counted against them (every link 23 characters), are in
``rules.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from quartieri.channels.base import (
    Appearance,
    Capability,
    MediaFacts,
    PostFacts,
    QuotaNote,
    SocialKind,
    VariantOptions,
)
from quartieri.channels.connectors.base import PlatformOptions
from quartieri.channels.kinds.mastodon.client import MastodonOptions
from quartieri.channels.kinds.mastodon.rules import RULES
from quartieri.channels.registry import Platform
from quartieri.channels.rules import PlatformRules, PostType


class Visibility(models.TextChoices):
    # methods/statuses, visibility: who sees the status.
    PUBLIC = "public", _("Everyone, in public timelines")
    UNLISTED = "unlisted", _("Everyone, not in public timelines")
    PRIVATE = "private", _("Followers only")


@dataclass(frozen=True)
class MastodonPostOptions(VariantOptions):
    visibility: str = Visibility.PUBLIC

    choices: ClassVar[dict[str, type[models.Choices]]] = {"visibility": Visibility}

    @classmethod
    def form_fields(cls) -> dict[str, forms.Field]:
        return {
            "visibility": forms.ChoiceField(
                label=_("Who can see it (Mastodon)"), choices=Visibility.choices
            )
        }


class MastodonKind(SocialKind):
    slug = Platform.MASTODON
    label = Platform.MASTODON.label
    appearance = Appearance(colour="#563acc", icon="it-mastodon")  # Mastodon's violet
    capabilities = SocialKind.capabilities | {Capability.RECONCILE, Capability.OPTIONS}
    connector = "quartieri.channels.kinds.mastodon.client.MastodonConnector"
    preview_template = "channels/preview/mastodon.html"  # a status, shown whole
    options = MastodonPostOptions
    quota = QuotaNote(
        _(
            "A Mastodon server allows 300 calls per account every 5 minutes and 30 media "
            "uploads every 30 minutes (the software's defaults; a server may set others) and "
            "documents no daily limit for posts. When a limit is reached, quartieri waits "
            "until the time the server gives."
        )
    )

    def rules(self) -> PlatformRules:
        return RULES

    def default_post_type(self, *, media_kinds: frozenset[str]) -> str:
        return PostType.FEED if media_kinds else PostType.TEXT

    def post_options(
        self, *, variant: PostFacts, media: Sequence[MediaFacts]
    ) -> PlatformOptions | None:
        chosen = MastodonPostOptions.from_json(variant.options)
        return MastodonOptions(
            visibility=chosen.visibility or Visibility.PUBLIC,
            language=variant.account.language,
            alt_texts=tuple(asset.alt_text for asset in media),
        )
