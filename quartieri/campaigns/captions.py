"""Caption files of a video (WebVTT or SRT), read whole before anything is stored.

webvtt-py reads the cues (timestamps, identifiers, settings, NOTE/STYLE/REGION blocks) in its
strict mode; it reports neither the line nor the file, so each block is handed to it alone
and its refusal is worded here with the file and the line. A SubRip cue differs from a
WebVTT one only by the comma before its milliseconds (its number is read as the WebVTT
identifier), so both formats go through the one strict reader. Refusals are ValidationErrors
on "caption_file" (the upload form's field).

Browsers play only WebVTT in a <track>; ``caption_webvtt`` gives the preview a WebVTT
rendering of an SRT file (the stored file, what platforms get, stays SRT).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import webvtt
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from webvtt.errors import MalformedCaptionError, MalformedFileError


def _refuse(message: str) -> ValidationError:
    return ValidationError({"caption_file": [message]})


@dataclass(frozen=True)
class Cue:
    line: int
    start: float
    end: float


@dataclass(frozen=True)
class Captions:
    format: str  # "vtt" or "srt"
    cues: tuple[Cue, ...]


_TIMING_EXAMPLE = {"vtt": "00:00:01.000 --> 00:00:04.000", "srt": "00:00:01,000 --> 00:00:04,000"}


def caption_parse(*, data: bytes, name: str) -> Captions:
    """Parse a WebVTT or SRT file whole; ValidationError on "caption_file" naming the line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(_("%(name)s: not UTF-8 text.") % {"name": name}) from None
    blocks = list(_blocks(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")))
    if blocks and _is_webvtt_header(blocks[0][1]):
        fmt, blocks = "vtt", blocks[1:]
    elif blocks and blocks[0][1][0].isdigit():
        fmt = "srt"
    else:
        raise _refuse(
            _("%(name)s: neither WebVTT (first line “WEBVTT”) nor SRT (numbered cues).")
            % {"name": name},
        )
    cues = tuple(
        cue for number, block in blocks if (cue := _cue(fmt, number, block, name)) is not None
    )
    if not cues:
        raise _refuse(_("%(name)s: the file has no cue.") % {"name": name})
    return Captions(fmt, cues)


def _blocks(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    """(first line number, lines) of each block of non-blank lines."""
    block: list[str] = []
    for number, line in enumerate([*lines, ""], start=1):
        if line.strip():
            block.append(line.strip())
        elif block:
            yield number - len(block), block
            block = []


def _is_webvtt_header(block: list[str]) -> bool:
    # webvtt-py takes any first line starting "WEBVTT"; the format wants a space, a tab or
    # nothing after it ("WEBVTTX" is no header).
    if block[0] != "WEBVTT" and not block[0].startswith(("WEBVTT ", "WEBVTT\t")):
        return False
    try:
        webvtt.from_string("\n".join(block), strict=True)
    except (MalformedFileError, MalformedCaptionError):
        return False
    return True


def _webvtt_lines(fmt: str, block: list[str]) -> list[str] | None:
    """The block as webvtt-py's WebVTT reader takes it; None for SRT timings with a dot."""
    if fmt == "vtt" or len(block) < 2:
        return block
    index, timing, *text = block
    if "." in timing:  # webvtt-py's SRT reader takes it; SubRip writes a comma
        return None
    return [index, timing.replace(",", "."), *text]


def _cue(fmt: str, number: int, block: list[str], name: str) -> Cue | None:
    """The block's cue; None for a NOTE, STYLE or REGION block (WebVTT)."""
    # SRT: index, timing, text. WebVTT: optional identifier, timing, text.
    has_id = len(block) > 1 and "-->" not in block[0] and "-->" in block[1]
    offset = 1 if fmt == "srt" or has_id else 0
    timing = block[offset] if len(block) > offset else ""
    where = {"name": name, "line": number + offset}
    read = _read_block(fmt, block, timing, where)
    if read is not None and fmt == "vtt" and _no_cue_meant(read):
        return None
    if read is None or len(read.captions) != 1:
        raise _refuse(
            _("%(name)s, line %(line)s: “%(timing)s” is not a cue timing such as %(example)s.")
            % {**where, "timing": timing[:60], "example": _TIMING_EXAMPLE[fmt]},
        )
    return _checked_cue(read.captions[0], where)


def _read_block(
    fmt: str, block: list[str], timing: str, where: dict[str, Any]
) -> webvtt.WebVTT | None:
    """webvtt-py's reading of the block alone; None when its timing cannot be read."""
    lines = _webvtt_lines(fmt, block)
    if lines is None:
        return None
    try:
        return webvtt.from_string("\n".join(["WEBVTT", "", *lines]), strict=True)
    except MalformedCaptionError:
        setting = _bad_setting(timing)
    if setting is None:
        return None
    raise _refuse(
        _(
            "%(name)s, line %(line)s: “%(setting)s” is not a WebVTT cue setting (such as "
            "align:start, line:0, position:50%%) or it is repeated."
        )
        % {**where, "setting": setting[:60]},
    )


def _no_cue_meant(read: webvtt.WebVTT) -> bool:
    """A NOTE, STYLE or REGION block: webvtt-py read it as one, and found no cue in it."""
    kept = (read.styles, read.regions, read.header_comments, read.footer_comments)
    return not read.captions and any(kept)


def _bad_setting(timing: str) -> str | None:
    """The first cue setting on ``timing`` that webvtt-py refuses (unknown, invalid, repeated)."""
    settings = timing.split()[3:]  # start --> end setting…
    for count, setting in enumerate(settings, start=1):
        try:
            webvtt.CueSettings.from_string(" ".join(settings[:count]), strict=True)
        except MalformedCaptionError:
            return setting
    return None


def _checked_cue(caption: webvtt.Caption, where: dict[str, Any]) -> Cue:
    # webvtt-py keeps what the format does not forbid: a cue ending before it starts, a cue
    # without text. Neither can be shown.
    start = caption.start_time.in_milliseconds() / 1000
    end = caption.end_time.in_milliseconds() / 1000
    if end <= start:
        raise _refuse(_("%(name)s, line %(line)s: the cue ends before it starts.") % where)
    if not caption.lines:
        raise _refuse(_("%(name)s, line %(line)s: the cue has no text.") % where)
    return Cue(int(where["line"]), start, end)


def caption_check_timing(*, captions: Captions, duration: float, name: str) -> None:
    """Refuse captions that start after the video ends (a file made for another video)."""
    late = next((cue for cue in captions.cues if cue.start >= duration), None)
    if late is not None:
        raise _refuse(
            _(
                "%(name)s, line %(line)s: the cue starts at %(start)s s, after the video ends (%(end)s s)."
            )
            % {"name": name, "line": late.line, "start": f"{late.start:g}", "end": f"{duration:g}"},
        )


# SubRip's cue text is plain text with a few HTML-like tags (<i>, <b>, <u>, <font …>); in
# WebVTT cue text any other "<" opens a tag (the text after it would vanish) and "-->" ends
# nothing but is forbidden. Both are written as character references.
_STRAY_LT = re.compile(r"<(?!/?[A-Za-z])")


def _webvtt_cue_text(line: str) -> str:
    return _STRAY_LT.sub("&lt;", line).replace("-->", "--&gt;")


def caption_webvtt(*, data: bytes, caption_format: str) -> str:
    """The captions as WebVTT text for a browser's <track>: a WebVTT file as stored, an SRT
    file converted by webvtt-py (times with a dot, the cues' text and order kept; SRT's cue
    numbers are dropped, WebVTT needs none). ``data`` passed ``caption_parse`` when stored."""
    text = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    if caption_format == "vtt":
        return text
    converted = webvtt.from_buffer(io.StringIO(text), format="srt")
    for caption in converted.captions:
        caption.lines = [_webvtt_cue_text(line) for line in caption.lines]
    return str(converted.content)
