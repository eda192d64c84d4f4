"""Both apps ship complete Italian translations: no fuzzy, no empty entries, .mo compiled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "quartieri"


def entries(text: str) -> list[tuple[str, str, bool]]:
    found = []
    for block in text.split("\n\n"):
        msgid = "".join(re.findall(r'^(?:msgid )?"(.*)"$', block.split("msgstr")[0], re.M))
        msgstr = (
            "".join(re.findall(r'"(.*)"', block.split("msgstr", 1)[1])) if "msgstr" in block else ""
        )
        fuzzy = "#, fuzzy" in block or ", fuzzy" in block
        if "msgid" in block:
            found.append((msgid, msgstr, fuzzy))
    return found


@pytest.mark.parametrize("app", ["planner", "audiences"])
def test_translations_are_complete_and_compiled(app):
    po = ROOT / app / "locale" / "it" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert mo.is_file()
    assert mo.stat().st_mtime >= po.stat().st_mtime - 1
    items = entries(po.read_text(encoding="utf-8"))
    assert len(items) > 20
    for msgid, msgstr, fuzzy in items:
        assert not fuzzy, msgid
        if msgid:
            assert msgstr, msgid
