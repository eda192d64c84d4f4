"""How a post will look on its channel: the neutral post a kind draws, and its text cut.

A kind's ``preview(post=…)`` (``channels.base.ChannelKind``) returns a ``Preview``: the
template that draws the post as its channel shows it, and that template's context. The
post comes as a ``PreviewPost``, the same whether it is a variant being written (campaigns)
or a post a sandbox fake received (publishing), so one drawing serves both.

The text is split into segments (hashtags, mentions and links marked, as the platforms
highlight them) and cut where the platform folds it behind "… more" in its feed
(``Fold``). Where a fold is cut is not published by any platform: each figure is a
third party's measurement, named with its source, and the page says it is approximate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise

from quartieri.channels.rules import TextUnit, text_length


@dataclass(frozen=True)
class PreviewMedia:
    """A picture or video of the post, as a browser can show it."""

    kind: str  # "image" | "video"
    url: str
    alt: str = ""
    poster: str = ""  # a still of a video (the media library's thumbnail)
    captions_url: str = ""  # a WebVTT file for <track>; "" when none a browser can read
    width: int | None = None
    height: int | None = None

    @property
    def shape(self) -> str:
        """The nearest of the shapes the previews draw (a CSS class; no inline styles)."""
        if not self.width or not self.height:
            return "square"
        ratio = self.width / self.height
        shapes = {"tall": 9 / 16, "portrait": 4 / 5, "square": 1.0, "wide": 1.91}
        return min(shapes, key=lambda name: abs(shapes[name] - ratio))


@dataclass(frozen=True)
class PreviewPost:
    """One post as its channel would receive it."""

    account: str  # the handle shown ("@comunedimilano")
    name: str  # the account as people read it
    post_type: str
    text: str  # what goes out: the caption with its listed hashtags
    title: str = ""  # a photo post's title (TikTok), or the subject of an own-channel item
    link: str = ""
    media: tuple[PreviewMedia, ...] = ()
    language: str = ""  # the text's language, for the lang attribute


@dataclass(frozen=True)
class Fold:
    """Roughly where a platform's feed cuts a caption behind "… more": the figure, who
    measured it (citations only; the sentence around it is the template's, translated) and
    what else people should know (translated)."""

    characters: int
    source: str
    note: str | Promise = ""
    unit: TextUnit = TextUnit.CHARACTERS


class SegmentKind(StrEnum):
    TEXT = "text"
    HASHTAG = "hashtag"
    MENTION = "mention"
    LINK = "link"
    BREAK = "break"


@dataclass(frozen=True)
class Segment:
    kind: SegmentKind
    text: str


@dataclass(frozen=True)
class PreviewText:
    """A caption as the feed shows it: ``shown`` before the fold, ``hidden`` behind it."""

    shown: list[Segment]
    hidden: list[Segment] = field(default_factory=list)
    fold: Fold | None = None

    @property
    def cut(self) -> bool:
        return bool(self.hidden)


@dataclass(frozen=True)
class Preview:
    """What a kind draws: a template and its context."""

    template: str
    context: Mapping[str, Any]


# Hashtags and mentions as the validation counts them (campaigns.validation), and links.
_TOKENS = re.compile(
    r"(?P<link>https?://[^\s]+)|(?P<hashtag>#\w+)|(?P<mention>(?<![\w.])@[\w.]*\w)|(?P<break>\n)"
)


def text_segments(text: str) -> list[Segment]:
    """``text`` split into plain runs, hashtags, mentions, links and line breaks."""
    segments: list[Segment] = []
    position = 0
    for match in _TOKENS.finditer(text):
        if match.start() > position:
            segments.append(Segment(SegmentKind.TEXT, text[position : match.start()]))
        kind = SegmentKind(match.lastgroup or "text")
        segments.append(Segment(kind, match.group()))
        position = match.end()
    if position < len(text):
        segments.append(Segment(SegmentKind.TEXT, text[position:]))
    return segments


def preview_text(text: str, *, fold: Fold | None) -> PreviewText:
    """The caption split into segments and cut at ``fold`` (None: shown whole).

    The cut counts in the fold's unit and never splits a UTF-16 surrogate pair; a hashtag
    cut in two stays a hashtag on both sides, as it does on screen.
    """
    segments = text_segments(text.strip())
    if fold is None or text_length(text.strip(), fold.unit) <= fold.characters:
        return PreviewText(shown=segments, fold=fold)
    shown: list[Segment] = []
    hidden: list[Segment] = []
    room = fold.characters
    for segment in segments:
        if room <= 0:
            hidden.append(segment)
            continue
        size = text_length(segment.text, fold.unit)
        if size <= room:
            shown.append(segment)
            room -= size
            continue
        head = _head(segment.text, room, fold.unit)
        shown.append(Segment(segment.kind, head))
        hidden.append(Segment(segment.kind, segment.text[len(head) :]))
        room = 0
    return PreviewText(shown=_trimmed(shown), hidden=hidden, fold=fold)


def _head(text: str, room: int, unit: TextUnit) -> str:
    """The longest start of ``text`` that fits ``room`` units (whole characters only)."""
    used = 0
    for index, character in enumerate(text):
        used += text_length(character, unit)
        if used > room:
            return text[:index]
    return text


def _trimmed(segments: Sequence[Segment]) -> list[Segment]:
    # "… more" follows the last word shown, not a space or a line break.
    result = list(segments)
    while result and (result[-1].kind == SegmentKind.BREAK or not result[-1].text.strip()):
        result.pop()
    if result and result[-1].kind == SegmentKind.TEXT:
        result[-1] = Segment(SegmentKind.TEXT, result[-1].text.rstrip())
    return result
