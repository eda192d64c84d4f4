"""QR codes for tracked links (segno): SVG and PDF stay vector, PNG for screens and chats."""

from __future__ import annotations

import io
from typing import Any

import segno

FORMATS = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "pdf": "application/pdf",
}


def qr_code(*, url: str, kind: str, scale: int = 8) -> bytes:
    """The QR code of ``url`` in ``kind`` (svg, png or pdf), with the standard quiet zone.

    Error correction at least M (15 % of the code may be damaged, a poster's wear); segno
    raises it further when the version's capacity allows, at no cost in size.
    """
    if kind not in FORMATS:
        raise ValueError(f"unknown QR format {kind!r} (svg, png, pdf)")
    code = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    options: dict[str, Any] = {"kind": kind, "scale": scale, "border": 4}
    if kind == "svg":
        options["title"] = url
    code.save(buffer, **options)
    return buffer.getvalue()
