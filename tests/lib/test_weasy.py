"""Rendering a PDF never turns on Pillow's acceptance of truncated pictures, on which the
campaigns' upload check relies (WeasyPrint's import turns it on for the whole process)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import quartieri

SOURCE = Path(quartieri.__file__).parent
IMPORT = re.compile(r"^\s*(from weasyprint[ .]|import weasyprint\b)", re.MULTILINE)


def test_weasyprint_imported_for_a_pdf_leaves_truncated_pictures_refused() -> None:
    # A fresh interpreter: in this one WeasyPrint may be imported already.
    script = (
        "from quartieri.lib.weasy import weasyprint_html; weasyprint_html()\n"
        "import sys, weasyprint; from PIL import ImageFile\n"
        "print(ImageFile.LOAD_TRUNCATED_IMAGES, 'weasyprint' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_every_renderer_imports_weasyprint_through_the_guard() -> None:
    importers = sorted(
        str(path.relative_to(SOURCE))
        for path in SOURCE.rglob("*.py")
        if IMPORT.search(path.read_text())
    )
    assert importers == ["lib/weasy.py"]
