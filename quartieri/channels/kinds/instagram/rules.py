"""Instagram's limits as data, each with its section of platform-apis.md (§0, §2)."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from django.conf import settings

from quartieri.channels.rules import IMAGE, MB, VIDEO, Choice, Limit, PlatformRules, PostType, Span

# Instagram announced 5 hashtags per post in Dec 2025 while the API reference (v25.0) still
# says 30: [CONFLICT] in §0 "IG hashtags". We enforce the stricter 5 by default; a Comune
# may set QUARTIERI_INSTAGRAM_MAX_HASHTAGS (Django setting) to 30 if Meta confirms it.
INSTAGRAM_HASHTAGS_DEFAULT = 5
INSTAGRAM_HASHTAGS_SOURCE = "§0 IG hashtags [CONFLICT] 30 (API ref v25.0) vs 5 (Dec 2025)"

_INSTAGRAM_IMAGE_SOURCE = "§2.2 image JPEG ≤ 8 MB [V]"
_FEED = "§2.1 image container: image_url (a video goes out as a Reel) [V]"
_REEL = "§2.1 Reel container: media_type=REELS, video_url [V]"
_STORY = "§2.1 Story container: one image_url or video_url [V]"
# §2.1 gives the most (10); a carousel of one is a feed post, and the connector sends 2–10.
_CAROUSEL = "§2.1 carousel children ≤ 10 (2 at least: one is a feed post) [V]"
_RULES = PlatformRules(
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
    media_count_min={
        PostType.CAROUSEL: Limit(2, _CAROUSEL),
        PostType.FEED: Limit(1, _FEED),
        PostType.REEL: Limit(1, _REEL),
        PostType.STORY: Limit(1, _STORY),
    },
    media_kinds={
        PostType.CAROUSEL: Choice(frozenset({IMAGE, VIDEO}), _CAROUSEL),
        PostType.FEED: Choice(frozenset({IMAGE}), _FEED),
        PostType.REEL: Choice(frozenset({VIDEO}), _REEL),
        PostType.STORY: Choice(frozenset({IMAGE, VIDEO}), _STORY),
    },
)


def rules() -> PlatformRules:
    """The table, with the hashtag limit a Comune may set (QUARTIERI_INSTAGRAM_MAX_HASHTAGS)."""
    configured = getattr(settings, "QUARTIERI_INSTAGRAM_MAX_HASHTAGS", None)
    if configured is None or _RULES.hashtags_max is None:
        return _RULES
    hashtags = Limit(int(configured), INSTAGRAM_HASHTAGS_SOURCE + " (configured)")
    return replace(_RULES, hashtags_max=hashtags)
