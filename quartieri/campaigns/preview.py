"""A variant as its channel will show it: the post handed to its kind's ``preview``.

The text is what goes out (``validation.composed_caption``: the caption, then the listed
hashtags it lacks), the media are the variant's files as a browser fetches them, a video
with its thumbnail as poster and its captions as a track.

A browser's <track> reads WebVTT only, and only from the page's own origin unless the
<video> asks for CORS (the HTML standard's track fetch: same-origin fallback). So every
preview's track is this platform's ``campaigns:media_captions`` address, whichever origin
serves the media: a WebVTT file as stored, an SRT file converted (``caption_webvtt``) when
first asked for and kept in Django's cache under the stored file's name (names are never
reused: a replaced caption file is a new name, so no entry goes stale). Converting on demand
instead of storing a second file at upload covers the SRT files stored before, leaves nothing
to delete with the asset, and keeps the original the only file platforms are given.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.core.cache import cache
from django.urls import reverse

from quartieri.campaigns.captions import caption_webvtt
from quartieri.campaigns.media import media_public_url
from quartieri.campaigns.models import MediaAsset, Variant
from quartieri.campaigns.validation import composed_caption
from quartieri.channels.preview import Preview, PreviewMedia, PreviewPost
from quartieri.channels.registry import kind_for

CAPTIONS_CACHE_SECONDS = 24 * 3600


def asset_preview_media(asset: MediaAsset) -> PreviewMedia:
    captions = bool(asset.caption_file)
    return PreviewMedia(
        kind=asset.kind,
        url=media_public_url(asset.file),
        alt=asset.alt_text,
        poster=media_public_url(asset.thumbnail),
        captions_url=reverse("campaigns:media_captions", args=[asset.pk]) if captions else "",
        width=asset.width,
        height=asset.height,
    )


def asset_captions_webvtt(asset: MediaAsset) -> str:
    """``asset``'s caption file as WebVTT text (it has one)."""
    name = asset.caption_file.name or ""
    key = "campaigns.captions.vtt." + hashlib.sha256(name.encode()).hexdigest()
    text = cache.get(key)
    if text is None:
        with asset.caption_file.open("rb") as stored:
            data = stored.read()
        srt = name.endswith(".srt") or asset.probe.get("caption_format") == "srt"
        text = caption_webvtt(data=data, caption_format="srt" if srt else "vtt")
        cache.set(key, text, CAPTIONS_CACHE_SECONDS)
    return str(text)


def variant_preview_post(
    variant: Variant, *, media: Sequence[MediaAsset] | None = None
) -> PreviewPost:
    """``variant`` as a neutral post (``media`` given: saves reading them again)."""
    assets = list(variant.media.all()) if media is None and variant.pk else list(media or [])
    return PreviewPost(
        account=variant.account.handle,
        name=str(variant.account),
        post_type=variant.post_type,
        text=composed_caption(variant),
        # A TikTok photo post has its own title; the city's channels show the item's.
        title=variant.title or variant.content_item.title,
        link=variant.link,
        media=tuple(asset_preview_media(asset) for asset in assets),
        language=variant.account.language,
    )


def variant_preview(variant: Variant, *, media: Sequence[MediaAsset] | None = None) -> Preview:
    """How ``variant`` will look on its channel, drawn by its account's kind."""
    post = variant_preview_post(variant, media=media)
    return kind_for(variant.account.platform).preview(post=post)
