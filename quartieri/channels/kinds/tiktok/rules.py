"""TikTok's limits as data, each with its section of platform-apis.md (§1)."""

from __future__ import annotations

from fractions import Fraction

from quartieri.channels.rules import (
    IMAGE,
    MB,
    VIDEO,
    Choice,
    Limit,
    PlatformRules,
    PostType,
    Span,
    TextUnit,
)

_VIDEO_INIT = "§1.3 video/init: one video per post (source_info: one file or video_url) [V]"
_PHOTO_INIT = "§1.3 content/init media_type PHOTO posts its photo_images[] (≤ 35) [V]"

RULES = PlatformRules(
    label="TikTok",
    post_types=frozenset({PostType.VIDEO, PostType.PHOTO}),
    text_unit=TextUnit.UTF16,
    caption_max=Limit(2200, "§1.3 video/init post_info.title ≤ 2,200 UTF-16 runes [V]"),
    photo_title_max=Limit(90, "§1.3 content/init title ≤ 90 runes [V]"),
    photo_description_max=Limit(4000, "§1.3 content/init description ≤ 4,000 [V]"),
    image_mime_types=frozenset({"image/jpeg", "image/webp"}),
    image_mime_source="§1.5 photo WebP/JPEG [3P]",
    image_max_bytes=Limit(20 * MB, "§1.5 photo ≤ 20 MB [3P]"),
    media_count_max={
        PostType.PHOTO: Limit(35, "§1.3 photo_images[] ≤ 35 [V]"),
        PostType.VIDEO: Limit(1, _VIDEO_INIT),
    },
    media_count_min={PostType.PHOTO: Limit(1, _PHOTO_INIT), PostType.VIDEO: Limit(1, _VIDEO_INIT)},
    media_kinds={
        PostType.PHOTO: Choice(frozenset({IMAGE}), _PHOTO_INIT),
        PostType.VIDEO: Choice(frozenset({VIDEO}), _VIDEO_INIT),
    },
    # §1.5: ≤ 4 GB [3P]; duration must come from creator_info at run time (§1.6 point 2),
    # see creator_info.py. "Photo ≤ 1080p" (§1.5) is not enforced: it does not say which side.
    video_max_bytes={PostType.VIDEO: Limit(4 * 1024 * MB, "§1.5 video ≤ 4 GB [3P]")},
    video_containers={
        PostType.VIDEO: Choice(
            frozenset({"video/mp4", "video/webm", "video/quicktime"}),
            "§1.5 video MP4/WebM/MOV [3P]",
        )
    },
    video_codecs={
        PostType.VIDEO: Choice(
            frozenset({"h264", "hevc", "vp8", "vp9"}), "§1.5 video H.264/H.265/VP8/VP9 [3P]"
        )
    },
    video_fps={PostType.VIDEO: Span(Fraction(23), Fraction(60), "§1.5 video 23–60 FPS [3P]")},
    video_side_px={
        PostType.VIDEO: Span(Fraction(360), Fraction(4096), "§1.5 video 360–4096 px per side [3P]")
    },
)
