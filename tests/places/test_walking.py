"""Walking distances with a graph imported from a small OSM XML file, and without one."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from quartieri.places import geo, routing, selectors, services
from quartieri.places.models import Neighbourhood, Tour, WalkingGraph

from .conftest import make_poi

# A ladder of streets in the test city: two parallel east-west streets joined by a footway
# at the west end and by steps at the east end, plus a motorway that walkers may not use.
NODES = {
    1: (9.100, 45.402), 2: (9.105, 45.402), 3: (9.110, 45.402),
    4: (9.100, 45.408), 5: (9.105, 45.408), 6: (9.110, 45.408),
    7: (9.100, 45.405), 8: (9.110, 45.405), 9: (9.115, 45.402), 10: (9.115, 45.408),
}  # fmt: skip
WAYS = [
    (100, [1, 2, 3], {"highway": "residential", "name": "Via Sud"}),
    (101, [4, 5, 6], {"highway": "residential", "name": "Via Nord"}),
    (102, [1, 7, 4], {"highway": "footway"}),
    (103, [3, 8, 6], {"highway": "steps"}),
    (104, [9, 10], {"highway": "motorway"}),
]


def write_osm(path: Path) -> Path:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for nid, (lon, lat) in NODES.items():
        lines.append(f'  <node id="{nid}" version="1" lat="{lat}" lon="{lon}"/>')
    for wid, refs, tags in WAYS:
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def graph(db: None, tmp_path: Path) -> WalkingGraph:
    call_command("places", "import-walking-graph", str(write_osm(tmp_path / "small.osm")))
    return WalkingGraph.objects.get()


def test_import_walking_graph_keeps_walkable_ways(graph: WalkingGraph) -> None:
    assert graph.node_count == 8  # the motorway's two nodes are left out
    highways_with_steps = [e for e in graph.edges if e[3]]
    assert highways_with_steps  # the steps are known
    for u, v, length, _steps in graph.edges:
        a, b = graph.nodes[u], graph.nodes[v]
        assert length == pytest.approx(geo.haversine_m(a[0], a[1], b[0], b[1]), rel=0.01)


def test_bad_osm_file_writes_nothing(db: None, tmp_path: Path) -> None:
    bad = tmp_path / "bad.osm"
    bad.write_text("<osm><node id='1' lat='x' lon='y'/></osm>")
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("places", "import-walking-graph", str(bad))
    assert not WalkingGraph.objects.exists()


def _tour(city: dict[str, Neighbourhood], a: tuple[float, float], b: tuple[float, float]) -> Tour:
    tour = services.tour_create(actor=None, neighbourhood=city["1"], title_it="T", theme="history")
    services.tour_stop_add(actor=None, tour=tour, poi=make_poi("A", *a, wheelchair="yes"))
    services.tour_stop_add(actor=None, tour=tour, poi=make_poi("B", *b, wheelchair="yes"))
    return tour


def test_walking_time_on_the_graph_goes_round_and_flags_steps(
    city: dict[str, Neighbourhood], graph: WalkingGraph
) -> None:
    # From the south street's east end to the north street's east end: the steps (667 m)
    # are the shortest way, so the leg is not step-free.
    tour = _tour(city, NODES[3], NODES[6])
    plan = selectors.tour_plan(tour=tour)
    assert plan.method == selectors.METHOD_GRAPH
    straight = geo.haversine_m(*NODES[3], *NODES[6])
    assert plan.distance_m == pytest.approx(straight, rel=0.01)
    assert plan.legs[0].step_free is False
    assert plan.step_free is False
    assert plan.walking_minutes == pytest.approx(plan.distance_m / routing.WALKING_SPEED_M_PER_MIN)
    assert plan.total_minutes == pytest.approx(plan.walking_minutes + 20)


def test_step_free_path_on_the_graph(city: dict[str, Neighbourhood], graph: WalkingGraph) -> None:
    # West ends: the footway joins them without steps.
    tour = _tour(city, NODES[1], NODES[4])
    plan = selectors.tour_plan(tour=tour)
    assert plan.legs[0].step_free is True
    assert plan.step_free is True  # every stop is wheelchair=yes as well


def test_graph_detour_is_longer_than_the_straight_line(
    city: dict[str, Neighbourhood], graph: WalkingGraph
) -> None:
    tour = _tour(city, NODES[2], NODES[5])  # middle of each street: no direct link
    plan = selectors.tour_plan(tour=tour)
    straight = geo.haversine_m(*NODES[2], *NODES[5])
    via_west = (
        geo.haversine_m(*NODES[2], *NODES[1]) + geo.haversine_m(*NODES[1], *NODES[4])
        + geo.haversine_m(*NODES[4], *NODES[5])
    )  # fmt: skip
    assert plan.distance_m == pytest.approx(via_west, rel=0.01)
    assert plan.distance_m > straight * 1.5
    assert len(plan.path) >= 4  # the exported path follows the streets


def test_without_graph_great_circle_times_detour_factor(city: dict[str, Neighbourhood]) -> None:
    tour = _tour(city, NODES[2], NODES[5])
    plan = selectors.tour_plan(tour=tour)
    assert plan.method == selectors.METHOD_ESTIMATE
    straight = geo.haversine_m(*NODES[2], *NODES[5])
    assert plan.distance_m == pytest.approx(straight * routing.DETOUR_FACTOR)
    assert plan.step_free is None  # not known without a graph


def test_tour_plan_totals_and_clock(tour: Tour) -> None:
    plan = selectors.tour_plan(tour=tour)
    kinds = [p.kind for p in plan.points]
    assert kinds == ["start", "stop", "stop", "stop", "end"]
    assert len(plan.legs) == 4
    rows = plan.rows()
    assert rows[0]["arrive"] == 0
    expected = plan.legs[0].minutes + 10 + plan.legs[1].minutes
    assert rows[2]["arrive"] == round(expected)
    assert plan.total_minutes == pytest.approx(plan.walking_minutes + 30)


def test_stop_outside_neighbourhood_is_allowed_but_flagged(tour: Tour) -> None:
    outside = make_poi("Oltre confine", 9.115, 45.405)  # in the eastern neighbourhood
    services.tour_stop_add(actor=None, tour=tour, poi=outside)
    plan = selectors.tour_plan(tour=tour)
    flags = {p.poi.name_it: p.outside for p in plan.points if p.kind == "stop"}
    assert flags == {"Torre": False, "Chiesa": False, "Mulino": False, "Oltre confine": True}


def test_order_proposal_and_apply(tour: Tour, editor: object) -> None:
    stops, current, proposed, ordering = selectors.tour_order_proposal(tour=tour)
    assert ordering.exact
    assert [s.poi.name_it for s in stops] == ["Chiesa", "Mulino", "Torre"]
    assert proposed < current
    services.tour_reorder(actor=editor, tour=tour, stop_ids=[s.pk for s in stops])  # type: ignore[arg-type]
    assert [s.poi.name_it for s in selectors.tour_stops(tour=tour)] == ["Chiesa", "Mulino", "Torre"]
