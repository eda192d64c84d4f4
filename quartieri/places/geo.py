"""Pure geometry helpers on GeoJSON: parse and validate, centroid, area, point in polygon.

Everything works on plain GeoJSON dictionaries in WGS84 (lon/lat, RFC 7946) and shapely, so
that the database needs no spatial extension. Distances and areas are on a sphere of the
mean Earth radius (IUGG, 6 371 008.8 m): the error against the WGS84 ellipsoid is below
0.5 % at Milan's latitude, far smaller than what a walking tour needs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

EARTH_RADIUS_M = 6_371_008.8
# Accepted "crs" members: GeoJSON 2008 files sometimes name WGS84 explicitly.
_WGS84_NAMES = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "EPSG:4326",
    "CRS84",
}
POLYGON_TYPES = {"Polygon", "MultiPolygon"}


class GeoDataError(ValueError):
    """Bad input data; the message names the feature index and the problem."""


@dataclass(frozen=True)
class Feature:
    index: int
    properties: dict[str, Any]
    geometry: dict[str, Any]
    shape: BaseGeometry


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two lon/lat points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _ring_area_m2(ring: Sequence[Sequence[float]]) -> float:
    """Spherical area of a closed lon/lat ring (Chamberlain & Duquette 2007, JPL)."""
    total = 0.0
    n = len(ring)
    if n < 4:
        return 0.0
    for i in range(n - 1):
        lon1, lat1 = ring[i][0], ring[i][1]
        lon2, lat2 = ring[i + 1][0], ring[i + 1][1]
        total += math.radians(lon2 - lon1) * (
            2 + math.sin(math.radians(lat1)) + math.sin(math.radians(lat2))
        )
    return abs(total * EARTH_RADIUS_M**2 / 2)


def area_m2(geometry: dict[str, Any]) -> float:
    """Area of a GeoJSON Polygon/MultiPolygon in m² on the sphere (holes subtracted)."""
    polygons: list[Any]
    if geometry["type"] == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = list(geometry["coordinates"])
    else:
        return 0.0
    total = 0.0
    for rings in polygons:
        if not rings:
            continue
        total += _ring_area_m2(rings[0]) - sum(_ring_area_m2(hole) for hole in rings[1:])
    return total


def centroid_lonlat(geom: BaseGeometry) -> tuple[float, float]:
    """The centroid, or a point surely inside when the centroid falls outside (a C shape)."""
    point = geom.centroid
    if not geom.contains(point):
        point = geom.representative_point()
    return (float(point.x), float(point.y))


def _check_crs(data: dict[str, Any]) -> None:
    crs = data.get("crs")
    if crs is None:
        return
    name = str((crs.get("properties") or {}).get("name", "")) if isinstance(crs, dict) else ""
    if name not in _WGS84_NAMES:
        raise GeoDataError(
            f"the file declares CRS {name or crs!r}; only WGS84 lon/lat (EPSG:4326, CRS84) "
            "is accepted: reproject it first (e.g. ogr2ogr -t_srs EPSG:4326)"
        )


def is_wgs84(lon: float, lat: float) -> bool:
    """Whether the pair can be a WGS84 longitude and latitude (a projected CRS's metres
    cannot)."""
    return -180 <= lon <= 180 and -90 <= lat <= 90


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_position(position: list[Any] | tuple[Any, ...], index: int) -> None:
    # RFC 7946 §3.1.1: a position is two or more numbers, longitude then latitude (WGS84).
    if len(position) < 2 or not all(_is_number(value) for value in position):
        raise GeoDataError(
            f"feature {index}: position {list(position)!r} is not a pair of numbers "
            "(longitude, latitude)"
        )
    lon, lat = float(position[0]), float(position[1])
    if not is_wgs84(lon, lat):
        raise GeoDataError(
            f"feature {index}: coordinate ({lon}, {lat}) is not WGS84 lon/lat; "
            "the file is probably in a projected CRS"
        )


def _check_coordinates(coords: Any, index: int) -> None:
    if isinstance(coords, list | tuple) and coords and not isinstance(coords[0], list | tuple):
        _check_position(coords, index)
        return
    if isinstance(coords, list | tuple):
        for item in coords:
            _check_coordinates(item, index)


def _polygons(geometry: dict[str, Any]) -> list[Any]:
    coords = geometry.get("coordinates")
    return [coords] if geometry["type"] == "Polygon" else list(coords or [])


def _ring_problem(ring: Any) -> str | None:
    if not isinstance(ring, list) or not all(isinstance(p, list) for p in ring):
        return "is not a list of positions"
    if len(ring) < 4:
        return f"has {len(ring)} positions; a ring needs at least four"
    if ring[0] != ring[-1]:
        return (
            f"is not closed: it starts at {ring[0]} and ends at {ring[-1]}; the first and "
            "last positions must be identical"
        )
    return None


def _check_rings(geometry: dict[str, Any], index: int) -> None:
    """RFC 7946 §3.1.6: every linear ring is closed and has four or more positions."""
    if not isinstance(geometry.get("coordinates"), list):
        raise GeoDataError(f"feature {index}: the polygon's coordinates are missing")
    multi = geometry["type"] == "MultiPolygon"
    for number, rings in enumerate(_polygons(geometry)):
        if not isinstance(rings, list):
            raise GeoDataError(f"feature {index}: polygon {number} is not a list of rings")
        for ring_number, ring in enumerate(rings):
            problem = _ring_problem(ring)
            if problem:
                which = "the outer ring" if ring_number == 0 else f"hole {ring_number}"
                where = f"polygon {number}, {which}" if multi else which
                raise GeoDataError(f"feature {index}: {where} {problem} (RFC 7946 §3.1.6)")


def _signed_area(ring: Sequence[Sequence[float]]) -> float:
    """Twice the planar signed area of a closed ring: positive when counterclockwise."""
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:], strict=False))


def with_rfc7946_winding(geometry: dict[str, Any]) -> dict[str, Any]:
    """The polygon with outer rings counterclockwise and holes clockwise (RFC 7946 §3.1.6,
    the right-hand rule). Files may wind either way (parsers must not reject them); we
    store one way so that every consumer reads the same."""
    if geometry["type"] not in POLYGON_TYPES:
        return geometry

    def oriented(rings: list[Any]) -> list[Any]:
        return [
            ring if (_signed_area(ring) > 0) == (number == 0) else ring[::-1]
            for number, ring in enumerate(rings)
        ]

    polygons = [oriented(rings) for rings in _polygons(geometry)]
    coordinates = polygons[0] if geometry["type"] == "Polygon" else polygons
    return {**geometry, "coordinates": coordinates}


def load_geojson(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GeoDataError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GeoDataError(f"{path}: not valid GeoJSON ({exc})") from None
    return parse_collection(data)


def parse_collection(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise GeoDataError("not a GeoJSON FeatureCollection")
    if not isinstance(data.get("features"), list):
        raise GeoDataError("the FeatureCollection has no 'features' list")
    _check_crs(data)
    return data


def iter_features(
    data: dict[str, Any],
    *,
    required_fields: Iterable[str] = (),
    geometry_types: set[str] | None = None,
    repair_invalid: bool = False,
) -> list[Feature]:
    """Validate every feature first; raise on the first bad one naming its index.

    ``repair_invalid`` (only for layers whose publisher ships self-intersecting rings, used
    for a point inside them) repairs with shapely's make_valid instead of refusing."""
    required = list(required_fields)
    out: list[Feature] = []
    for index, raw in enumerate(data["features"]):
        if not isinstance(raw, dict) or raw.get("type") != "Feature":
            raise GeoDataError(f"feature {index}: not a GeoJSON Feature")
        props = raw.get("properties") or {}
        if not isinstance(props, dict):
            raise GeoDataError(f"feature {index}: 'properties' is not an object")
        for name in required:
            value = props.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise GeoDataError(f"feature {index}: field {name!r} is missing or empty")
        geometry = raw.get("geometry")
        if geometry is None:
            raise GeoDataError(f"feature {index}: geometry is missing (null)")
        if not isinstance(geometry, dict) or "type" not in geometry:
            raise GeoDataError(f"feature {index}: geometry is not a GeoJSON geometry")
        if geometry_types is not None and geometry["type"] not in geometry_types:
            raise GeoDataError(
                f"feature {index}: geometry type {geometry['type']!r} is not one of "
                f"{', '.join(sorted(geometry_types))}"
            )
        _check_coordinates(geometry.get("coordinates"), index)
        if geometry["type"] in POLYGON_TYPES:
            _check_rings(geometry, index)
            geometry = with_rfc7946_winding(geometry)
        try:
            geom = shape(geometry)
        except Exception as exc:  # noqa: BLE001 - shapely raises many types for broken coordinates
            raise GeoDataError(f"feature {index}: geometry cannot be read ({exc})") from None
        if geom.is_empty:
            raise GeoDataError(f"feature {index}: geometry is empty")
        if not geom.is_valid and repair_invalid:
            from shapely.validation import make_valid

            geom = make_valid(geom)
        if not geom.is_valid:
            from shapely.validation import explain_validity

            raise GeoDataError(f"feature {index}: invalid geometry ({explain_validity(geom)})")
        out.append(Feature(index, props, geometry, geom))
    return out


class PolygonIndex:
    """Point-in-polygon lookup over many polygons with an STR-tree."""

    def __init__(self, items: Sequence[tuple[Any, BaseGeometry]]) -> None:
        self._keys = [key for key, _ in items]
        self._geoms = [geom for _, geom in items]
        self._tree = STRtree(self._geoms)

    def find(self, lon: float, lat: float) -> Any | None:
        point = Point(lon, lat)
        for i in self._tree.query(point, predicate="intersects"):
            return self._keys[int(i)]
        return None
