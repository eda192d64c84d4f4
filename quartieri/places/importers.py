"""Reading neighbourhood and POI files into plain rows (no database): validate everything
first so that the services can write all or nothing.

A POI layer is described by a ``LayerSpec``: where the name, id, address and coordinates
are, which category and licence the rows get. The Milan layers shipped in ``data/`` are
listed in ``MILAN_LAYERS``; another Comune writes its own list or uses the CLI options.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from django.utils.text import slugify

from quartieri.places import geo
from quartieri.places.models import Category, Licence

CC_BY_MILANO = "Contiene dati del Comune di Milano – dati.comune.milano.it – licenza CC BY 4.0"
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL"


@dataclass(frozen=True)
class NeighbourhoodRow:
    code: str
    name: str
    slug: str
    geometry: dict[str, Any]
    centroid_lon: float
    centroid_lat: float
    area_m2: float


@dataclass
class PoiRow:
    source: str
    source_record: str
    category: str
    name: str
    lon: float | None
    lat: float | None
    licence: str
    attribution: str
    address: str = ""
    wheelchair: str = ""
    description: str = ""
    neighbourhood_hint: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def read_neighbourhoods(
    path: Path, *, id_field: str, name_field: str, city: str
) -> list[NeighbourhoodRow]:
    data = geo.load_geojson(path)
    features = geo.iter_features(
        data, required_fields=(id_field, name_field), geometry_types=geo.POLYGON_TYPES
    )
    if not features:
        raise geo.GeoDataError(f"{path}: the FeatureCollection has no features")
    rows: list[NeighbourhoodRow] = []
    seen: dict[str, int] = {}
    for feature in features:
        code = str(feature.properties[id_field]).strip()
        if code in seen:
            raise geo.GeoDataError(
                f"feature {feature.index}: {id_field}={code!r} repeats feature {seen[code]}"
            )
        seen[code] = feature.index
        name = str(feature.properties[name_field]).strip()
        lon, lat = geo.centroid_lonlat(feature.shape)
        rows.append(
            NeighbourhoodRow(
                code=code,
                name=name,
                slug=slugify(f"{city}-{code}-{name}")[:120],
                geometry=feature.geometry,
                centroid_lon=round(lon, 7),
                centroid_lat=round(lat, 7),
                area_m2=round(geo.area_m2(feature.geometry), 1),
            )
        )
    return rows


# --- POI layers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerSpec:
    key: str
    filename: str
    category: str
    licence: str
    attribution: str
    id_field: str
    name_field: str = ""
    name_template: str = ""  # used when the data has no name: a label, not an invented name
    address_field: str = ""
    lon_field: str = ""  # CSV only
    lat_field: str = ""
    delimiter: str = ","
    group_polygons: bool = False  # one POI per name, at the largest polygon's inside point
    category_of: Callable[[dict[str, Any]], str] | None = None
    skip_unnamed: bool = False
    repair_invalid: bool = False


def _osm_category(props: dict[str, Any]) -> str:
    amenity = str(props.get("amenity") or "")
    if props.get("memorial") or props.get("historic") == "memorial":
        return Category.MEMORIAL
    if props.get("historic"):
        return Category.HERITAGE
    if props.get("railway") == "station" or props.get("station") == "subway":
        return Category.METRO
    if amenity in {"restaurant", "cafe", "bar", "pub", "fast_food", "ice_cream", "marketplace"}:
        return Category.FOOD
    if amenity in {"library"}:
        return Category.LIBRARY
    if amenity in {"theatre", "arts_centre", "cinema"}:
        return Category.THEATRE
    if amenity in {"place_of_worship", "community_centre", "social_facility"}:
        return Category.COMMUNITY
    if amenity == "drinking_water":
        return Category.FOUNTAIN
    if props.get("tourism") in {"hotel", "hostel", "guest_house", "apartment"}:
        return Category.LODGING
    if props.get("leisure") in {"park", "garden", "nature_reserve"}:
        return Category.PARK
    if props.get("shop"):
        return Category.SHOP
    return Category.OTHER


# The Comune's layers: CC BY 4.0 with its attribution (a constant, evaluated once at import).
_cc = partial(LayerSpec, licence=Licence.CC_BY_4, attribution=CC_BY_MILANO)


MILAN_LAYERS: tuple[LayerSpec, ...] = (
    _cc("ds89-parks", filename="poi/parks_gardens_ds89.geojson", category=Category.PARK,
        id_field="PARCO", name_field="PARCO", group_polygons=True, repair_invalid=True),
    _cc("vedovelle", filename="poi/vedovelle_fountains.geojson", category=Category.FOUNTAIN,
        id_field="objectID", name_template="Vedovella {objectID}"),
    _cc("case-acqua", filename="poi/case_acqua_20250720.geojson",
        category=Category.WATER_HOUSE, id_field="objectID",
        name_template="Casa dell'acqua {objectID}"),
    _cc("biblioteche", filename="poi/libraries_biblioteche_rionali.geojson",
        category=Category.LIBRARY, id_field="Biblioteche - Sede",
        name_template="Biblioteca {Biblioteche - Sede}", address_field="Indirizzo"),
    _cc("teatri", filename="poi/theatres_auditoriums.geojson", category=Category.THEATRE,
        id_field="id", name_field="denominaz", address_field="indirizzo"),
    _cc("ds32-pools", filename="poi/swimming_pools_ds32.geojson", category=Category.POOL,
        id_field="OBJECTID", name_template="Piscina {DENOMINAZIONE}", address_field="INDIRIZZO"),
    _cc("ds1448-cascine", filename="poi/cascine_ds1448_031023.csv",
        category=Category.FARMSTEAD, id_field="cascina", name_field="cascina",
        address_field="via", lon_field="LONG_X_4326", lat_field="LAT_Y_4326", delimiter=";"),
    _cc("ds535-metro", filename="transport/atm_metro_stations_ds535.geojson",
        category=Category.METRO, id_field="id_amat", name_template="{nome} (M{linee})"),
    _cc("ds534-stops", filename="transport/atm_surface_stops_ds534.geojson",
        category=Category.SURFACE_STOP, id_field="id_amat", name_field="ubicazione"),
    LayerSpec(key="osm", filename="osm/osm_wheelchair_tagged_pois_milano.geojson",
              category=Category.OTHER, licence=Licence.ODBL_1, attribution=OSM_ATTRIBUTION,
              id_field="osm_id", name_field="name", category_of=_osm_category,
              skip_unnamed=True),
    LayerSpec(key="osm", filename="osm/osm_pietre_inciampo_milano.geojson",
              category=Category.MEMORIAL, licence=Licence.ODBL_1, attribution=OSM_ATTRIBUTION,
              id_field="osm_id", name_template="Pietra d'inciampo: {name}"),
)  # fmt: skip


class _Fmt(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def _name(spec: LayerSpec, props: dict[str, Any]) -> str:
    if spec.name_field:
        return str(props.get(spec.name_field) or "").strip()
    return spec.name_template.format_map(_Fmt(props)).strip()


def _osm_description(props: dict[str, Any]) -> str:
    return str(props.get("inscription") or "").replace("|", " / ")


def read_layer(spec: LayerSpec, path: Path) -> list[PoiRow]:
    """Read one POI layer; raise GeoDataError naming the feature/row index on bad input."""
    if path.suffix.lower() == ".csv":
        return _read_csv_layer(spec, path)
    data = geo.load_geojson(path)
    if not data["features"]:
        raise geo.GeoDataError(f"{path}: the FeatureCollection has no features")
    features = geo.iter_features(
        data, required_fields=(spec.id_field,), repair_invalid=spec.repair_invalid
    )
    rows: list[PoiRow] = []
    grouped: dict[str, tuple[float, PoiRow]] = {}
    for feature in features:
        props = feature.properties
        name = _name(spec, props)
        if not name:
            if spec.skip_unnamed:
                continue
            raise geo.GeoDataError(
                f"feature {feature.index}: no name ({spec.name_field or spec.name_template!r})"
            )
        lon, lat = geo.centroid_lonlat(feature.shape)  # a point's centroid is the point
        category = spec.category_of(props) if spec.category_of else spec.category
        row = PoiRow(
            source=spec.key,
            source_record=str(props[spec.id_field]).strip(),
            category=category,
            name=name,
            lon=round(lon, 7),
            lat=round(lat, 7),
            licence=spec.licence,
            attribution=spec.attribution,
            address=str(props.get(spec.address_field) or "").strip() if spec.address_field else "",
            wheelchair=_wheelchair(props.get("wheelchair")),
            description=_osm_description(props) if spec.licence == Licence.ODBL_1 else "",
            extra={k: props[k] for k in ("linee", "wikidata", "website") if props.get(k)},
        )
        if spec.group_polygons and feature.shape.geom_type != "Point":
            size = float(feature.shape.area)
            if row.source_record not in grouped or grouped[row.source_record][0] < size:
                grouped[row.source_record] = (size, row)
            continue
        rows.append(row)
    return rows + [row for _, row in grouped.values()]


def _wheelchair(value: Any) -> str:
    text = str(value or "").strip().lower()
    return text if text in {"yes", "limited", "no"} else ""


def _float(value: str, *, index: int, column: str) -> float | None:
    text = (value or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise geo.GeoDataError(f"row {index}: {column}={value!r} is not a number") from None


def _read_csv(path: Path, delimiter: str, required: Sequence[str]) -> list[dict[str, str]]:
    """The rows, after checking the header has every required column; a row shorter than
    the header reads its missing cells as empty (DictReader would give None)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, delimiter=delimiter, restval="")
            header = list(reader.fieldnames or [])
            for column in required:
                if column not in header:
                    raise geo.GeoDataError(
                        f"{path}: column {column!r} is missing (the header has: "
                        f"{', '.join(header) or 'nothing'})"
                    )
            rows = list(reader)
    except FileNotFoundError:
        raise geo.GeoDataError(f"{path}: no such file") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise geo.GeoDataError(f"{path}: not a readable CSV ({exc})") from None
    if not rows:
        raise geo.GeoDataError(f"{path}: no rows after the header")
    return rows


def _position(
    rec: dict[str, str], *, lon_field: str, lat_field: str, index: int
) -> tuple[float, float] | None:
    """The row's WGS84 longitude and latitude, or None when both cells are empty."""
    lon = _float(rec[lon_field], index=index, column=lon_field)
    lat = _float(rec[lat_field], index=index, column=lat_field)
    if lon is None and lat is None:
        return None
    if lon is None or lat is None:
        raise geo.GeoDataError(f"row {index}: only one of {lon_field}/{lat_field} is given")
    if not geo.is_wgs84(lon, lat):
        raise geo.GeoDataError(
            f"row {index}: ({lon}, {lat}) is not a WGS84 longitude/latitude; "
            "the file is probably in a projected CRS"
        )
    return lon, lat


def _required_text(rec: dict[str, str], column: str, *, index: int) -> str:
    value = rec[column].strip()
    if not value:
        raise geo.GeoDataError(f"row {index}: {column!r} is empty")
    return value


def _read_csv_layer(spec: LayerSpec, path: Path) -> list[PoiRow]:
    rows: list[PoiRow] = []
    records = _read_csv(path, spec.delimiter, [spec.id_field, spec.lon_field, spec.lat_field])
    for index, rec in enumerate(records):
        position = _position(rec, lon_field=spec.lon_field, lat_field=spec.lat_field, index=index)
        if position is None:
            raise geo.GeoDataError(
                f"row {index}: no coordinate ({spec.lon_field}/{spec.lat_field})"
            )
        name = _name(spec, rec)
        if not name:
            raise geo.GeoDataError(
                f"row {index}: no name ({spec.name_field or spec.name_template!r})"
            )
        rows.append(
            PoiRow(
                source=spec.key,
                source_record=_required_text(rec, spec.id_field, index=index),
                category=spec.category,
                name=name,
                lon=position[0],
                lat=position[1],
                licence=spec.licence,
                attribution=spec.attribution,
                address=(rec.get(spec.address_field) or "").strip() if spec.address_field else "",
            )
        )
    return rows


# --- Landmark seeds -----------------------------------------------------------------------

_THEME_CATEGORY = {
    "storia": Category.HERITAGE,
    "borgo": Category.HERITAGE,
    "architettura": Category.ARCHITECTURE,
    "enogastronomia": Category.FOOD,
    "mercati": Category.FOOD,
    "ospitalità": Category.LODGING,
    "cascine": Category.FARMSTEAD,
    "verde": Category.PARK,
    "cultura": Category.THEATRE,
    "artigianato": Category.COMMUNITY,
    "trasporti": Category.METRO,
}


def _theme_category(theme: str) -> str:
    head = re.split(r"[/ ]", theme.strip().lower())[0]
    return _THEME_CATEGORY.get(head, Category.OTHER)


def _landmark_licence(text: str) -> tuple[str, str]:
    """The licence column as written in the landmark list: OSM rows are ODbL, the
    Comune's CC BY 4.0; anything else keeps no attribution we could vouch for."""
    if text.startswith("ODbL"):
        return Licence.ODBL_1, OSM_ATTRIBUTION
    if text.startswith("CC-BY"):
        return Licence.CC_BY_4, CC_BY_MILANO
    return Licence.OTHER, ""


def read_landmarks(path: Path) -> list[PoiRow]:
    """A landmark list: quartiere,name,theme,lon,lat,...,license,note. Empty lon/lat is kept
    as a place that needs a location; transport rows without a coordinate are not places."""
    rows: list[PoiRow] = []
    required = ("quartiere", "name", "theme", "lon", "lat", "license")
    for index, rec in enumerate(_read_csv(path, ",", required)):
        position = _position(rec, lon_field="lon", lat_field="lat", index=index)
        category = _theme_category(rec["theme"])
        if position is None and category == Category.METRO:
            continue
        name = _required_text(rec, "name", index=index)
        licence, attribution = _landmark_licence(rec["license"].strip())
        rows.append(
            PoiRow(
                source="landmarks",
                source_record=name,
                category=category,
                name=name,
                lon=position[0] if position else None,
                lat=position[1] if position else None,
                licence=licence,
                attribution=attribution,
                neighbourhood_hint=rec["quartiere"].strip(),
                extra={
                    k: rec[k]
                    for k in ("theme", "coord_source", "source_record", "note")
                    if rec.get(k)
                },
            )
        )
    return rows


def read_poi_file(
    path: Path,
    *,
    category: str,
    licence: str,
    attribution: str,
    id_field: str,
    name_field: str,
    source: str,
    lon_field: str = "lon",
    lat_field: str = "lat",
    delimiter: str = ",",
) -> list[PoiRow]:
    """Any GeoJSON/CSV point layer, for the CLI (another Comune's data)."""
    spec = LayerSpec(
        key=source,
        filename=path.name,
        category=category,
        licence=licence,
        attribution=attribution,
        id_field=id_field,
        name_field=name_field,
        lon_field=lon_field,
        lat_field=lat_field,
        delimiter=delimiter,
        group_polygons=True,
    )
    return read_layer(spec, path)
