"""A map drawn as SVG from the open data: a mini-site's map before any tile is loaded, and
the map on a poster.

The boundary, the walking route and numbered stops are projected (equirectangular, scaled
by the cosine of the latitude, which is exact enough across one neighbourhood) into a
fixed view box. No third-party request, a few kilobytes, readable without JavaScript.
"""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

WIDTH, HEIGHT, PAD = 640, 420, 18
# About 5 m at Milan's latitude: invisible at this size, and a boundary of a few hundred
# points instead of thousands.
SIMPLIFY_DEGREES = 0.00005


@dataclass(frozen=True)
class Frame:
    min_lon: float
    max_lat: float
    scale: float  # view-box units per degree of latitude
    kx: float  # cos(latitude): degrees of longitude are shorter
    x0: float = PAD  # where the westernmost and northernmost points are drawn
    y0: float = PAD

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        x = self.x0 + (lon - self.min_lon) * self.kx * self.scale
        y = self.y0 + (self.max_lat - lat) * self.scale
        return round(x, 1), round(y, 1)


@dataclass(frozen=True)
class Marker:
    label: str
    x: float
    y: float


@dataclass(frozen=True)
class StaticMap:
    width: int
    height: int
    boundary: str  # SVG path data
    route: str
    markers: tuple[Marker, ...]

    @functools.cached_property
    def elements(self) -> str:
        """The map's SVG elements (numbers and labels only: nothing to escape but the
        labels, which are escaped), made once however many pages show the map."""
        parts = [f'<path class="site-map-boundary" d="{self.boundary}"/>']
        if self.route:
            parts.append(f'<path class="site-map-route" d="{self.route}"/>')
        for m in self.markers:
            radius = 11 if m.label else 5
            text = (
                f'<text x="{m.x:g}" y="{m.y + 4:g}">{html.escape(m.label)}</text>'
                if m.label
                else ""
            )
            parts.append(
                f'<g class="site-map-marker"><circle cx="{m.x:g}" cy="{m.y:g}" r="{radius}"/>{text}</g>'
            )
        return "".join(parts)


@dataclass(frozen=True)
class Area:
    """Where a map is drawn: a box of a larger drawing (a screen slide) and its margin."""

    x: float = 0.0
    y: float = 0.0
    width: float = WIDTH
    height: float = HEIGHT
    pad: float = PAD
    centred: bool = False  # the map in the middle of the box, or at its top left


def frame_for(points: Iterable[tuple[float, float]], area: Area = Area()) -> Frame:  # noqa: B008 - frozen
    """North up, aspect kept, the points filling ``area`` but its margin."""
    lons, lats = zip(*points, strict=True)
    kx = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = max((max(lons) - min(lons)) * kx, 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    pad = area.pad
    scale = min((area.width - 2 * pad) / span_x, (area.height - 2 * pad) / span_y)
    if area.centred:
        x0 = area.x + (area.width - span_x * scale) / 2
        y0 = area.y + (area.height - span_y * scale) / 2
    else:
        x0, y0 = area.x + pad, area.y + pad
    return Frame(min(lons), max(lats), scale, kx, x0, y0)


Rings = list[Sequence[Sequence[float]]]


def rings_of(geometry: dict[str, Any] | BaseGeometry) -> Rings:
    """The boundary's rings, simplified: compute once per boundary, draw many maps."""
    polygon = geometry if isinstance(geometry, BaseGeometry) else shape(geometry)
    simple = polygon.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
    polygons = list(getattr(simple, "geoms", [simple]))
    rings: list[Sequence[Sequence[float]]] = []
    for polygon in polygons:
        rings.append(list(polygon.exterior.coords))
        rings.extend(list(r.coords) for r in polygon.interiors)
    return rings


def _path(frame: Frame, coords: Sequence[Sequence[float]], *, closed: bool) -> str:
    parts = []
    for i, (lon, lat, *_rest) in enumerate(coords):
        x, y = frame.xy(lon, lat)
        parts.append(f"{'M' if i == 0 else 'L'}{x:g} {y:g}")
    return "".join(parts) + ("Z" if closed else "")


def rings_path(frame: Frame, rings: Rings) -> str:
    """The boundary's SVG path data (each ring closed)."""
    return "".join(_path(frame, ring, closed=True) for ring in rings)


def route_map(
    *,
    rings: Rings,
    path: Sequence[tuple[float, float]],
    stops: Sequence[tuple[str, float, float]],
) -> StaticMap:
    """Boundary, route and labelled stops, framed to show all of them."""
    everything = [(p[0], p[1]) for ring in rings for p in ring]
    everything += list(path) + [(lon, lat) for _label, lon, lat in stops]
    frame = frame_for(everything)
    boundary = rings_path(frame, rings)
    route = _path(frame, path, closed=False) if len(path) > 1 else ""
    markers = tuple(Marker(label, *frame.xy(lon, lat)) for label, lon, lat in stops)
    return StaticMap(WIDTH, HEIGHT, boundary, route, markers)


def neighbourhood_map(
    *, geometry: dict[str, Any], places: Sequence[tuple[str, float, float]]
) -> StaticMap:
    return route_map(rings=rings_of(geometry), path=(), stops=places)
