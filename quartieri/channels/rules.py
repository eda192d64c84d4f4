"""The shape of a channel kind's rules: limits as data, each with its source.

Each kind declares its own table (``ChannelKind.rules()``, e.g. ``kinds/tiktok/rules.py``);
``campaigns.validation`` checks a variant against it before approval. ``None`` means the
reference documents no limit for that kind, so quartieri does not invent one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from django.db import models
from django.utils.translation import gettext_lazy as _

MB = 1024 * 1024

# Universal accessibility rules (every kind): WCAG 2.1 AA via AGID guidelines.
ACCESSIBILITY_SOURCE = "django-style.md §3.3 AGID accessibility → WCAG 2.1 AA"


class PostType(models.TextChoices):
    """The shapes a post can take; each kind accepts some of them (``PlatformRules.post_types``)."""

    FEED = "feed", _("Feed post")
    PHOTO = "photo", _("Photo post")
    VIDEO = "video", _("Video")
    REEL = "reel", _("Reel")
    STORY = "story", _("Story")
    CAROUSEL = "carousel", _("Carousel")
    TEXT = "text", _("Text / link")


# What the city's own channels (newsletter, screens, website, posters) take by default.
OWN_CHANNEL_POST_TYPES = frozenset({PostType.FEED, PostType.PHOTO, PostType.VIDEO, PostType.TEXT})


# The kinds of file a post type may carry (the values of campaigns' MediaAsset.Kind).
IMAGE = "image"
VIDEO = "video"


class TextUnit(StrEnum):
    # TikTok counts UTF-16 code units ("runes"): an emoji outside the BMP counts 2.
    UTF16 = "utf16"
    CHARACTERS = "characters"


def text_length(text: str, unit: TextUnit) -> int:
    if unit == TextUnit.UTF16:
        return len(text.encode("utf-16-le")) // 2
    return len(text)


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
    """The values a kind accepts (MIME types, codec names as ffprobe reports them)."""

    values: frozenset[str]
    source: str


@dataclass(frozen=True)
class PlatformRules:
    label: str
    post_types: frozenset[str]
    text_unit: TextUnit = TextUnit.CHARACTERS
    # How the platform counts a text, when not simply in ``text_unit`` (Mastodon: every
    # link counts 23 characters whatever its length): ``length`` then uses it.
    text_counter: Callable[[str], int] | None = None
    caption_max: Limit | None = None
    # A photo post with a title and a description of its own (TikTok's): the two go together,
    # and a kind without photo_description_max counts a photo's text as its caption.
    photo_title_max: Limit | None = None
    photo_description_max: Limit | None = None
    hashtags_max: Limit | None = None
    mentions_max: Limit | None = None
    alt_text_max: Limit | None = None
    # Per post type, as the reference gives them (an image rule may hold for the feed only).
    image_aspect: dict[str, Span] = field(default_factory=dict)  # width / height
    image_width_px: dict[str, Span] = field(default_factory=dict)
    image_mime_types: frozenset[str] = frozenset()
    image_mime_source: str = ""
    image_max_bytes: Limit | None = None
    video_seconds: dict[str, Span] = field(default_factory=dict)  # per post type
    video_max_bytes: dict[str, Limit] = field(default_factory=dict)  # per post type
    # Read from the file by campaigns.media.media_probe (MediaAsset.probe); a value the probe
    # did not record (a row made by hand) is not checked here, variant_validate refuses it.
    video_containers: dict[str, Choice] = field(default_factory=dict)  # MIME types
    video_codecs: dict[str, Choice] = field(default_factory=dict)
    audio_codecs: dict[str, Choice] = field(default_factory=dict)
    video_fps: dict[str, Span] = field(default_factory=dict)
    video_side_px: dict[str, Span] = field(default_factory=dict)  # each of width and height
    video_max_width_px: dict[str, Limit] = field(default_factory=dict)
    media_count_max: dict[str, Limit] = field(default_factory=dict)  # per post type
    # What publishing needs each post type to carry: at least this many files, of these
    # kinds ("image", "video" as MediaAsset.Kind). Publishing refuses a post that does not
    # (the connectors check again), so drafts are told, submit and approval refuse it.
    media_count_min: dict[str, Limit] = field(default_factory=dict)  # per post type
    media_kinds: dict[str, Choice] = field(default_factory=dict)  # per post type

    def length(self, text: str) -> int:
        """``text`` counted as the platform counts it against its text limits."""
        if self.text_counter is not None:
            return self.text_counter(text)
        return text_length(text, self.text_unit)


@dataclass(frozen=True)
class RuleFailure:
    """One rule a variant breaks: the field, the limit, the actual value, in plain words."""

    field: str
    limit: str
    actual: str
    message: str
    source: str

    def __str__(self) -> str:
        return self.message
