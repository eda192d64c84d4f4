"""Per-platform limits as data, each with the section of platform-apis.md it comes from.

Platforms change these limits; when one changes, edit the table here (and its source), not
the validation code. ``None`` means the reference documents no limit for that platform, so
quartieri does not invent one (e.g. the Facebook caption maximum is [UNVERIFIED], §3.2).

Source keys below are sections of ``shared/reference/platform-apis.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from fractions import Fraction

from django.conf import settings

from quartieri.campaigns.models import Platform, PostType

MB = 1024 * 1024


class TextUnit(StrEnum):
    # TikTok counts UTF-16 code units ("runes", §1.3): an emoji outside the BMP counts 2.
    UTF16 = "utf16"
    CHARACTERS = "characters"


@dataclass(frozen=True)
class Limit:
    value: int
    source: str


@dataclass(frozen=True)
class Span:
    low: Fraction
    high: Fraction
    source: str


@dataclass(frozen=True)
class Choice:
    """The values a platform accepts (MIME types, codec names as ffprobe reports them)."""

    values: frozenset[str]
    source: str


@dataclass(frozen=True)
class PlatformRules:
    label: str
    post_types: frozenset[str]
    text_unit: TextUnit = TextUnit.CHARACTERS
    caption_max: Limit | None = None
    photo_title_max: Limit | None = None
    photo_description_max: Limit | None = None
    hashtags_max: Limit | None = None
    mentions_max: Limit | None = None
    alt_text_max: Limit | None = None
    # Per post type, as the reference gives them: Instagram's aspect and width are the feed
    # image's (§2.2); its Stories only say JPEG ≤ 8 MB.
    image_aspect: dict[str, Span] = field(default_factory=dict)  # width / height
    image_width_px: dict[str, Span] = field(default_factory=dict)
    image_mime_types: frozenset[str] = frozenset()
    image_mime_source: str = ""
    image_max_bytes: Limit | None = None
    video_seconds: dict[str, Span] = field(default_factory=dict)  # per post type
    video_max_bytes: dict[str, Limit] = field(default_factory=dict)  # per post type
    # Read from the file by media.media_probe (MediaAsset.probe); a value the probe did not
    # record (a row made by hand) is not checked here, variant_check_media refuses it.
    video_containers: dict[str, Choice] = field(default_factory=dict)  # MIME types
    video_codecs: dict[str, Choice] = field(default_factory=dict)
    audio_codecs: dict[str, Choice] = field(default_factory=dict)
    video_fps: dict[str, Span] = field(default_factory=dict)
    video_side_px: dict[str, Span] = field(default_factory=dict)  # each of width and height
    video_max_width_px: dict[str, Limit] = field(default_factory=dict)
    media_count_max: dict[str, Limit] = field(default_factory=dict)  # per post type
    privacy_level_required: bool = False


# Instagram announced 5 hashtags per post in Dec 2025 while the API reference (v25.0) still
# says 30: [CONFLICT] in §0 "IG hashtags". We enforce the stricter 5 by default; a Comune
# may set QUARTIERI_INSTAGRAM_MAX_HASHTAGS (Django setting) to 30 if Meta confirms it.
INSTAGRAM_HASHTAGS_DEFAULT = 5
INSTAGRAM_HASHTAGS_SOURCE = "§0 IG hashtags [CONFLICT] 30 (API ref v25.0) vs 5 (Dec 2025)"

_TIKTOK = PlatformRules(
    label="TikTok",
    post_types=frozenset({PostType.VIDEO, PostType.PHOTO}),
    text_unit=TextUnit.UTF16,
    caption_max=Limit(2200, "§1.3 video/init post_info.title ≤ 2,200 UTF-16 runes [V]"),
    photo_title_max=Limit(90, "§1.3 content/init title ≤ 90 runes [V]"),
    photo_description_max=Limit(4000, "§1.3 content/init description ≤ 4,000 [V]"),
    image_mime_types=frozenset({"image/jpeg", "image/webp"}),
    image_mime_source="§1.5 photo WebP/JPEG [3P]",
    image_max_bytes=Limit(20 * MB, "§1.5 photo ≤ 20 MB [3P]"),
    media_count_max={PostType.PHOTO: Limit(35, "§1.3 photo_images[] ≤ 35 [V]")},
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
    privacy_level_required=True,  # §1.6 point 3: chosen manually, no default
)

_INSTAGRAM_IMAGE_SOURCE = "§2.2 image JPEG ≤ 8 MB [V]"
_INSTAGRAM = PlatformRules(
    label="Instagram",
    post_types=frozenset({PostType.FEED, PostType.CAROUSEL, PostType.REEL, PostType.STORY}),
    caption_max=Limit(2200, "§0 / §2 IG User Media reference: caption ≤ 2,200 characters [V]"),
    hashtags_max=Limit(INSTAGRAM_HASHTAGS_DEFAULT, INSTAGRAM_HASHTAGS_SOURCE),
    mentions_max=Limit(20, "§0 IG User Media reference: 20 @ tags [V]"),
    alt_text_max=Limit(1000, "§2.1 alt_text ≤ 1,000 characters [V]"),
    image_aspect={
        kind: Span(Fraction(4, 5), Fraction(191, 100), "§2.2 image aspect 4:5–1.91:1 [V]")
        for kind in (PostType.FEED, PostType.CAROUSEL)
    },
    image_width_px={
        kind: Span(Fraction(320), Fraction(1440), "§2.2 image width 320–1440 px [V]")
        for kind in (PostType.FEED, PostType.CAROUSEL)
    },
    image_mime_types=frozenset({"image/jpeg"}),
    image_mime_source=_INSTAGRAM_IMAGE_SOURCE,
    image_max_bytes=Limit(8 * MB, _INSTAGRAM_IMAGE_SOURCE),
    video_seconds={
        PostType.REEL: Span(Fraction(3), Fraction(15 * 60), "§2.2 Reels 3 s–15 min [V]"),
        PostType.STORY: Span(Fraction(0), Fraction(60), "§2.2 Stories video ≤ 60 s [V]"),
    },
    video_max_bytes={
        PostType.REEL: Limit(300 * MB, "§2.2 Reels ≤ 300 MB [V]"),
        PostType.STORY: Limit(100 * MB, "§2.2 Stories video ≤ 100 MB [V]"),
    },
    video_containers={
        PostType.REEL: Choice(frozenset({"video/mp4", "video/quicktime"}), "§2.2 Reels MOV/MP4 [V]")
    },
    video_codecs={PostType.REEL: Choice(frozenset({"h264", "hevc"}), "§2.2 Reels HEVC/H.264 [V]")},
    audio_codecs={PostType.REEL: Choice(frozenset({"aac"}), "§2.2 Reels audio AAC [V]")},
    video_fps={PostType.REEL: Span(Fraction(23), Fraction(60), "§2.2 Reels 23–60 FPS [V]")},
    video_max_width_px={PostType.REEL: Limit(1920, "§2.2 Reels width ≤ 1920 px [V]")},
    media_count_max={
        PostType.CAROUSEL: Limit(10, "§2.1 carousel children ≤ 10 [V]"),
        PostType.FEED: Limit(1, "§2.1 one image per feed container [V]"),
        PostType.REEL: Limit(1, "§2.1 one video_url per Reels container [V]"),
        PostType.STORY: Limit(1, "§2.1 one medium per Stories container [V]"),
    },
)

# Facebook: platform-apis.md documents no caption or media limit (§3.2 caption maximum is
# [UNVERIFIED]), so only the universal accessibility rules apply.
_FACEBOOK = PlatformRules(
    label="Facebook",
    post_types=frozenset({PostType.FEED, PostType.PHOTO, PostType.VIDEO, PostType.REEL}),
)

_OWN_CHANNEL_TYPES = frozenset({PostType.FEED, PostType.PHOTO, PostType.VIDEO, PostType.TEXT})

RULES: dict[str, PlatformRules] = {
    Platform.TIKTOK: _TIKTOK,
    Platform.INSTAGRAM: _INSTAGRAM,
    Platform.FACEBOOK: _FACEBOOK,
    # The city's own channels: no third-party limits, only the universal rules below.
    Platform.NEWSLETTER: PlatformRules(label="Newsletter", post_types=_OWN_CHANNEL_TYPES),
    Platform.SCREENS: PlatformRules(label="Screens", post_types=_OWN_CHANNEL_TYPES),
    Platform.WEBSITE: PlatformRules(label="Website", post_types=_OWN_CHANNEL_TYPES),
    Platform.POSTERS: PlatformRules(label="Posters", post_types=_OWN_CHANNEL_TYPES),
}

# Universal accessibility rules (every platform): WCAG 2.1 AA via AGID guidelines.
ACCESSIBILITY_SOURCE = "django-style.md §3.3 AGID accessibility → WCAG 2.1 AA"


def rules_for(platform: str) -> PlatformRules:
    rules = RULES[platform]
    if platform == Platform.INSTAGRAM:
        configured = getattr(settings, "QUARTIERI_INSTAGRAM_MAX_HASHTAGS", None)
        if configured is not None and rules.hashtags_max is not None:
            hashtags = Limit(int(configured), INSTAGRAM_HASHTAGS_SOURCE + " (configured)")
            return replace(rules, hashtags_max=hashtags)
    return rules
