"""Every shipped Italian catalogue is complete and compiled (Italian is the staff default)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CATALOGUES = sorted(
    (Path(__file__).resolve().parent.parent / "quartieri").glob(
        "**/locale/it/LC_MESSAGES/django.po"
    )
)


@pytest.mark.parametrize(
    "po", CATALOGUES, ids=lambda path: str(path.parent.parent.parent.parent.name)
)
def test_catalogue_has_no_empty_or_fuzzy_entries_and_its_mo_is_current(po, tmp_path):
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "gettext's msgfmt is needed (scripts/system-packages installs it)"
    compiled = tmp_path / "django.mo"
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", str(compiled), str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr, f"{po}: {result.stderr.strip()}"
    assert "fuzzy" not in result.stderr, f"{po}: {result.stderr.strip()}"
    shipped = po.with_suffix(".mo")
    assert shipped.exists(), f"{shipped} is missing: run scripts/messages"
    assert shipped.read_bytes() == compiled.read_bytes(), (
        f"{shipped} is stale: run scripts/messages"
    )
