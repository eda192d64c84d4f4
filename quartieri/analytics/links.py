"""Tracked links: ``link_for`` (contract 3), target checks (no open redirect), UTM, codes.

A link's target must be on this platform, on one of the sites sending page views
(``ANALYTICS_SITE_ORIGINS``) or under a domain of ``LINK_ALLOWED_DOMAINS`` (``lib.destinations``,
where the editor's warning reads it too). The check runs
when a link is made and again when a redirect answers (``target_allowed``), so narrowing
the allow-list also stops links made before.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext as _

from quartieri.accounts.models import User
from quartieri.accounts.services import audit_record, audit_snapshot
from quartieri.analytics.kind import medium_for
from quartieri.analytics.tracking import Link
from quartieri.campaigns.models import Campaign
from quartieri.lib.destinations import HOST, origin_of
from quartieri.lib.destinations import allowed_destinations as allowed_destinations
from quartieri.lib.destinations import target_allowed as target_allowed
from quartieri.places.models import Neighbourhood

# No 0/O, 1/l/I: codes are typed from posters by people too.
CODE_ALPHABET = "23456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 7
CODE_PATTERN = re.compile(r"[A-Za-z0-9]{4,16}")
MAX_TARGET = 2000
_CHANNEL = re.compile(r"[a-z0-9][a-z0-9_-]{0,29}")
_SNAPSHOT = ["code", "target", "channel", "medium", "neighbourhood", "campaign", "placement"]


class LinkError(ValueError):
    """A link that cannot be made; the message names what is wrong."""


@dataclass(frozen=True)
class LinkSpec:
    target: str  # as checked by target_clean: absolute, allowed
    channel: str
    neighbourhood: Neighbourhood | None
    campaign: Campaign | None
    placement: str

    @property
    def fingerprint(self) -> str:
        key = [
            self.target,
            self.channel,
            self.neighbourhood.slug if self.neighbourhood else "",
            self.campaign.slug if self.campaign else "",
            self.placement,
        ]
        return hashlib.sha256(json.dumps(key).encode()).hexdigest()


# --- Targets ---------------------------------------------------------------------------
def target_clean(target: str) -> str:
    """The absolute target URL, or LinkError naming why it is refused.

    ``/path`` means a page of this platform. Refused: other schemes, protocol-relative
    ``//host``, ``https:host`` without slashes, user names in the address, backslashes,
    spaces and control characters, hosts outside the allow-list.
    """
    raw = target.strip()
    if not raw:
        raise LinkError(_("the target is empty"))
    if len(raw) > MAX_TARGET:
        raise LinkError(_("the target is longer than %(n)s characters") % {"n": MAX_TARGET})
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in raw):
        raise LinkError(_("the target contains spaces, control characters or backslashes"))
    if raw.startswith("//"):
        raise LinkError(_("'%(t)s' has no scheme: write https://…") % {"t": raw})
    if raw.startswith("/"):
        raw = settings.PUBLIC_URL + raw
    parts = urlsplit(raw)
    if parts.scheme.lower() not in {"http", "https"}:
        raise LinkError(
            _("'%(t)s' is neither a path starting with / nor an http(s):// address") % {"t": raw}
        )
    if not parts.netloc or not raw[len(parts.scheme) :].startswith("://"):
        raise LinkError(_("'%(t)s' has no host") % {"t": raw})
    if "@" in parts.netloc:
        raise LinkError(_("'%(t)s' carries a user name before the host") % {"t": raw})
    _check_host(raw)
    # Non-ASCII in the path or query is percent-encoded: a Location header is ASCII.
    return iri_to_uri(
        urlunsplit(
            (
                parts.scheme.lower(),
                parts.netloc.lower(),
                parts.path or "/",
                parts.query,
                parts.fragment,
            )
        )
    )


def _check_host(url: str) -> None:
    _scheme, host, _port = origin_of(url)
    try:
        urlsplit(url).port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        raise LinkError(_("'%(t)s' has an invalid port") % {"t": url}) from None
    if not HOST.fullmatch(host):
        raise LinkError(
            _("'%(host)s' is not a plain host name (write international names in punycode)")
            % {"host": host}
        )
    if not target_allowed(url):
        allowed = ", ".join(allowed_destinations())
        raise LinkError(
            _(
                "'%(host)s' is not one of the allowed destinations (%(allowed)s); an operator "
                "can add its domain to QUARTIERI_LINK_ALLOWED_DOMAINS"
            )
            % {"host": host, "allowed": allowed}
        )


def with_utm(target: str, *, channel: str, campaign: str) -> str:
    """The target with utm_source/medium/campaign added; parameters already there win."""
    parts = urlsplit(target)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {key for key, _value in query}
    ours = [
        ("utm_source", channel or "quartieri"),
        ("utm_medium", medium_for(channel)),
        ("utm_campaign", campaign),
    ]
    query += [(key, value) for key, value in ours if value and key not in present]
    return urlunsplit(parts._replace(query=urlencode(query)))


# --- Links -----------------------------------------------------------------------------
def link_spec(
    *,
    target: str,
    channel: str = "",
    neighbourhood: str | None = None,
    campaign: str | None = None,
    placement: str = "",
) -> LinkSpec:
    """Check every argument, naming the first wrong one."""
    channel = channel.strip().lower()
    if channel and not _CHANNEL.fullmatch(channel):
        raise LinkError(_("'%(c)s' is not a channel slug (a-z, 0-9, -)") % {"c": channel})
    place = None
    if neighbourhood:
        place = Neighbourhood.objects.filter(slug=neighbourhood).first()
        if place is None:
            raise LinkError(_("no neighbourhood has the slug '%(s)s'") % {"s": neighbourhood})
    found = None
    if campaign:
        found = Campaign.objects.filter(slug=campaign).first()
        if found is None:
            raise LinkError(_("no campaign has the slug '%(s)s'") % {"s": campaign})
    if len(placement) > 200:
        raise LinkError(_("the placement is longer than 200 characters"))
    return LinkSpec(target_clean(target), channel, place, found, placement.strip())


def link_get_or_create(*, spec: LinkSpec, actor: User | None = None) -> tuple[Link, bool]:
    """The live link for these arguments, made once; True when this call made it."""
    existing = Link.objects.filter(fingerprint=spec.fingerprint, deleted_at__isnull=True).first()
    if existing is not None:
        return existing, False
    link = Link(
        target=spec.target,
        channel=spec.channel,
        medium=medium_for(spec.channel),
        neighbourhood=spec.neighbourhood,
        campaign=spec.campaign,
        placement=spec.placement,
        fingerprint=spec.fingerprint,
        created_by=actor,
    )
    for _attempt in range(5):
        link.code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        try:
            with transaction.atomic():
                link.save()
        except IntegrityError:
            # Another caller made the same link meanwhile, or (rarely) the code is taken.
            same = Link.objects.filter(fingerprint=spec.fingerprint, deleted_at__isnull=True)
            if same.exists():
                return same.get(), False
            continue
        if actor is not None:
            audit_record(
                actor=actor,
                action="link.create",
                target=link,
                after=audit_snapshot(obj=link, fields=_SNAPSHOT),
            )
        return link, True
    raise LinkError(_("no free code found; try again"))


def _short_url_base() -> str:
    """What every short URL starts with: its code follows."""
    return f"{settings.PUBLIC_URL}/l/"


def short_url(link: Link) -> str:
    return f"{_short_url_base()}{link.code}"


def short_url_shape() -> str:
    """A short URL of ``link_for`` as long as every one is (its codes are all CODE_LENGTH
    long), its code filled in: the room a post's link takes in its text, as the platform
    counts it (publishing.payload.added_text)."""
    return f"{_short_url_base()}{'l' * CODE_LENGTH}"


def link_for(
    *,
    target: str,
    channel: str,
    neighbourhood: str | None = None,
    campaign: str | None = None,
    placement: str = "",
) -> str:
    """The absolute short URL ``{PUBLIC_URL}/l/<code>`` for these arguments (contract 3).

    The link is made once; the same arguments return the same URL. Raises LinkError for a
    target outside the allow-list or an unknown neighbourhood or campaign slug.
    """
    spec = link_spec(
        target=target,
        channel=channel,
        neighbourhood=neighbourhood,
        campaign=campaign,
        placement=placement,
    )
    link, _created = link_get_or_create(spec=spec)
    return short_url(link)


@transaction.atomic
def link_delete(*, actor: User | None, link: Link) -> Link:
    """Stop a link: it answers 404 in every web process within ANALYTICS_LINK_CACHE_SECONDS.

    The row stays (its figures remain readable); a new link_for call with the same
    arguments makes a new code.
    """
    if link.deleted_at is not None:
        return link
    before = audit_snapshot(obj=link, fields=_SNAPSHOT)
    link.deleted_at = timezone.now()
    link.save(update_fields=["deleted_at"])
    audit_record(
        actor=actor, action="link.delete", target=link, before=before, after={"deleted": True}
    )
    return link


def redirect_url(link: Link) -> str:
    """Where a live link sends people, UTM included."""
    campaign = link.campaign.slug if link.campaign else ""
    return with_utm(link.target, channel=link.channel, campaign=campaign)
