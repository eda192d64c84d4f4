"""Checks over a built folder shared by the build and browser tests: every HTML page parses
without error, every internal link resolves to a file, every image has alternative text."""

from __future__ import annotations

import posixpath
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import html5lib


def html_pages(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def parse_errors(path: Path) -> list[str]:
    parser = html5lib.HTMLParser(strict=False)
    parser.parse(path.read_bytes())
    return [f"{path}: {pos} {code} {data}" for pos, code, data in parser.errors]


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img":
            self.images.append(values)
        for name in ("href", "src", "data-map"):
            value = values.get(name)
            if value is not None:
                self.refs.append((tag, name, value))
        for entry in (values.get("srcset") or "").split(","):
            if entry.strip():
                self.refs.append((tag, "srcset", entry.split()[0]))


def refs(path: Path) -> _Refs:
    parser = _Refs()
    parser.feed(path.read_text())
    return parser


def broken_links(out: Path) -> list[str]:
    """Relative references (links, scripts, styles, images, map data) that find no file."""
    broken = []
    for page in html_pages(out):
        folder = page.parent.relative_to(out).as_posix()
        for tag, name, value in refs(page).refs:
            parts = urlsplit(value)
            if parts.scheme or parts.netloc or value.startswith(("#", "mailto:")):
                continue
            target = out / posixpath.normpath(posixpath.join(folder, parts.path))
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(out)}: <{tag} {name}={value!r}>")
    return broken


def images_without_alt(out: Path) -> list[str]:
    return [
        f"{page.relative_to(out)}: {image.get('src')}"
        for page in html_pages(out)
        for image in refs(page).images
        if not (image.get("alt") or "").strip()
    ]
