"""What the outbox sends: a variant and its media turned into a connector's PostRequest."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils.crypto import get_random_string

from quartieri.campaigns.models import MediaAsset, Variant
from quartieri.channels.connectors.base import (
    MediaItem,
    MediaKind,
    PostKind,
    PostRequest,
)
from quartieri.channels.registry import kind_for
from quartieri.publishing.models import OutboxEntry


def entry_marker(entry: OutboxEntry) -> str:
    # The post's short link: unique per entry and harmless in the text; /p/<id>-<code>
    # answers it (views_public.post_link_view).
    # Reconcile matches it as a substring: the "-" ends the id (".../p/1-" is not inside
    # ".../p/12-"), the random part tells apart entries of another database with the same id.
    base = getattr(settings, "PUBLISHING_MARKER_URL", "") or f"{settings.PUBLIC_URL}/p/"
    return f"{base}{entry.pk}-{get_random_string(6, 'abcdefghijkmnpqrstuvwxyz23456789')}"


def _text(variant: Variant, marker: str) -> str:
    text = variant.caption.strip()
    tags = [t if t.startswith("#") else f"#{t}" for t in variant.hashtags]
    missing = [tag for tag in tags if tag not in text]
    if missing:
        text = f"{text}\n{' '.join(missing)}".strip()
    return f"{text}\n{marker}".strip() if marker else text


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
    variant = entry.variant
    assets = list(variant.media.order_by("pk"))
    media = [_media(asset) for asset in assets]
    return PostRequest(
        kind=_kind(variant, media),
        text=_text(variant, entry.marker),
        media=tuple(media),
        # The entry's account is the variant's, already loaded with the entry.
        options=kind_for(entry.account.platform).post_options(variant=variant, media=assets),
        marker=entry.marker,
    )
