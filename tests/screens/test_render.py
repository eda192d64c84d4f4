"""Layouts drawn for a resolution (pure, no database)."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from quartieri.screens.render import Layout, layout_svg, wrap
from tests.screens.conftest import SQUARE, image_bytes

SVG = "{http://www.w3.org/2000/svg}"
FULL = Layout(
    title="Borgo: the old church and the park",
    text="Concerts in the old church every Sunday of May. " * 6,
    alt_text="Borgo, concerts in the old church",
    photo=image_bytes(size=(640, 480)),
    qr_url="https://example.org/q/borgo/it/",
    qr_caption="example.org/q/borgo/it/",
    boundary={"type": "Polygon", "coordinates": SQUARE},
    map_label="Borgo",
    map_attribution="Test boundaries · CC BY 4.0",
)


def test_long_text_is_wrapped_and_ends_in_an_ellipsis():
    lines = wrap("one two three four five six seven eight", width=110, size=20, lines=2)
    assert lines == ["one two", "three fou…"]  # 10 characters a line at most
    assert wrap("Supercalifragilistic", width=55, size=10, lines=3) == ["Supercalif", "ragilistic"]


@pytest.mark.parametrize(
    "size", [(1920, 1080), (1080, 1920), (800, 800)], ids=["landscape", "portrait", "square"]
)
def test_a_layout_fills_exactly_the_display_and_needs_nothing_else(size):
    svg = layout_svg(FULL, width=size[0], height=size[1])
    root = ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input
    assert (root.get("width"), root.get("height")) == (str(size[0]), str(size[1]))
    assert root.find(f"{SVG}title").text == "Borgo, concerts in the old church"
    # Everything is inside the file: the photo embedded, no other address to fetch.
    hrefs = [el.get("href") for el in root.iter() if el.get("href")]
    assert len(hrefs) == 1
    assert hrefs[0].startswith("data:image/jpeg;base64,")
    assert "http" not in re.sub(r"<text.*?</text>", "", svg.replace(f'xmlns="{SVG[1:-1]}"', ""))
    texts = " ".join(" ".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert texts.startswith("Borgo: the old")
    assert "Test boundaries · CC BY 4.0" in texts  # the map says whose boundary it is
    assert "…" in texts  # the long text was cut, and says so


def test_the_map_is_drawn_inside_its_frame():
    svg = layout_svg(
        Layout(title="Map", boundary={"type": "Polygon", "coordinates": SQUARE}),
        width=1000,
        height=600,
    )
    root = ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input
    frame = next(r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#e8eef3")
    x, y, w, h = (float(frame.get(k)) for k in ("x", "y", "width", "height"))
    path = next(p for p in root.iter(f"{SVG}path") if p.get("fill-rule") == "evenodd")
    points = _points(path.get("d"))
    assert len(points) == 5
    assert all(x <= px <= x + w and y <= py <= y + h for px, py in points)


def _points(d: str) -> list[tuple[float, float]]:
    return [(float(a), float(b)) for a, b in re.findall(r"(-?[\d.]+)[ ,](-?[\d.]+)", d)]


def test_a_detailed_boundary_is_drawn_simplified_as_on_the_mini_sites():
    # A round area traced with 4,000 points (about 1 m apart): the slide's map keeps a few
    # hundred at most, as the mini-sites' and posters' maps do (lib/svgmap), not every one.
    ring = [
        (
            9.19 + 0.006 * math.cos(2 * math.pi * n / 4000),
            45.46 + 0.004 * math.sin(2 * math.pi * n / 4000),
        )
        for n in range(4000)
    ]
    ring.append(ring[0])
    svg = layout_svg(
        Layout(title="Map", boundary={"type": "Polygon", "coordinates": [ring]}),
        width=1920,
        height=1080,
    )
    root = ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input
    path = next(p for p in root.iter(f"{SVG}path") if p.get("fill-rule") == "evenodd")
    assert 20 < len(_points(path.get("d"))) < 400
