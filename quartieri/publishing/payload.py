"""What the outbox sends: a variant and its media turned into a connector's PostRequest.

A post with a ``link`` carries a tracked short link instead (issue 17: short links for
every post): ``post_link`` asks the analytics app's ``link_for`` for one link per variant
(channel: the account's kind; neighbourhood and campaign: the content item's). The link
goes into the text on its own line, and the kind's options see it as the post's link (a
Facebook link preview opens it too). The outbox makes it when the post is scheduled, so
a refused target is said then; building the payload finds the same link again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string

from quartieri.campaigns.models import MediaAsset, Variant
from quartieri.campaigns.validation import composed_caption
from quartieri.channels.base import PostFacts
from quartieri.channels.connectors.base import (
    MediaItem,
    MediaKind,
    PostKind,
    PostRequest,
)
from quartieri.channels.models import ChannelAccount
from quartieri.channels.registry import kind_for
from quartieri.channels.rules import TextUnit, text_length
from quartieri.publishing.models import OutboxEntry

# Tracked links are the analytics app's, a layer above publishing: named by dotted path and
# resolved when used (as channels.base.OUTBOX_DELIVERY), so the layers contract holds.
LINK_MAKER = "quartieri.analytics.links.link_for"
LINK_SHAPE = "quartieri.analytics.links.short_url_shape"

# A marker's token (``<entry id>-<random>``) always has this many characters, so the room it
# takes in a caption is known before the entry exists: ids of up to 10 digits keep at least
# 6 random characters (a longer id, past ten billion entries, would make it longer).
MARKER_TOKEN_WIDTH = 17
_MARKER_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def _marker_base() -> str:
    return getattr(settings, "PUBLISHING_MARKER_URL", "") or f"{settings.PUBLIC_URL}/p/"


def entry_marker(entry: OutboxEntry) -> str:
    # The post's short link: unique per entry and harmless in the text; /p/<id>-<code>
    # answers it (views_public.post_link_view).
    # Reconcile matches it as a substring: the "-" ends the id (".../p/1-" is not inside
    # ".../p/12-"), the random part tells apart entries of another database with the same id.
    digits = str(entry.pk)
    random_part = get_random_string(max(6, MARKER_TOKEN_WIDTH - 1 - len(digits)), _MARKER_ALPHABET)
    return f"{_marker_base()}{digits}-{random_part}"


def added_text(*, variant: PostFacts) -> str:
    """What the outbox adds to a post's text, at its longest (``ChannelKind.added_text``):
    the tracked link's line when the post has a link, and the marker's line. Each is its
    address as it goes out, the random part filled in: a platform that counts a link
    otherwise than by its characters (``PlatformRules.text_counter``) counts it as it will
    count the real one. Both are ASCII, so they count the same in characters and in UTF-16
    units."""
    lines = [str(import_string(LINK_SHAPE)())] if variant.link else []
    lines.append(f"{_marker_base()}{'m' * MARKER_TOKEN_WIDTH}")
    return "".join(f"\n{line}" for line in lines)


def post_link(*, variant: Variant, account: ChannelAccount) -> str:
    """The tracked short link for the variant's ``link`` ("" without one) on ``account``
    (the variant's), the same one every time; raises ``analytics.links.LinkError`` (a
    ValueError) naming why a target is refused (outside the platform's sites and allowed
    domains)."""
    if not variant.link:
        return ""
    item = variant.content_item
    link: str = import_string(LINK_MAKER)(
        target=variant.link,
        channel=account.platform,
        neighbourhood=item.neighbourhood.slug if item.neighbourhood else None,
        campaign=item.campaign.slug,
        placement=f"post-{variant.pk}",
    )
    return link


@dataclass(frozen=True)
class _AsSent:
    """The variant as the kind's hooks see it when the payload is built (``PostFacts``):
    its link is the tracked one."""

    pk: Any
    post_type: str
    title: str
    link: str
    options: Any
    account: ChannelAccount


def _text(variant: Variant, marker: str, *, link: str = "", window: int | None) -> str:
    # The caption with its listed hashtags exactly as the rules counted it.
    text = composed_caption(variant).strip()
    if link:
        text = f"{text}\n{link}".strip()
    return place_marker(text, marker, window=window) if marker else text


def place_marker(text: str, marker: str, *, window: int | None) -> str:
    """The text with the marker on a line of its own, where the platform's listing returns
    it whole: at the end when the whole text fits in ``window`` (or the listing returns
    every character), else after the first line when that line fits with it, else first.

    Reconcile finds a post by its marker (``reconcile_among``): a marker cut off by the
    listing would make a published post look missing, and it would be sent again.
    """
    at_end = f"{text}\n{marker}".strip()
    if window is None or text_length(at_end, TextUnit.UTF16) <= window:
        return at_end
    first, _newline, rest = text.partition("\n")
    if text_length(f"{first}\n{marker}", TextUnit.UTF16) <= window:
        return f"{first}\n{marker}\n{rest}".strip()
    return f"{marker}\n{text}"


def _media(asset: MediaAsset) -> MediaItem:
    kind = MediaKind.VIDEO if asset.kind == MediaAsset.Kind.VIDEO else MediaKind.IMAGE
    base = settings.PUBLISHING_MEDIA_URL
    if base:
        return MediaItem(
            kind, url=f"{base}{asset.file.name}", duration_seconds=asset.duration_seconds
        )
    return MediaItem(kind, path=Path(asset.file.path), duration_seconds=asset.duration_seconds)


def _kind(variant: Variant, media: list[MediaItem]) -> PostKind:
    post_type = variant.post_type
    direct = {"video": PostKind.VIDEO, "reel": PostKind.REEL, "story": PostKind.STORY}
    if post_type in direct:
        return direct[post_type]
    if post_type == "carousel" or len(media) > 1:
        return PostKind.CAROUSEL
    return PostKind.IMAGE if media else PostKind.TEXT


def post_request_for(entry: OutboxEntry) -> PostRequest:
    """The post to send; ``LinkError`` (a ValueError: the outbox fails the post, sending
    nothing) when its tracked link can no longer be made."""
    # The entry's account is the variant's, already loaded with the entry.
    return _request(entry, link=post_link(variant=entry.variant, account=entry.account))


def reconcile_request_for(entry: OutboxEntry) -> PostRequest | None:
    """The post as sent, as far as reconcile needs it (its kind and options: whether the
    platform's listing can show it), for a connector that reads it
    (``Connector.reconcile_reads_request``); None for the others. It makes no tracked link:
    a link that can no longer be made must not leave a post that may be out unsettled."""
    connector = kind_for(entry.account.platform).connector_class()
    return _request(entry, link="") if connector.reconcile_reads_request else None


def _request(entry: OutboxEntry, *, link: str) -> PostRequest:
    variant = entry.variant
    assets = list(variant.media.order_by("pk"))
    media = [_media(asset) for asset in assets]
    sent = _AsSent(
        pk=variant.pk,
        post_type=variant.post_type,
        title=variant.title,
        link=link,
        options=variant.options,
        account=entry.account,
    )
    kind = kind_for(entry.account.platform)
    window = kind.connector_class().listed_text_length
    return PostRequest(
        kind=_kind(variant, media),
        text=_text(variant, entry.marker, link=link, window=window),
        media=tuple(media),
        options=kind.post_options(variant=sent, media=assets),
        marker=entry.marker,
    )
