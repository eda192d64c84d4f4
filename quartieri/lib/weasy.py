"""WeasyPrint for every PDF the platform renders (reports, posters, tour sheets)."""

from __future__ import annotations

from typing import Any


def weasyprint_html() -> Any:
    """WeasyPrint's HTML class, imported without its side effect on Pillow.

    Importing ``weasyprint`` sets ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True`` for the whole
    process, after which the upload check of campaigns (``campaigns/media.py``, which relies
    on a truncated picture failing to load) would accept broken pictures in any process that
    had rendered a PDF first. Each renderer imports it through here, so the flag is put back
    as it was (a poster's pictures passed that upload check).
    """
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        from weasyprint import HTML
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before
    return HTML
