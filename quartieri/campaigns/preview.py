"""A variant as its channel will show it: the post handed to its kind's ``preview``.

The text is what goes out (``validation.composed_caption``: the caption, then the listed
hashtags it lacks), the media are the variant's files as a browser fetches them, a video
with its thumbnail as poster and its WebVTT captions as a track.
"""

from __future__ import annotations

from collections.abc import Sequence

from quartieri.campaigns.media import media_public_url
from quartieri.campaigns.models import MediaAsset, Variant
from quartieri.campaigns.validation import composed_caption
from quartieri.channels.preview import Preview, PreviewMedia, PreviewPost
from quartieri.channels.registry import kind_for


def asset_preview_media(asset: MediaAsset) -> PreviewMedia:
    captions = asset.caption_file.name or ""
    # A browser's <track> reads WebVTT only; an SRT file stays a download on the media page.
    webvtt = captions.endswith(".vtt") or asset.probe.get("caption_format") == "vtt"
    return PreviewMedia(
        kind=asset.kind,
        url=media_public_url(asset.file),
        alt=asset.alt_text,
        poster=media_public_url(asset.thumbnail),
        captions_url=media_public_url(asset.caption_file) if captions and webvtt else "",
        width=asset.width,
        height=asset.height,
    )


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
