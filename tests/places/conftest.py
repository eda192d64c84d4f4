"""Fixtures for places: a tiny two-neighbourhood city, places in it, a tour."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from quartieri.places import importers, services
from quartieri.places.models import Category, Licence, Neighbourhood, PointOfInterest, Tour


@pytest.fixture(autouse=True)
def _english_outside_requests() -> Any:
    # Messages made outside a request (services, connector) follow the active language; the
    # tests read them in English. Requests still choose their own language (LocaleMiddleware).
    with translation.override("en"):
        yield


# Two 0.01° squares side by side near Milan (about 780 m x 1110 m each).
WEST = [[[9.10, 45.40], [9.11, 45.40], [9.11, 45.41], [9.10, 45.41], [9.10, 45.40]]]
EAST = [[[9.11, 45.40], [9.12, 45.40], [9.12, 45.41], [9.11, 45.41], [9.11, 45.40]]]


def feature(props: dict[str, Any], geometry: dict[str, Any] | None) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def collection(*features: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features), **extra}


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


@pytest.fixture
def city_file(tmp_path: Path) -> Path:
    return write(
        tmp_path / "city.geojson",
        collection(
            feature({"ID": 1, "NAME": "Ovest"}, {"type": "Polygon", "coordinates": WEST}),
            feature({"ID": 2, "NAME": "Est"}, {"type": "Polygon", "coordinates": EAST}),
        ),
    )


@pytest.fixture
def city(db: None, city_file: Path) -> dict[str, Neighbourhood]:
    services.neighbourhood_import(path=city_file, id_field="ID", name_field="NAME", city="Testa")
    return {n.code: n for n in Neighbourhood.objects.filter(city="Testa")}


def make_poi(name: str, lon: float | None, lat: float | None, **kw: Any) -> PointOfInterest:
    row = importers.PoiRow(
        source=kw.pop("source", "test"),
        source_record=name,
        category=kw.pop("category", Category.HERITAGE),
        name=name,
        lon=lon,
        lat=lat,
        licence=kw.pop("licence", Licence.CC_BY_4),
        attribution="test data",
        **kw,
    )
    services.poi_import_rows(rows=[row], label="test")
    return PointOfInterest.objects.get(source=row.source, source_record=name)


@pytest.fixture
def tour(city: dict[str, Neighbourhood]) -> Tour:
    start = make_poi("Metro Ovest", 9.1005, 45.4005, category=Category.METRO)
    end = make_poi("Metro Est", 9.1195, 45.4095, category=Category.METRO)
    tour = services.tour_create(
        actor=None, neighbourhood=city["1"], title_it="Giro di prova", theme="history",
        start=start, end=end,
    )  # fmt: skip
    for name, lon, lat in (
        ("Torre", 9.108, 45.408),
        ("Chiesa", 9.102, 45.402),
        ("Mulino", 9.105, 45.405),
    ):
        services.tour_stop_add(actor=None, tour=tour, poi=make_poi(name, lon, lat), minutes=10)
    return tour
