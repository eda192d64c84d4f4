"""Reads for places: lists for the map, and the computed plan of a tour (legs and totals)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from quartieri.places import geo, routing, walkgraph
from quartieri.places.models import (
    TRANSPORT_CATEGORIES,
    Neighbourhood,
    Playlist,
    PointOfInterest,
    Tour,
    TourStop,
    WalkingGraph,
)

METHOD_GRAPH = "graph"
METHOD_ESTIMATE = "great-circle"


def neighbourhood_list(*, city: str = "") -> QuerySet[Neighbourhood]:
    qs = Neighbourhood.objects.annotate(
        poi_count=Count("pois", distinct=True),
        tour_count=Count("tours", distinct=True),
        playlist_count=Count("playlists", distinct=True),
    )
    return qs.filter(city=city) if city else qs


def poi_list(
    *, category: str = "", neighbourhood: Neighbourhood | None = None, needs_location: bool = False
) -> QuerySet[PointOfInterest]:
    qs = PointOfInterest.objects.select_related("neighbourhood")
    if category:
        qs = qs.filter(category=category)
    if neighbourhood is not None:
        qs = qs.filter(neighbourhood=neighbourhood)
    if needs_location:
        qs = qs.filter(lat__isnull=True)
    return qs


def transport_near(
    *, lon: float, lat: float, limit: int = 8, radius_m: float = 1500
) -> list[tuple[PointOfInterest, float]]:
    """Public transport stops nearest to a point (metro first when equally close)."""
    delta = radius_m / 75_000  # degrees, generous at Milan's latitude; exact test below
    qs = PointOfInterest.objects.filter(
        category__in=TRANSPORT_CATEGORIES,
        lat__range=(lat - delta, lat + delta),
        lon__range=(lon - delta * 1.5, lon + delta * 1.5),
    )
    found = []
    for poi in qs:
        if poi.lon is None or poi.lat is None:
            continue
        d = geo.haversine_m(lon, lat, poi.lon, poi.lat)
        if d <= radius_m:
            found.append((poi, d))
    found.sort(key=lambda item: (item[1], item[0].category != "metro"))
    return found[:limit]


def active_walking_graph() -> WalkingGraph | None:
    return WalkingGraph.objects.only("pk", "imported_at", "name").first()


@functools.lru_cache(maxsize=2)
def _network(pk: int, stamp: str) -> walkgraph.WalkingNetwork:
    graph = WalkingGraph.objects.get(pk=pk)
    return walkgraph.WalkingNetwork({"nodes": graph.nodes, "edges": graph.edges})


def walking_network() -> tuple[walkgraph.WalkingNetwork | None, str]:
    graph = active_walking_graph()
    if graph is None:
        return None, ""
    return _network(graph.pk, graph.imported_at.isoformat()), graph.name


@dataclass(frozen=True)
class PlanPoint:
    kind: str  # start | stop | end
    poi: PointOfInterest
    stop: TourStop | None
    minutes: int
    outside: bool  # a stop outside the tour's neighbourhood (allowed, flagged)


@dataclass
class TourPlan:
    points: list[PlanPoint]
    legs: list[routing.Leg]
    method: str
    graph_name: str = ""
    detour_factor: float = routing.DETOUR_FACTOR
    speed_kmh: float = routing.WALKING_SPEED_M_PER_MIN * 60 / 1000
    warnings: list[str] = field(default_factory=list)

    @property
    def distance_m(self) -> float:
        return sum(leg.distance_m for leg in self.legs)

    @property
    def walking_minutes(self) -> float:
        return sum(leg.minutes for leg in self.legs)

    @property
    def stop_minutes(self) -> int:
        return sum(p.minutes for p in self.points)

    @property
    def total_minutes(self) -> float:
        return self.walking_minutes + self.stop_minutes

    @property
    def step_free(self) -> bool | None:
        """True only when every leg is known step-free and every stop is wheelchair=yes."""
        stops = [p.poi.wheelchair for p in self.points if p.kind == "stop"]
        legs = [leg.step_free for leg in self.legs]
        if any(value is False for value in legs) or "no" in stops:
            return False
        if legs and all(value is True for value in legs) and all(w == "yes" for w in stops):
            return True
        return None

    @property
    def path(self) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for leg in self.legs:
            out.extend(leg.path if not out else leg.path[1:])
        return out

    def rows(self) -> list[dict[str, Any]]:
        """One row per point with the leg that leads to it and the running clock."""
        clock = 0.0
        rows = []
        number = 0
        for i, point in enumerate(self.points):
            leg = self.legs[i - 1] if i > 0 else None
            if leg is not None:
                clock += leg.minutes
            number += point.kind == "stop"
            rows.append({"point": point, "leg": leg, "arrive": round(clock), "number": number})
            clock += point.minutes
        return rows


def tour_stops(*, tour: Tour) -> list[TourStop]:
    return list(tour.stops.select_related("poi", "poi__neighbourhood").order_by("position", "pk"))


Network = tuple[walkgraph.WalkingNetwork | None, str]


def tour_plan(
    *,
    tour: Tour,
    use_graph: bool = True,
    stops: list[TourStop] | None = None,
    walking: Network | None = None,
    boundary: BaseGeometry | None = None,
) -> TourPlan:
    """Legs between consecutive points with the walking graph when one is loaded, otherwise
    great-circle distance times the detour factor; the plan says which one was used.

    A caller that plans many tours (the mini-site builder) passes the stops it read in one
    query, the walking network it read once and the neighbourhood's shape it made once, so
    that planning itself reads and parses nothing."""
    boundary = shape(tour.neighbourhood.geometry) if boundary is None else boundary
    points: list[PlanPoint] = []
    warnings: list[str] = []
    if tour.start is not None and not tour.start.needs_location:
        points.append(PlanPoint("start", tour.start, None, 0, False))
    for stop in tour_stops(tour=tour) if stops is None else stops:
        poi = stop.poi
        if poi.lon is None or poi.lat is None:
            warnings.append(
                _("%(name)s: no location, left out of the route") % {"name": poi.name_it}
            )
            continue
        outside = not boundary.covers(Point(poi.lon, poi.lat))
        points.append(PlanPoint("stop", poi, stop, stop.minutes, outside))
    if tour.end is not None and not tour.end.needs_location:
        points.append(PlanPoint("end", tour.end, None, 0, False))
    coords = [(float(p.poi.lon or 0), float(p.poi.lat or 0)) for p in points]
    if not use_graph:
        network, graph_name = None, ""
    else:
        network, graph_name = walking_network() if walking is None else walking
    if network is not None:
        try:
            legs = routing.compute_legs(coords, network.leg)
            return TourPlan(points, legs, METHOD_GRAPH, graph_name, warnings=warnings)
        except walkgraph.WalkingGraphError as exc:
            warnings.append(_("%(error)s; estimated instead") % {"error": exc})
    legs = routing.compute_legs(coords, routing.great_circle_leg)
    return TourPlan(points, legs, METHOD_ESTIMATE, warnings=warnings)


def tour_order_proposal(*, tour: Tour) -> tuple[list[TourStop], float, float, routing.Ordering]:
    """The shortest walking order of the stops between the fixed start and end.

    Returns (stops in the proposed order, current length m, proposed length m, ordering)."""
    stops = [s for s in tour_stops(tour=tour) if not s.poi.needs_location]
    coords: list[tuple[float, float]] = []
    start_i = end_i = None
    if tour.start is not None and not tour.start.needs_location:
        start_i = 0
        coords.append((float(tour.start.lon or 0), float(tour.start.lat or 0)))
    first_stop = len(coords)
    coords += [(float(s.poi.lon or 0), float(s.poi.lat or 0)) for s in stops]
    if tour.end is not None and not tour.end.needs_location:
        end_i = len(coords)
        coords.append((float(tour.end.lon or 0), float(tour.end.lat or 0)))
    network, _ = walking_network()
    if network is not None:
        n = len(coords)
        dist = [[0.0] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                dist[i][j] = dist[j][i] = network.leg(coords[i], coords[j])[0]
    else:
        dist = routing.great_circle_matrix(coords, factor=routing.DETOUR_FACTOR)
    ordering = routing.optimise_order(dist, start=start_i, end=end_i)
    current = routing.path_length(list(range(len(coords))), dist)
    proposed = [stops[i - first_stop] for i in ordering.order if i not in (start_i, end_i)]
    return proposed, current, ordering.length_m, ordering


def tour_list(*, neighbourhood: Neighbourhood | None = None) -> QuerySet[Tour]:
    qs = Tour.objects.select_related("neighbourhood").annotate(stop_count=Count("stops"))
    return qs.filter(neighbourhood=neighbourhood) if neighbourhood else qs


def playlist_list(*, neighbourhood: Neighbourhood | None = None) -> QuerySet[Playlist]:
    qs = Playlist.objects.select_related("neighbourhood").annotate(track_count=Count("tracks"))
    return qs.filter(neighbourhood=neighbourhood) if neighbourhood else qs


def attributions() -> list[str]:
    """Every attribution string the stored places require, for the map's credits."""
    rows = PointOfInterest.objects.order_by().values_list("attribution", flat=True).distinct()
    return sorted({row for row in rows if row})
