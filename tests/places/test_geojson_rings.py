"""GeoJSON polygons are read as RFC 7946 defines them (§3.1.6: linear rings are closed, have
four or more positions, outer rings counterclockwise and holes clockwise, though parsers must
accept either winding), and positions as §3.1.1 does (longitude, latitude in WGS84).

A refusal names the feature's number and the reason, and nothing is written: the whole
file is checked before the first row is stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from quartieri.places import geo, importers, services
from quartieri.places.models import Category, Licence, Neighbourhood, PointOfInterest

from .conftest import EAST, WEST, collection, feature, write

# WEST with a hole in its middle; the outer ring counterclockwise, the hole clockwise.
HOLE = [[9.103, 45.403], [9.103, 45.407], [9.107, 45.407], [9.107, 45.403], [9.103, 45.403]]
WEST_WITH_HOLE = [WEST[0], HOLE]


def polygon(coordinates: Any) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": coordinates}


def city_with(geometry: dict[str, Any]) -> dict[str, Any]:
    """Two good neighbourhoods, then the one under test (feature 2)."""
    return collection(
        feature({"ID": 1, "NAME": "Ovest"}, polygon(WEST)),
        feature({"ID": 2, "NAME": "Est"}, polygon(EAST)),
        feature({"ID": 3, "NAME": "Prova"}, geometry),
    )


OPEN_SQUARE = [[[9.12, 45.40], [9.13, 45.40], [9.13, 45.41], [9.12, 45.41]]]

REFUSED = [
    pytest.param(
        polygon(OPEN_SQUARE),
        "feature 2: the outer ring is not closed: it starts at [9.12, 45.4] and ends at "
        "[9.12, 45.41]; the first and last positions must be identical (RFC 7946 §3.1.6)",
        id="open_outer_ring",
    ),
    pytest.param(
        polygon([[[9.12, 45.40], [9.13, 45.40], [9.12, 45.40]]]),
        "feature 2: the outer ring has 3 positions; a ring needs at least four",
        id="ring_of_three_positions",
    ),
    pytest.param(
        polygon([WEST[0], HOLE[:-1]]),
        "feature 2: hole 1 is not closed",
        id="open_hole",
    ),
    pytest.param(
        {"type": "MultiPolygon", "coordinates": [EAST, OPEN_SQUARE]},
        "feature 2: polygon 1, the outer ring is not closed",
        id="open_ring_in_a_multipolygon",
    ),
    pytest.param(
        polygon([[[9.12, 45.40], [9.13, 45.40], [9.13, 45.41], [9.12, 45.40]], [[9.0, 45.0]]]),
        "feature 2: hole 1 has 1 positions; a ring needs at least four",
        id="hole_of_one_position",
    ),
    pytest.param(
        polygon([EAST[0], [[9.2, 45.5], [9.2, 45.6], [9.3, 45.6], [9.3, 45.5], [9.2, 45.5]]]),
        "feature 2: invalid geometry (Hole lies outside shell",
        id="hole_outside_the_shell",
    ),
    pytest.param(
        polygon([[[9.12, 45.40], [9.13, 91.0], [9.13, 45.41], [9.12, 45.40]]]),
        "feature 2: coordinate (9.13, 91.0) is not WGS84 lon/lat",
        id="latitude_beyond_the_pole",
    ),
    pytest.param(
        polygon([[[-181.0, 45.40], [9.13, 45.40], [9.13, 45.41], [-181.0, 45.40]]]),
        "feature 2: coordinate (-181.0, 45.4) is not WGS84 lon/lat",
        id="longitude_beyond_the_antimeridian",
    ),
    pytest.param(
        polygon([[[9.12], [9.13, 45.40], [9.13, 45.41], [9.12]]]),
        "feature 2: position [9.12] is not a pair of numbers (longitude, latitude)",
        id="position_without_latitude",
    ),
    pytest.param(
        polygon([[[9.12, "45.40"], [9.13, 45.40], [9.13, 45.41], [9.12, "45.40"]]]),
        "feature 2: position [9.12, '45.40'] is not a pair of numbers",
        id="position_with_text",
    ),
    pytest.param(
        polygon([[9.12, 45.40], [9.13, 45.40], [9.13, 45.41], [9.12, 45.40]]),
        "feature 2: the outer ring is not a list of positions",
        id="ring_missing_a_level",
    ),
    pytest.param(
        {"type": "Polygon"},
        "feature 2: the polygon's coordinates are missing",
        id="no_coordinates",
    ),
]


@pytest.mark.parametrize(("geometry", "message"), REFUSED)
def test_a_bad_polygon_is_refused_naming_the_feature_and_nothing_is_written(
    db: None, tmp_path: Path, geometry: dict[str, Any], message: str
) -> None:
    path = write(tmp_path / "city.geojson", city_with(geometry))
    with pytest.raises(CommandError) as info:
        call_command("places", "import-neighbourhoods", str(path),
                     "--id-field", "ID", "--name-field", "NAME")  # fmt: skip
    assert info.value.returncode == 2
    assert message in str(info.value)
    assert "nothing was written" in str(info.value)
    assert not Neighbourhood.objects.exists()


def test_a_bad_polygon_in_a_poi_layer_is_refused_too(db: None, tmp_path: Path) -> None:
    path = write(
        tmp_path / "parks.geojson",
        collection(
            feature({"id": "a", "name": "Parco buono"}, polygon(WEST)),
            feature({"id": "b", "name": "Parco aperto"}, polygon(OPEN_SQUARE)),
        ),
    )
    with pytest.raises(CommandError, match="feature 1: the outer ring is not closed"):
        call_command("places", "import-pois", str(path), "--category", "park", "--id-field",
                     "id", "--name-field", "name", "--source", "t", "--licence", "CC-BY-4.0")  # fmt: skip
    assert not PointOfInterest.objects.exists()


def reversed_rings(rings: list[Any]) -> list[Any]:
    return [ring[::-1] for ring in rings]


@pytest.mark.parametrize(
    "coordinates",
    [
        pytest.param(WEST_WITH_HOLE, id="right_hand_rule"),
        pytest.param(reversed_rings(WEST_WITH_HOLE), id="left_hand_rule"),
        pytest.param([WEST[0], HOLE[::-1]], id="both_rings_counterclockwise"),
    ],
)
def test_either_winding_is_accepted_and_stored_by_the_right_hand_rule(
    db: None, tmp_path: Path, coordinates: list[Any]
) -> None:
    path = write(tmp_path / "city.geojson", collection(feature({"ID": 1, "NAME": "Ovest"}, polygon(coordinates))))  # fmt: skip
    services.neighbourhood_import(path=path, id_field="ID", name_field="NAME", city="Testa")
    stored = Neighbourhood.objects.get()
    assert stored.geometry == polygon(WEST_WITH_HOLE)
    # 0.01° x 0.01° less the 0.004° x 0.004° hole, whatever the winding given.
    assert stored.area_m2 == pytest.approx(780 * 1112 * (1 - 0.16), rel=0.02)


def test_a_multipolygon_is_normalised_ring_by_ring() -> None:
    given = {"type": "MultiPolygon", "coordinates": [reversed_rings(WEST_WITH_HOLE), EAST]}
    assert geo.with_rfc7946_winding(given) == {
        "type": "MultiPolygon",
        "coordinates": [WEST_WITH_HOLE, EAST],
    }


def test_a_bad_layer_among_the_milan_layers_writes_none_of_them(
    db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first layer is good, the second has an open ring: before, the first was written.
    write(tmp_path / "good.geojson", collection(feature({"id": "a", "name": "Fontana"}, {"type": "Point", "coordinates": [9.105, 45.405]})))  # fmt: skip
    write(tmp_path / "bad.geojson", collection(feature({"id": "b", "name": "Parco"}, polygon(OPEN_SQUARE))))  # fmt: skip
    layers = tuple(
        importers.LayerSpec(key=name, filename=f"{name}.geojson", category=Category.PARK,
                            licence=Licence.CC_BY_4, attribution="test", id_field="id",
                            name_field="name")
        for name in ("good", "bad")
    )  # fmt: skip
    monkeypatch.setattr(importers, "MILAN_LAYERS", layers)
    with pytest.raises(CommandError) as info:
        call_command("places", "import-milan-layers", "--data-dir", str(tmp_path))
    assert "bad.geojson: feature 0: the outer ring is not closed" in str(info.value)
    assert "nothing was written" in str(info.value)
    assert not PointOfInterest.objects.exists()
