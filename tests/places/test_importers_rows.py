"""What the readers of places/importers.py make of each row and feature, and what they refuse.

No database: the readers turn files into rows, and refuse (GeoDataError naming the row or
feature and the reason) before the services write anything. The tests pin every field a
reader fills, so a swapped licence or attribution, an unchecked coordinate or a dropped
name cannot pass unnoticed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from quartieri.places import geo, importers
from quartieri.places.geo import GeoDataError
from quartieri.places.importers import (
    CC_BY_MILANO,
    OSM_ATTRIBUTION,
    LayerSpec,
    PoiRow,
    read_landmarks,
    read_layer,
    read_neighbourhoods,
    read_poi_file,
)
from quartieri.places.models import Category, Licence

from .conftest import EAST, WEST, collection, feature, write

POINT = {"type": "Point", "coordinates": [9.1234567891, 45.4567891234]}


def spec(**overrides: Any) -> LayerSpec:
    values: dict[str, Any] = {
        "key": "test-layer",
        "filename": "layer.geojson",
        "category": Category.FOUNTAIN,
        "licence": Licence.CC_BY_4,
        "attribution": CC_BY_MILANO,
        "id_field": "id",
        "name_field": "name",
    }
    return LayerSpec(**{**values, **overrides})


def geojson(tmp_path: Path, *features: dict[str, Any]) -> Path:
    return write(tmp_path / "layer.geojson", collection(*features))


def csv_file(tmp_path: Path, text: str, name: str = "layer.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- GeoJSON layers ------------------------------------------------------------------------


def test_a_point_feature_becomes_a_row_with_every_field(tmp_path: Path) -> None:
    path = geojson(
        tmp_path,
        feature(
            {"id": " 42 ", "name": " Fontana ", "via": " Via Roma 1 ", "wheelchair": " Limited ",
             "linee": "M1", "wikidata": "", "website": "https://example.org", "other": "x"},
            POINT,
        ),
    )  # fmt: skip
    [row] = read_layer(spec(address_field="via"), path)
    assert row == PoiRow(
        source="test-layer",
        source_record="42",
        category=Category.FOUNTAIN,
        name="Fontana",
        lon=9.1234568,
        lat=45.4567891,
        licence=Licence.CC_BY_4,
        attribution=CC_BY_MILANO,
        address="Via Roma 1",
        wheelchair="limited",
        description="",
        extra={"linee": "M1", "website": "https://example.org"},
    )


@pytest.mark.parametrize(
    ("value", "stored"),
    [("yes", "yes"), ("no", "no"), ("LIMITED", "limited"), ("designated", ""), (None, "")],
)
def test_wheelchair_access_keeps_only_the_three_osm_answers(
    tmp_path: Path, value: str | None, stored: str
) -> None:
    path = geojson(tmp_path, feature({"id": 1, "name": "A", "wheelchair": value}, POINT))
    assert read_layer(spec(), path)[0].wheelchair == stored


def test_osm_rows_keep_the_odbl_licence_attribution_and_inscription(tmp_path: Path) -> None:
    path = geojson(
        tmp_path,
        feature({"osm_id": "node/1", "name": "Pietra", "inscription": "Qui abitava|Mario"}, POINT),
    )
    osm = next(s for s in importers.MILAN_LAYERS if s.filename.endswith("inciampo_milano.geojson"))
    [row] = read_layer(osm, path)
    assert (row.licence, row.attribution) == (Licence.ODBL_1, OSM_ATTRIBUTION)
    assert row.name == "Pietra d'inciampo: Pietra"
    assert row.description == "Qui abitava / Mario"
    path = geojson(tmp_path, feature({"osm_id": "node/2", "name": "Senza scritta"}, POINT))
    assert read_layer(osm, path)[0].description == ""
    # The Comune's CC BY layers never take an OSM description.
    path = geojson(tmp_path, feature({"id": 1, "name": "A", "inscription": "x"}, POINT))
    assert read_layer(spec(), path)[0].description == ""


def test_a_name_template_fills_in_the_properties_and_leaves_missing_ones_empty(
    tmp_path: Path,
) -> None:
    path = geojson(tmp_path, feature({"id": 7, "nome": "Lotto", "linee": "1"}, POINT))
    layer = spec(name_field="", name_template="{nome} (M{linee}) {missing}")
    assert read_layer(layer, path)[0].name == "Lotto (M1)"


def test_a_feature_without_a_name_is_refused_unless_the_layer_skips_unnamed(
    tmp_path: Path,
) -> None:
    path = geojson(
        tmp_path,
        feature({"id": 1, "name": "Named"}, POINT),
        feature({"id": 2, "name": "  "}, POINT),
    )
    with pytest.raises(GeoDataError, match=r"^feature 1: no name \('name'\)$"):
        read_layer(spec(), path)
    assert [row.name for row in read_layer(spec(skip_unnamed=True), path)] == ["Named"]


def test_an_empty_layer_is_refused_not_imported_as_nothing(tmp_path: Path) -> None:
    path = geojson(tmp_path)
    with pytest.raises(GeoDataError, match="the FeatureCollection has no features"):
        read_layer(spec(), path)


def test_polygons_are_grouped_by_id_at_the_largest_polygon(tmp_path: Path) -> None:
    big = [[[9.10, 45.40], [9.12, 45.40], [9.12, 45.42], [9.10, 45.42], [9.10, 45.40]]]
    path = geojson(
        tmp_path,
        feature({"id": "PARCO", "name": "Parco"}, {"type": "Polygon", "coordinates": WEST}),
        feature({"id": "PARCO", "name": "Parco"}, {"type": "Polygon", "coordinates": big}),
        feature({"id": "PARCO", "name": "Parco"}, {"type": "Polygon", "coordinates": EAST}),
        feature({"id": "F", "name": "Fontana"}, POINT),
    )
    rows = read_layer(spec(group_polygons=True), path)
    assert [(r.source_record, r.lon, r.lat) for r in rows] == [
        ("F", 9.1234568, 45.4567891),
        ("PARCO", 9.11, 45.41),  # the centre of the largest
    ]
    # Without grouping, every polygon is a place at its own centre.
    ungrouped = read_layer(spec(), path)
    assert [(r.lon, r.lat) for r in ungrouped[:3]] == [
        (9.105, 45.405),
        (9.11, 45.41),
        (9.115, 45.405),
    ]


OSM_CATEGORIES = [
    ({"memorial": "plaque"}, Category.MEMORIAL),
    ({"historic": "memorial"}, Category.MEMORIAL),
    ({"historic": "castle"}, Category.HERITAGE),
    ({"railway": "station"}, Category.METRO),
    ({"station": "subway"}, Category.METRO),
    *[({"amenity": a}, Category.FOOD) for a in
      ("restaurant", "cafe", "bar", "pub", "fast_food", "ice_cream", "marketplace")],
    ({"amenity": "library"}, Category.LIBRARY),
    *[({"amenity": a}, Category.THEATRE) for a in ("theatre", "arts_centre", "cinema")],
    *[({"amenity": a}, Category.COMMUNITY) for a in
      ("place_of_worship", "community_centre", "social_facility")],
    ({"amenity": "drinking_water"}, Category.FOUNTAIN),
    *[({"tourism": t}, Category.LODGING) for t in ("hotel", "hostel", "guest_house", "apartment")],
    *[({"leisure": t}, Category.PARK) for t in ("park", "garden", "nature_reserve")],
    ({"shop": "bakery"}, Category.SHOP),
    ({"amenity": "bench"}, Category.OTHER),
    ({}, Category.OTHER),
]  # fmt: skip


@pytest.mark.parametrize(("tags", "category"), OSM_CATEGORIES)
def test_osm_tags_give_the_category(tmp_path: Path, tags: dict[str, str], category: str) -> None:
    osm = next(s for s in importers.MILAN_LAYERS if s.key == "osm" and s.skip_unnamed)
    path = geojson(tmp_path, feature({"osm_id": "node/1", "name": "X", **tags}, POINT))
    assert read_layer(osm, path)[0].category == category


# --- CSV layers ----------------------------------------------------------------------------

CASCINE = next(s for s in importers.MILAN_LAYERS if s.key == "ds1448-cascine")
CASCINE_HEADER = "cascina;via;LONG_X_4326;LAT_Y_4326\n"


def test_a_csv_row_becomes_a_row_with_every_field(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "\ufeff" + CASCINE_HEADER + " Cascina Linterno ; Via Fratelli Zoia 194 ;9,0962;45.4698\n")  # fmt: skip
    assert read_layer(CASCINE, path) == [
        PoiRow(
            source="ds1448-cascine",
            source_record="Cascina Linterno",
            category=Category.FARMSTEAD,
            name="Cascina Linterno",
            lon=9.0962,
            lat=45.4698,
            licence=Licence.CC_BY_4,
            attribution=CC_BY_MILANO,
            address="Via Fratelli Zoia 194",
        )
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("C;v;181;45.4", r"row 0: \(181.0, 45.4\) is not a WGS84 longitude/latitude"),
        ("C;v;-180.5;45.4", r"row 0: \(-180.5, 45.4\) is not a WGS84"),
        ("C;v;9.1;90.01", r"row 0: \(9.1, 90.01\) is not a WGS84"),
        ("C;v;9.1;-91", r"row 0: \(9.1, -91.0\) is not a WGS84"),
        ("C;v;1514816;5034647", r"row 0: \(1514816.0, 5034647.0\) is not a WGS84 .* projected"),
        ("C;v;9.1;", r"row 0: only one of LONG_X_4326/LAT_Y_4326 is given"),
        ("C;v;;45.4", r"row 0: only one of LONG_X_4326/LAT_Y_4326 is given"),
        ("C;v;;", r"row 0: no coordinate \(LONG_X_4326/LAT_Y_4326\)"),
        ("C;v;nove;45.4", r"row 0: LONG_X_4326='nove' is not a number"),
        (";v;9.1;45.4", r"row 0: no name \('cascina'\)"),
        ("C", r"row 0: no coordinate"),  # a short row reads as empty cells, not a traceback
    ],
)
def test_a_bad_csv_row_is_refused_naming_the_row(tmp_path: Path, line: str, message: str) -> None:
    path = csv_file(tmp_path, CASCINE_HEADER + line + "\n")
    with pytest.raises(GeoDataError, match=message):
        read_layer(CASCINE, path)


@pytest.mark.parametrize(("lon", "lat"), [("180", "90"), ("-180", "-90"), ("0", "0")])
def test_the_edges_of_the_globe_are_accepted(tmp_path: Path, lon: str, lat: str) -> None:
    path = csv_file(tmp_path, f"{CASCINE_HEADER}C;v;{lon};{lat}\n")
    [row] = read_layer(CASCINE, path)
    assert (row.lon, row.lat) == (float(lon), float(lat))


def test_a_csv_without_an_id_in_a_row_is_refused(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "id,name,lon,lat\n ,Nome,9.1,45.4\n")
    with pytest.raises(GeoDataError, match=r"row 0: 'id' is empty"):
        read_poi_file(path, category=Category.PARK, licence=Licence.CC_BY_4, attribution="",
                      id_field="id", name_field="name", source="t")  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cascina;via;LAT_Y_4326\nC;v;45.4\n", "column 'LONG_X_4326' is missing (the header has: cascina, via, LAT_Y_4326)"),
        ("", "column 'cascina' is missing (the header has: nothing)"),
        (CASCINE_HEADER, "no rows after the header"),
    ],
)  # fmt: skip
def test_a_csv_missing_a_column_or_rows_is_refused_clearly(
    tmp_path: Path, text: str, message: str
) -> None:
    path = csv_file(tmp_path, text)
    with pytest.raises(GeoDataError) as refused:
        read_layer(CASCINE, path)
    assert str(refused.value) == f"{path}: {message}"


def test_unreadable_or_missing_csv_files_are_refused(tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(CASCINE_HEADER.encode() + "Cascina Città;v;9.1;45.4\n".encode("latin-1"))
    with pytest.raises(GeoDataError, match=r"latin1.csv: not a readable CSV \("):
        read_layer(CASCINE, latin1)
    with pytest.raises(GeoDataError, match=r"nope.csv: no such file"):
        read_layer(CASCINE, tmp_path / "nope.csv")


def test_read_poi_file_honours_its_columns_delimiter_and_licence(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "codice|titolo|x|y\nA1|Teatro|9.2|45.5\n")
    rows = read_poi_file(
        path, category=Category.THEATRE, licence=Licence.ODBL_1, attribution="© OSM",
        id_field="codice", name_field="titolo", source="altro-comune", lon_field="x",
        lat_field="y", delimiter="|",
    )  # fmt: skip
    assert rows == [
        PoiRow(source="altro-comune", source_record="A1", category=Category.THEATRE,
               name="Teatro", lon=9.2, lat=45.5, licence=Licence.ODBL_1, attribution="© OSM")
    ]  # fmt: skip


def test_read_poi_file_groups_polygons_by_id(tmp_path: Path) -> None:
    path = geojson(
        tmp_path,
        feature({"id": "P", "name": "Parco"}, {"type": "Polygon", "coordinates": WEST}),
        feature({"id": "P", "name": "Parco"}, {"type": "Polygon", "coordinates": EAST}),
    )
    rows = read_poi_file(path, category=Category.PARK, licence=Licence.CC_BY_4, attribution="",
                         id_field="id", name_field="name", source="t")  # fmt: skip
    assert len(rows) == 1


# --- Landmarks -----------------------------------------------------------------------------

LANDMARK_HEADER = "quartiere,name,theme,lon,lat,coord_source,source_record,license,note\n"


def landmarks(tmp_path: Path, *lines: str) -> list[PoiRow]:
    return read_landmarks(
        csv_file(tmp_path, LANDMARK_HEADER + "".join(f"{line}\n" for line in lines))
    )


def test_landmark_licences_and_attributions_are_never_swapped(tmp_path: Path) -> None:
    rows = landmarks(
        tmp_path,
        "Isola,Stecca,artigianato,9.19,45.49,OSM way/1,,ODbL-1.0 (OpenStreetMap),",
        "Baggio,Parco delle Cave,verde,9.10,45.46,ds89,,CC-BY-4.0 (Comune di Milano),",
        "Baggio,Chiesa Vecchia,storia,9.09,45.46,press,,see note,",
    )
    assert [(r.name, r.licence, r.attribution) for r in rows] == [
        ("Stecca", Licence.ODBL_1, OSM_ATTRIBUTION),
        ("Parco delle Cave", Licence.CC_BY_4, CC_BY_MILANO),
        ("Chiesa Vecchia", Licence.OTHER, ""),
    ]


def test_a_landmark_row_keeps_its_hint_and_notes(tmp_path: Path) -> None:
    [row] = landmarks(
        tmp_path,
        ' Isola ,"Bosco Verticale ",architettura/verde,,,NOT FOUND,,ODbL-1.0,needs geocoding',
    )
    assert row == PoiRow(
        source="landmarks",
        source_record="Bosco Verticale",
        category=Category.ARCHITECTURE,
        name="Bosco Verticale",
        lon=None,
        lat=None,
        licence=Licence.ODBL_1,
        attribution=OSM_ATTRIBUTION,
        neighbourhood_hint="Isola",
        extra={
            "theme": "architettura/verde",
            "coord_source": "NOT FOUND",
            "note": "needs geocoding",
        },
    )


def test_a_file_saved_on_windows_keeps_a_note_written_over_two_lines_as_written(
    tmp_path: Path,
) -> None:
    # CRLF line ends and a quoted note with its own line break: the csv module reads the
    # bytes as written only from a file opened with newline="" (its documented requirement).
    text = LANDMARK_HEADER + 'Isola,Stecca,verde,,,NOT FOUND,,ODbL-1.0,"first line\r\nsecond"\n'
    path = tmp_path / "windows.csv"
    path.write_bytes(text.replace("\n", "\r\n").replace("\r\r\n", "\r\n").encode())
    [row] = read_landmarks(path)
    assert row.extra["note"] == "first line\r\nsecond"


@pytest.mark.parametrize(
    ("theme", "category"),
    [("storia", Category.HERITAGE), ("verde urbano", Category.PARK), ("Cultura/musica", Category.THEATRE),
     ("enogastronomia", Category.FOOD), ("sconosciuto", Category.OTHER), ("", Category.OTHER)],
)  # fmt: skip
def test_the_theme_gives_the_category(tmp_path: Path, theme: str, category: str) -> None:
    [row] = landmarks(tmp_path, f"Isola,Posto,{theme},9.19,45.49,,,CC-BY-4.0,")
    assert row.category == category


def test_transport_landmarks_without_a_position_are_not_places(tmp_path: Path) -> None:
    rows = landmarks(
        tmp_path,
        "Isola,Bus 90,trasporti,,,,,CC-BY-4.0,",
        "Isola,M5 Isola,trasporti,9.19,45.49,,,CC-BY-4.0,",
    )
    assert [(r.name, r.category) for r in rows] == [("M5 Isola", Category.METRO)]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("Isola,Posto,storia,9.19,,,,CC-BY-4.0,", "row 0: only one of lon/lat is given"),
        ("Isola,Posto,storia,,45.49,,,CC-BY-4.0,", "row 0: only one of lon/lat is given"),
        ("Isola,Posto,storia,9.19,145.49,,,CC-BY-4.0,", r"row 0: \(9.19, 145.49\) is not a WGS84"),
        ("Isola, ,storia,9.19,45.49,,,CC-BY-4.0,", "row 0: 'name' is empty"),
        ("Isola", "row 0: 'name' is empty"),
    ],
)
def test_a_bad_landmark_row_is_refused(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(GeoDataError, match=message):
        landmarks(tmp_path, line)


def test_a_landmark_list_without_a_column_is_refused(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "quartiere,name,theme,lon,lat\nIsola,Posto,storia,9.1,45.4\n")
    with pytest.raises(GeoDataError, match="column 'license' is missing"):
        read_landmarks(path)


# --- Neighbourhoods ------------------------------------------------------------------------


def test_neighbourhood_rows_carry_code_name_slug_centroid_and_area(tmp_path: Path) -> None:
    path = write(
        tmp_path / "city.geojson",
        collection(feature({"ID": 7, "NAME": " Ovest "}, {"type": "Polygon", "coordinates": WEST})),
    )
    [row] = read_neighbourhoods(path, id_field="ID", name_field="NAME", city="Testa")
    assert (row.code, row.name, row.slug) == ("7", "Ovest", "testa-7-ovest")
    assert (row.centroid_lon, row.centroid_lat) == (9.105, 45.405)
    assert row.area_m2 == pytest.approx(780 * 1112, rel=0.02)
    assert row.area_m2 == round(row.area_m2, 1)


def test_an_empty_boundary_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "city.geojson", collection())
    with pytest.raises(GeoDataError, match="the FeatureCollection has no features"):
        read_neighbourhoods(path, id_field="ID", name_field="NAME", city="Testa")


def test_every_shipped_layer_carries_its_own_licence_and_attribution() -> None:
    # OSM extracts are ODbL with OSM's attribution; every other layer is the Comune's CC BY.
    for layer in importers.MILAN_LAYERS:
        osm = layer.filename.startswith("osm/")
        expected = (Licence.ODBL_1, OSM_ATTRIBUTION) if osm else (Licence.CC_BY_4, CC_BY_MILANO)
        assert (layer.licence, layer.attribution) == expected, layer.key


# --- Edges the mutation run found untested ----------------------------------------------------


def test_a_feature_without_its_id_is_refused(tmp_path: Path) -> None:
    path = geojson(tmp_path, feature({"id": 1, "name": "A"}, POINT), feature({"name": "B"}, POINT))
    with pytest.raises(GeoDataError, match="^feature 1: field 'id' is missing or empty$"):
        read_layer(spec(), path)


BOWTIE = {"type": "Polygon", "coordinates": [[[9.1, 45.4], [9.2, 45.5], [9.2, 45.4], [9.1, 45.5], [9.1, 45.4]]]}  # fmt: skip


def test_only_a_layer_that_asks_for_it_repairs_self_intersecting_rings(tmp_path: Path) -> None:
    path = geojson(tmp_path, feature({"id": "P", "name": "Parco"}, BOWTIE))
    with pytest.raises(GeoDataError, match=r"feature 0: invalid geometry \(Self-intersection"):
        read_layer(spec(), path)
    [row] = read_layer(spec(repair_invalid=True), path)
    assert 9.1 < row.lon < 9.2  # a point inside the repaired shape
    assert 45.4 < row.lat < 45.5


def test_unnamed_features_are_skipped_wherever_they_are(tmp_path: Path) -> None:
    path = geojson(
        tmp_path,
        feature({"id": 1, "name": ""}, POINT),
        feature({"id": 2, "name": "Dopo"}, POINT),
    )
    assert [row.name for row in read_layer(spec(skip_unnamed=True), path)] == ["Dopo"]


def test_missing_optional_fields_stay_empty(tmp_path: Path) -> None:
    # No address in the data, no address field in the spec, a column without a name: all empty.
    path = geojson(tmp_path, feature({"id": 1, "name": "A", "": "not an address"}, POINT))
    assert read_layer(spec(address_field="via"), path)[0].address == ""
    [row] = read_layer(spec(), path)
    assert (row.address, row.wheelchair, row.description, row.extra) == ("", "", "", {})
    csv_path = csv_file(tmp_path, "cascina;via;LONG_X_4326;LAT_Y_4326;\nC;;9.1;45.4;stray\n")
    assert read_layer(CASCINE, csv_path)[0].address == ""
    no_address = csv_file(tmp_path, "id,name,lon,lat,\nA1,Teatro,9.2,45.5,stray\n", "t.csv")
    rows = read_poi_file(no_address, category=Category.THEATRE, licence=Licence.CC_BY_4,
                         attribution="", id_field="id", name_field="name", source="t")  # fmt: skip
    assert rows[0].address == ""


def test_extra_keeps_the_line_wikidata_and_website(tmp_path: Path) -> None:
    props = {"id": 1, "name": "A", "linee": "M5", "wikidata": "Q123", "website": "https://x.it"}
    path = geojson(tmp_path, feature(props, POINT))
    assert read_layer(spec(), path)[0].extra == {
        "linee": "M5",
        "wikidata": "Q123",
        "website": "https://x.it",
    }


def test_on_a_tie_the_first_of_the_largest_polygons_gives_the_place(tmp_path: Path) -> None:
    path = geojson(
        tmp_path,
        feature({"id": "P", "name": "Primo"}, {"type": "Polygon", "coordinates": WEST}),
        feature({"id": "P", "name": "Secondo"}, {"type": "Polygon", "coordinates": EAST}),
    )
    assert [row.name for row in read_layer(spec(group_polygons=True), path)] == ["Primo"]


def test_a_latitude_that_is_not_a_number_is_named(tmp_path: Path) -> None:
    path = csv_file(tmp_path, CASCINE_HEADER + "C;v;9.1;nord\n")
    with pytest.raises(GeoDataError, match="^row 0: LAT_Y_4326='nord' is not a number$"):
        read_layer(CASCINE, path)
    path = csv_file(tmp_path, CASCINE_HEADER + "C;v;1514816;5034647\n")
    with pytest.raises(GeoDataError) as refused:
        read_layer(CASCINE, path)
    assert str(refused.value) == (
        "row 0: (1514816.0, 5034647.0) is not a WGS84 longitude/latitude; "
        "the file is probably in a projected CRS"
    )


def test_a_landmark_keeps_where_its_coordinate_came_from(tmp_path: Path) -> None:
    [row] = landmarks(tmp_path, 'Isola,Stecca,artigianato,9.19,45.49,OSM,"way/1",ODbL-1.0,')
    assert row.extra == {"theme": "artigianato", "coord_source": "OSM", "source_record": "way/1"}


TRIANGLE = {"type": "Polygon", "coordinates": [[[9.1, 45.4], [9.2, 45.4], [9.1, 45.5], [9.1, 45.4]]]}  # fmt: skip


def test_neighbourhood_centroid_is_rounded_to_7_decimals_and_area_to_decimetres(
    tmp_path: Path,
) -> None:
    name = "Quartiere " + "lungo " * 30
    path = write(tmp_path / "city.geojson", collection(feature({"ID": 9, "NAME": name}, TRIANGLE)))
    [row] = read_neighbourhoods(path, id_field="ID", name_field="NAME", city="Testa")
    assert (row.centroid_lon, row.centroid_lat) == (9.1333333, 45.4333333)  # the vertices' mean
    assert row.area_m2 == round(geo.area_m2(TRIANGLE), 1)
    assert row.area_m2 != round(row.area_m2)  # decimetres kept
    assert len(row.slug) == 120
    assert row.slug.startswith("testa-9-quartiere-lungo-lungo")
