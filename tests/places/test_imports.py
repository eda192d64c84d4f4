from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from quartieri.places import geo, importers, services
from quartieri.places.models import Licence, Neighbourhood, PointOfInterest

from .conftest import EAST, WEST, collection, feature, make_poi, write

DATA = settings.BASE_DIR / "data"
NIL_FILE = DATA / "boundaries" / "nil_ds964_pgt2030.geojson"


def test_import_all_88_nil_with_area_and_centroid(db: None) -> None:
    call_command("places", "import-neighbourhoods", str(NIL_FILE), "--id-field", "ID_NIL",
                 "--name-field", "NIL")  # fmt: skip
    assert Neighbourhood.objects.count() == 88
    raw = {f["properties"]["ID_NIL"]: f for f in json.loads(NIL_FILE.read_text())["features"]}
    for code in ("11", "34", "55"):
        n = Neighbourhood.objects.get(city="Milano", code=code)
        # Our spherical area agrees with the publisher's projected Shape_Area within 1 %.
        assert n.area_m2 == pytest.approx(raw[int(code)]["properties"]["Shape_Area"], rel=0.01)
        assert n.geometry == raw[int(code)]["geometry"]
    isola = Neighbourhood.objects.get(code="11")
    assert isola.name_it == "Isola"  # the register writes "ISOLA"
    assert (isola.centroid_lon, isola.centroid_lat) == pytest.approx((9.1896, 45.4909), abs=1e-3)
    # Running it again changes nothing.
    result = services.neighbourhood_import(
        path=NIL_FILE, id_field="ID_NIL", name_field="NIL", city="Milano"
    )
    assert (result.created, result.updated) == (0, 0)


def test_configurable_fields_for_another_city(city: dict[str, Neighbourhood]) -> None:
    assert set(city) == {"1", "2"}
    assert city["1"].name_it == "Ovest"
    assert city["1"].area_m2 == pytest.approx(780 * 1112, rel=0.02)


BAD_CASES = [
    ("{not json", "not valid GeoJSON"),
    (json.dumps({"type": "Feature"}), "not a GeoJSON FeatureCollection"),
    (
        collection(
            feature({"ID": 1, "NAME": "A"}, {"type": "Polygon", "coordinates": WEST}),
            crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3003"}},
        ),
        "EPSG::3003",
    ),
    (
        collection(
            feature({"ID": 1, "NAME": "A"}, {"type": "Polygon", "coordinates": WEST}),
            feature({"ID": 2, "NAME": "B"}, {"type": "Polygon", "coordinates": [[[1514816, 5034647],
                     [1514900, 5034647], [1514900, 5034700], [1514816, 5034647]]]}),
        ),
        "feature 1: coordinate (1514816.0, 5034647.0) is not WGS84",
    ),
    (
        collection(
            feature({"ID": 1, "NAME": "A"}, {"type": "Polygon", "coordinates": WEST}),
            feature({"ID": 2, "NAME": "B"}, {"type": "Polygon", "coordinates": EAST}),
            feature({"ID": 3, "NAME": "Bowtie"}, {"type": "Polygon", "coordinates": [[[9.1, 45.4],
                     [9.2, 45.5], [9.2, 45.4], [9.1, 45.5], [9.1, 45.4]]]}),
        ),
        "feature 2: invalid geometry (Self-intersection",
    ),
    (
        collection(
            feature({"ID": 1, "NAME": "A"}, {"type": "Polygon", "coordinates": WEST}),
            feature({"ID": 2, "NAME": "Empty"}, {"type": "Polygon", "coordinates": []}),
        ),
        "feature 1: geometry is empty",
    ),
    (
        collection(
            feature({"ID": 1, "NAME": "A"}, {"type": "Polygon", "coordinates": WEST}),
            feature({"ID": 2, "NAME": "Null"}, None),
        ),
        "feature 1: geometry is missing",
    ),
    (
        collection(
            feature({"ID": 1, "NAME": "A"}, {"type": "Polygon", "coordinates": WEST}),
            feature({"ID": 2}, {"type": "Polygon", "coordinates": EAST}),
        ),
        "feature 1: field 'NAME' is missing or empty",
    ),
    (
        collection(feature({"ID": 1, "NAME": "A"}, {"type": "Point", "coordinates": [9.1, 45.4]})),
        "feature 0: geometry type 'Point' is not one of MultiPolygon, Polygon",
    ),
    (
        collection(
            feature({"ID": 1, "NAME": "A"}, {"type": "Polygon", "coordinates": WEST}),
            feature({"ID": 1, "NAME": "A again"}, {"type": "Polygon", "coordinates": EAST}),
        ),
        "feature 1: ID='1' repeats feature 0",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("content", "message"), BAD_CASES)
def test_bad_geojson_is_refused_naming_the_feature_and_nothing_is_written(
    db: None, tmp_path: Path, content: object, message: str
) -> None:
    path = write(tmp_path / "bad.geojson", content)
    with pytest.raises(CommandError) as info:
        call_command(
            "places", "import-neighbourhoods", str(path), "--id-field", "ID", "--name-field", "NAME"
        )
    assert info.value.returncode == 2
    assert message in str(info.value)
    assert "nothing was written" in str(info.value)
    assert Neighbourhood.objects.count() == 0


def test_missing_file_is_a_usage_error(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        call_command("places", "import-neighbourhoods", str(tmp_path / "nope.geojson"),
                     "--id-field", "ID", "--name-field", "NAME")  # fmt: skip


def test_poi_layer_all_or_nothing(city: dict[str, Neighbourhood], tmp_path: Path) -> None:
    path = write(
        tmp_path / "pois.geojson",
        collection(
            feature({"id": "a", "name": "Good"}, {"type": "Point", "coordinates": [9.105, 45.405]}),
            feature({"id": "b", "name": "Bad"}, {"type": "Point", "coordinates": [1514816.0, 5034647.0]}),
        ),
    )  # fmt: skip
    with pytest.raises(CommandError, match="feature 1: coordinate"):
        call_command("places", "import-pois", str(path), "--category", "heritage", "--id-field", "id",
                     "--name-field", "name", "--source", "t", "--licence", "CC-BY-4.0")  # fmt: skip
    assert PointOfInterest.objects.count() == 0


def test_poi_point_in_polygon_and_licence(city: dict[str, Neighbourhood], tmp_path: Path) -> None:
    path = write(
        tmp_path / "pois.geojson",
        collection(
            feature({"id": "a", "name": "In Ovest", "wheelchair": "yes"}, {"type": "Point", "coordinates": [9.105, 45.405]}),
            feature({"id": "b", "name": "In Est", "wheelchair": "bogus"}, {"type": "Point", "coordinates": [9.115, 45.405]}),
            feature({"id": "c", "name": "Fuori"}, {"type": "Point", "coordinates": [9.3, 45.6]}),
        ),
    )  # fmt: skip
    call_command("places", "import-pois", str(path), "--category", "heritage", "--id-field", "id",
                 "--name-field", "name", "--source", "osm-test", "--licence", "ODbL-1.0")  # fmt: skip
    pois = {p.name_it: p for p in PointOfInterest.objects.all()}
    assert pois["In Ovest"].neighbourhood == city["1"]
    assert pois["In Est"].neighbourhood == city["2"]
    assert pois["Fuori"].neighbourhood is None
    assert pois["In Ovest"].wheelchair == "yes"
    assert pois["In Est"].wheelchair == ""  # unknown values are not guessed
    assert all(p.licence == Licence.ODBL_1 and p.is_odbl for p in pois.values())


def test_shipped_milan_layers_import(db: None) -> None:
    services.neighbourhood_import(path=NIL_FILE, id_field="ID_NIL", name_field="NIL", city="Milano")
    call_command("places", "import-milan-layers")
    abbey = PointOfInterest.objects.get(source="osm", source_record="way/564475658")
    assert abbey.name_it == "Abbazia di Chiaravalle"
    assert abbey.licence == Licence.ODBL_1
    assert abbey.wheelchair == "yes"
    assert abbey.neighbourhood is not None
    assert abbey.neighbourhood.code == "34"
    cave = PointOfInterest.objects.get(source="ds89-parks", source_record="PARCO DELLE CAVE")
    assert cave.licence == Licence.CC_BY_4
    assert cave.category == "park"
    assert PointOfInterest.objects.filter(category="metro", source="ds535-metro").count() == 110
    assert PointOfInterest.objects.filter(category="stop").count() == 2618
    # The ODbL rows never lose their licence mark.
    assert not PointOfInterest.objects.filter(source="osm").exclude(licence=Licence.ODBL_1).exists()


def test_landmarks_without_coordinates_need_location(db: None) -> None:
    services.neighbourhood_import(path=NIL_FILE, id_field="ID_NIL", name_field="NIL", city="Milano")
    call_command("places", "import-landmarks", str(DATA / "landmarks" / "landmarks_seed.csv"))
    bosco = PointOfInterest.objects.get(source="landmarks", name_it="Bosco Verticale")
    assert bosco.needs_location
    assert bosco.lat is None
    assert bosco.lon is None
    assert bosco.neighbourhood is not None
    assert bosco.neighbourhood.code == "11"
    # Transport rows without a coordinate are not places.
    assert not PointOfInterest.objects.filter(name_it__startswith="Bus 77").exists()


def test_landmark_merges_with_layer_place(db: None) -> None:
    services.neighbourhood_import(path=NIL_FILE, id_field="ID_NIL", name_field="NIL", city="Milano")
    spec = next(s for s in importers.MILAN_LAYERS if s.key == "ds1448-cascine")
    services.poi_import_rows(rows=importers.read_layer(spec, DATA / spec.filename), label="c")
    services.landmark_import(path=DATA / "landmarks" / "landmarks_seed.csv")
    corte = PointOfInterest.objects.filter(name_it__startswith="Cascina La Corte")
    assert corte.count() == 1
    assert corte.get().extra["landmark"]["theme"] == "cascine"


def test_staff_place_a_poi(city: dict[str, Neighbourhood], editor: object) -> None:
    poi = make_poi("Senza posto", None, None)
    assert poi.needs_location
    services.poi_set_location(actor=editor, poi=poi, lon=9.115, lat=45.405)  # type: ignore[arg-type]
    poi.refresh_from_db()
    assert not poi.needs_location
    assert poi.location_set_by_staff
    assert poi.neighbourhood == city["2"]


def test_geo_area_of_a_known_square() -> None:
    # 1° x 1° at the equator on the sphere: 12 364 km² (R = 6371.0088 km).
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    assert geo.area_m2(square) == pytest.approx(12_363.7e6, rel=1e-3)
