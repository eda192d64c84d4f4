"""Slides made for a display's resolution: layouts as SVG, images scaled. No Django models.

A layout is drawn once per resolution into a self-contained SVG (its photo embedded as a
JPEG scaled to its box, its QR code and map drawn as paths), so a player shows it with an
``<img>`` and needs nothing else, offline included. The map is the neighbourhood's
boundary from our own data, drawn at build time: no tile server is asked at play time.
SVG text does not wrap by itself; lines are broken here on an estimate of glyph widths
(sans-serif averages about half an em), and what does not fit ends in an ellipsis.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import segno
from PIL import Image, ImageOps

from quartieri.lib import svgmap

# Average advance of a glyph in ems, per weight; a little generous so lines never overflow.
GLYPH_EM = {"normal": 0.55, "bold": 0.6}
LINE_HEIGHT = 1.25
BACKGROUND, FOREGROUND, ACCENT = "#0b3d63", "#ffffff", "#ffcc00"
FONT = "'Titillium Web', 'DejaVu Sans', Arial, sans-serif"
PHOTO_QUALITY = 82
QR_QUIET_MODULES = 4  # ISO/IEC 18004 asks for four modules of quiet zone


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Layout:
    """What a layout slide shows; every part but the title is optional."""

    title: str
    text: str = ""
    alt_text: str = ""
    photo: bytes | None = None  # an image file's bytes (JPEG, PNG or WebP)
    qr_url: str = ""
    qr_caption: str = ""  # printed under the code, for people who cannot scan it
    boundary: dict[str, Any] | None = None  # GeoJSON Polygon or MultiPolygon, lon/lat
    map_label: str = ""
    map_attribution: str = ""


def wrap(text: str, *, width: float, size: float, weight: str = "normal", lines: int) -> list[str]:
    """Break ``text`` into at most ``lines`` lines of at most ``width`` px at ``size`` px."""
    per_line = max(2, int(width / (size * GLYPH_EM[weight])))
    words = [
        word[start : start + per_line]  # a word longer than a line is cut into pieces
        for word in text.split()
        for start in range(0, len(word), per_line)
    ]
    out: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= per_line:
            current = candidate
            continue
        out.append(current)
        current = word
    if current:
        out.append(current)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: per_line - 1].rstrip() + "…"
    return out


def _text(lines: Sequence[str], *, x: float, y: float, size: float, weight: str, fill: str) -> str:
    if not lines:
        return ""
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{(0 if i == 0 else size * LINE_HEIGHT):.1f}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return (
        f'<text x="{x:.1f}" y="{y + size:.1f}" font-family={quoteattr(FONT)} '
        f'font-size="{size:.1f}" font-weight="{weight}" fill="{fill}">{spans}</text>'
    )


def _text_height(lines: int, size: float) -> float:
    return size + max(0, lines - 1) * size * LINE_HEIGHT + size * 0.3 if lines else 0.0


# --- QR code -------------------------------------------------------------------------------
def qr_svg(url: str, box: Box) -> str:
    """The QR code of ``url`` as one path, square, centred in ``box``, quiet zone included."""
    code = segno.make(url, error="m", micro=False)
    matrix = code.matrix
    modules = len(matrix) + 2 * QR_QUIET_MODULES
    side = min(box.w, box.h)
    scale = side / modules
    x0, y0 = box.x + (box.w - side) / 2, box.y + (box.h - side) / 2
    runs = []
    for row, cells in enumerate(matrix):
        column = 0
        while column < len(cells):
            if not cells[column]:
                column += 1
                continue
            start = column
            while column < len(cells) and cells[column]:
                column += 1
            x, y = start + QR_QUIET_MODULES, row + QR_QUIET_MODULES
            runs.append(f"M{x},{y}h{column - start}v1h-{column - start}z")
    return (
        f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{side:.1f}" height="{side:.1f}" fill="#ffffff"/>'
        f'<path transform="translate({x0:.2f} {y0:.2f}) scale({scale:.4f})" '
        f'd="{"".join(runs)}" fill="#000000" shape-rendering="crispEdges"/>'
    )


# --- Map -----------------------------------------------------------------------------------
def map_svg(geometry: dict[str, Any], box: Box) -> str:
    """The boundary drawn in ``box`` as the mini-sites and posters draw it (lib/svgmap:
    simplified, equirectangular at the area's mean latitude, north up, aspect kept),
    centred."""
    rings = svgmap.rings_of(geometry)
    points = [(p[0], p[1]) for ring in rings for p in ring]
    if not points:
        return ""
    area = svgmap.Area(box.x, box.y, box.w, box.h, pad=min(box.w, box.h) * 0.06, centred=True)
    path = svgmap.rings_path(svgmap.frame_for(points, area), rings)
    return (
        f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" '
        f'fill="#e8eef3"/><path d="{path}" fill="{ACCENT}" fill-opacity="0.45" '
        f'stroke="{BACKGROUND}" stroke-width="{max(2.0, box.w / 200):.1f}" fill-rule="evenodd"/>'
    )


# --- Photo ---------------------------------------------------------------------------------
def photo_jpeg(data: bytes, *, width: int, height: int) -> bytes:
    """The photo cropped to fill ``width`` × ``height`` (upright per EXIF), as JPEG."""
    with Image.open(io.BytesIO(data)) as image:
        upright = ImageOps.exif_transpose(image).convert("RGB")
        fitted = ImageOps.fit(upright, (max(1, width), max(1, height)))
    buffer = io.BytesIO()
    fitted.save(buffer, format="JPEG", quality=PHOTO_QUALITY, optimize=True)
    return buffer.getvalue()


def photo_svg(data: bytes, box: Box) -> str:
    jpeg = photo_jpeg(data, width=round(box.w), height=round(box.h))
    uri = "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")
    return (
        f'<image x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" '
        f'href="{uri}" preserveAspectRatio="xMidYMid slice"/>'
    )


def image_fit(data: bytes, *, width: int, height: int) -> tuple[bytes, str]:
    """An image slide scaled down to fit the display (never up), as JPEG or, with
    transparency, PNG. The player letterboxes what does not fill the screen."""
    with Image.open(io.BytesIO(data)) as image:
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((width, height))
        buffer = io.BytesIO()
        if (
            upright.mode in ("RGBA", "LA", "P")
            and "transparency" in upright.info
            or (upright.mode in ("RGBA", "LA"))
        ):
            upright.save(buffer, format="PNG", optimize=True)
            return buffer.getvalue(), "image/png"
        upright.convert("RGB").save(buffer, format="JPEG", quality=PHOTO_QUALITY, optimize=True)
        return buffer.getvalue(), "image/jpeg"


# --- Layout --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Frame:
    text: Box
    photo: Box | None
    qr: Box | None
    map: Box | None


def _split(box: Box, share: float, gap: float) -> tuple[Box, Box]:
    """``box`` cut across: the top ``share`` of it, then the rest after ``gap``."""
    top = Box(box.x, box.y, box.w, (box.h - gap) * share)
    return top, Box(box.x, top.y + top.h + gap, box.w, box.h - top.h - gap)


def _landscape(layout: Layout, width: int, height: int, margin: float) -> _Frame:
    """Text on the left with the QR code under it; photo above map on the right."""
    has_photo, has_map = layout.photo is not None, layout.boundary is not None
    text_w = (width - 3 * margin) * 0.52 if has_photo or has_map else width - 2 * margin
    column = Box(margin, margin, text_w, height - 2 * margin)
    qr = None
    if layout.qr_url:
        side = min(height * 0.3, text_w)
        qr = Box(margin, height - margin - side, side, side)
        column = Box(column.x, column.y, column.w, column.h - side - margin)
    right = Box(2 * margin + text_w, margin, width - 3 * margin - text_w, height - 2 * margin)
    if has_photo and has_map:
        photo, map_box = _split(right, 0.58, margin)
        return _Frame(column, photo, qr, map_box)
    return _Frame(column, right if has_photo else None, qr, right if has_map else None)


def _portrait(layout: Layout, width: int, height: int, margin: float) -> _Frame:
    """Text on top, then the photo, then the map beside the QR code."""
    has_photo, has_map = layout.photo is not None, layout.boundary is not None
    inner = Box(margin, margin, width - 2 * margin, height - 2 * margin)
    text, rest = _split(inner, 0.4 if has_photo else 0.5, margin)
    photo = None
    if has_photo:
        photo, rest = _split(rest, 0.55, margin)
    qr = None
    if layout.qr_url:
        side = min(rest.h, rest.w * 0.45)
        qr = Box(rest.x + rest.w - side, rest.y, side, side)
        rest = Box(rest.x, rest.y, rest.w - side - margin, rest.h)
    return _Frame(text, photo, qr, rest if has_map else None)


def _frame(layout: Layout, width: int, height: int) -> _Frame:
    margin = round(min(width, height) * 0.05)
    if width >= height:
        return _landscape(layout, width, height, margin)
    return _portrait(layout, width, height, margin)


def layout_svg(layout: Layout, *, width: int, height: int) -> str:
    """The layout as an SVG document of exactly ``width`` × ``height`` pixels."""
    frame = _frame(layout, width, height)
    unit = min(width, height)
    title_size, body_size, small = unit * 0.085, unit * 0.045, unit * 0.024
    title = wrap(layout.title, width=frame.text.w, size=title_size, weight="bold", lines=3)
    title_h = _text_height(len(title), title_size)
    body_lines = max(0, int((frame.text.h - title_h - body_size) / (body_size * LINE_HEIGHT)))
    body = wrap(layout.text, width=frame.text.w, size=body_size, lines=min(body_lines, 12))
    parts = [
        f'<rect width="{width}" height="{height}" fill="{BACKGROUND}"/>',
        _text(
            title, x=frame.text.x, y=frame.text.y, size=title_size, weight="bold", fill=FOREGROUND
        ),
        _text(
            body,
            x=frame.text.x,
            y=frame.text.y + title_h + body_size * 0.6,
            size=body_size,
            weight="normal",
            fill=FOREGROUND,
        ),
    ]
    if frame.photo is not None and layout.photo is not None:
        parts.append(photo_svg(layout.photo, frame.photo))
    if frame.map is not None and layout.boundary is not None:
        parts.append(_map_part(layout, frame.map, small))
    if frame.qr is not None:
        parts.append(_qr_part(layout, frame.qr, small))
    label = escape(layout.alt_text or layout.title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img"><title>{label}</title>{"".join(parts)}</svg>'
    )


def _map_part(layout: Layout, box: Box, small: float) -> str:
    caption_h = small * 2.6
    drawing = Box(box.x, box.y, box.w, max(1.0, box.h - caption_h))
    assert layout.boundary is not None  # noqa: S101 - the caller checked
    label = wrap(layout.map_label, width=box.w, size=small * 1.3, weight="bold", lines=1)
    source = wrap(layout.map_attribution, width=box.w, size=small * 0.8, lines=1)
    return (
        map_svg(layout.boundary, drawing)
        + _text(
            label,
            x=box.x,
            y=drawing.y + drawing.h,
            size=small * 1.3,
            weight="bold",
            fill=FOREGROUND,
        )
        + _text(
            source,
            x=box.x,
            y=drawing.y + drawing.h + small * 1.5,
            size=small * 0.8,
            weight="normal",
            fill=FOREGROUND,
        )
    )


def _qr_part(layout: Layout, box: Box, small: float) -> str:
    caption = wrap(layout.qr_caption, width=box.w * 2.2, size=small * 0.8, lines=2)
    code_side = box.h - _text_height(len(caption), small * 0.8)
    code = qr_svg(layout.qr_url, Box(box.x, box.y, code_side, code_side))
    return code + _text(
        caption, x=box.x, y=box.y + code_side, size=small * 0.8, weight="normal", fill=FOREGROUND
    )
