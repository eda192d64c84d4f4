from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation

from quartieri.publishing.connectors.base import PermanentError
from quartieri.publishing.connectors.tiktok.errors import fail_reason_error

PO = Path(__file__).parents[2] / "quartieri/publishing/locale/it/LC_MESSAGES/django.po"


def test_the_italian_catalogue_has_no_fuzzy_or_empty_entries():
    text = PO.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]  # the first block is the header
    assert entries
    assert "#, fuzzy" not in text
    for entry in entries:
        # msgstr may be wrapped over several lines: join its quoted pieces.
        found = re.search(r'^msgstr ((?:".*"\n?)+)', entry, re.MULTILINE)
        assert found, entry
        assert "".join(re.findall(r'"(.*)"', found.group(1))), entry


def test_plain_reasons_are_translated():
    error = fail_reason_error("video_pull_failed")
    assert isinstance(error, PermanentError)
    with translation.override("it"):
        assert "TikTok non è riuscito a scaricare il video" in str(error.reason)
        assert "programma di nuovo" in str(error.action)
    with translation.override("en"):
        assert "TikTok could not download the video" in str(error.reason)
