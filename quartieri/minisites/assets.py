"""The files every site shares under ``assets/``, and the photos resized for ``srcset``.

The stylesheet is Bootstrap Italia trimmed to the classes the templates use plus the
sites' own rules, named by its content hash so that a server may cache it for ever.
Fonts: Titillium Web (Bootstrap Italia's own files) in the four weights the CSS uses.
Leaflet is copied but loaded only when a visitor opens a map.
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image

from quartieri.minisites import cssprune
from quartieri.minisites.content import Photo
from quartieri.minisites.render import Page, template_sources

HERE = Path(__file__).resolve().parent / "assets"
LEAFLET = settings.BASE_DIR / "quartieri" / "static" / "vendor" / "leaflet-1.9.4"
FONTS = settings.BOOTSTRAP_ITALIA_STATIC / "fonts" / "Titillium_Web"
FONT_FILES = {
    "300": "titillium-web-v10-latin-ext_latin-300.woff2",
    "400": "titillium-web-v10-latin-ext_latin-regular.woff2",
    "600": "titillium-web-v10-latin-ext_latin-600.woff2",
    "700": "titillium-web-v10-latin-ext_latin-700.woff2",
}
# Widths offered in srcset (never wider than the original); JPEG quality 80.
IMAGE_WIDTHS = (480, 960, 1600)
# Classes that only JavaScript or the browser adds, which the templates cannot show.
DYNAMIC_CLASSES = ("show", "active", "visually-hidden-focusable")


@functools.cache
def stylesheet() -> tuple[str, bytes]:
    """(file name, content) of the trimmed stylesheet."""
    full = (settings.BOOTSTRAP_ITALIA_STATIC / "css" / "bootstrap-italia.min.css").read_text(
        encoding="utf-8-sig"
    )
    used = cssprune.used_in(template_sources(), extra_classes=DYNAMIC_CLASSES)
    banner = (
        "/* Bootstrap Italia (BSD-3-Clause, https://italia.github.io/bootstrap-italia/), "
        "based on Bootstrap (MIT), trimmed to the rules these pages use. */\n"
    )
    text = banner + cssprune.prune(full, used) + "\n" + (HERE / "site-extra.css").read_text()
    data = text.encode()
    return f"site.{hashlib.sha256(data).hexdigest()[:12]}.css", data


def shared_pages() -> Iterator[Page]:
    name, css = stylesheet()
    yield Page(f"assets/{name}", css)
    for script in ("site.js", "pv.js"):
        yield Page(f"assets/{script}", (HERE / script).read_bytes())
    for weight, filename in FONT_FILES.items():
        yield Page(f"assets/fonts/titillium-web-{weight}.woff2", (FONTS / filename).read_bytes())
    yield Page("assets/fonts/OFL.txt", (FONTS / "OFL.txt").read_bytes())
    for path in sorted(LEAFLET.rglob("*")):
        if path.is_file() and path.suffix != ".map":
            yield Page(f"assets/leaflet/{path.relative_to(LEAFLET).as_posix()}", path.read_bytes())


def image_names(photo: Photo, *, folder: str) -> list[tuple[int, str]]:
    """(width, path) of each resized copy under ``folder``; the name depends on the stored
    file's name, which is unique and never reused, so a copy once made is never remade."""
    key = hashlib.sha256(photo.name.encode()).hexdigest()[:16]
    widths = [w for w in IMAGE_WIDTHS if w < photo.width] + [min(photo.width, IMAGE_WIDTHS[-1])]
    return [(w, f"{folder}/media/{key}-{w}.jpg") for w in sorted(set(widths))]


def resized(photo: Photo, width: int) -> bytes:
    with default_storage.open(photo.name, "rb") as handle, Image.open(handle) as source:
        image = source.convert("RGB")
        height = round(image.height * width / image.width)
        out = io.BytesIO()
        image.resize((width, height), Image.Resampling.LANCZOS).save(
            out, "JPEG", quality=80, optimize=True, progressive=True
        )
        return out.getvalue()


def photos_of(groups: Iterable[Iterable[Photo]]) -> dict[str, Photo]:
    return {photo.name: photo for group in groups for photo in group}
