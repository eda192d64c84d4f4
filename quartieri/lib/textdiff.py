"""Word-level differences between two texts, for showing what an edit changed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

Op = Literal["same", "added", "removed"]
# Words and the spaces between them, so that joining the parts gives the texts back.
_TOKEN = re.compile(r"\s+|[^\s]+")
_LINE_BREAK = re.compile(r"(\n)")


@dataclass(frozen=True)
class DiffPart:
    op: Op
    text: str

    @property
    def segments(self) -> list[tuple[str, bool]]:
        """The text cut at its line breaks: (text, False) runs and (line break, True) pieces, so
        that a page can mark an added or removed break, which shows nothing by itself."""
        return [(piece, piece == "\n") for piece in _LINE_BREAK.split(self.text) if piece]


def word_diff(before: str, after: str) -> list[DiffPart]:
    """``before`` → ``after`` as runs of kept, removed and added text (whole words).

    Joining the "same" and "removed" parts gives ``before``; "same" and "added", ``after``.
    """
    old, new = _TOKEN.findall(before), _TOKEN.findall(after)
    parts: list[DiffPart] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _append(parts, "same", "".join(old[i1:i2]))
            continue
        if tag in ("delete", "replace"):
            _append(parts, "removed", "".join(old[i1:i2]))
        if tag in ("insert", "replace"):
            _append(parts, "added", "".join(new[j1:j2]))
    return parts


def _append(parts: list[DiffPart], op: Op, text: str) -> None:
    if not text:
        return
    if parts and parts[-1].op == op:
        parts[-1] = DiffPart(op, parts[-1].text + text)
    else:
        parts.append(DiffPart(op, text))


def diff_changed(parts: list[DiffPart]) -> bool:
    return any(part.op != "same" for part in parts)
