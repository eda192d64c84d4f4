"""A walking graph read from a local OSM XML file (osmnx), stored as plain JSON.

``graph_from_osm_xml`` keeps the ways a person on foot may use; ``WalkingNetwork`` answers
shortest walking paths between two lon/lat points with networkx (Dijkstra on edge length),
snapping each point to the nearest graph node. Whether a leg is step-free is read from the
edges: any ``highway=steps`` on the path makes it not step-free.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from quartieri.places.geo import haversine_m

# Ways a pedestrian may not use (OSM highway values) and foot access values that forbid them.
_NOT_WALKABLE = {"motorway", "motorway_link", "trunk", "trunk_link", "construction", "proposed"}
_FOOT_FORBIDDEN = {"no", "private"}


class WalkingGraphError(ValueError):
    pass


@dataclass(frozen=True)
class GraphData:
    nodes: dict[str, list[float]]  # node id -> [lon, lat]
    edges: list[list[Any]]  # [u, v, length_m, is_steps]

    def as_json(self) -> dict[str, Any]:
        return {"nodes": self.nodes, "edges": self.edges}


def _first(value: Any) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value or "")


def graph_from_osm_xml(path: Path) -> GraphData:
    """Read an OSM XML file into walkable nodes and edges (lengths in metres)."""
    import osmnx as ox

    if not path.is_file():
        raise WalkingGraphError(f"{path}: no such file")
    ox.settings.useful_tags_way = [*ox.settings.useful_tags_way, "foot", "access"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph = ox.graph_from_xml(path, bidirectional=True, simplify=False, retain_all=True)
    except Exception as exc:  # noqa: BLE001 - osmnx raises many types for unreadable files
        raise WalkingGraphError(f"{path}: cannot read a walking network ({exc})") from None
    nodes: dict[str, list[float]] = {}
    edges: list[list[Any]] = []
    for u, v, data in graph.edges(data=True):
        highway = _first(data.get("highway"))
        if highway in _NOT_WALKABLE or _first(data.get("foot")) in _FOOT_FORBIDDEN:
            continue
        if _first(data.get("access")) in _FOOT_FORBIDDEN and _first(data.get("foot")) != "yes":
            continue
        for node in (u, v):
            nd = graph.nodes[node]
            nodes[str(node)] = [round(float(nd["x"]), 7), round(float(nd["y"]), 7)]
        a, b = nodes[str(u)], nodes[str(v)]
        length = float(data.get("length") or haversine_m(a[0], a[1], b[0], b[1]))
        edges.append([str(u), str(v), round(length, 2), highway == "steps"])
    if not edges:
        raise WalkingGraphError(f"{path}: no walkable ways (highway=*) in the file")
    return GraphData(nodes, edges)


class WalkingNetwork:
    """Shortest walking paths on a stored graph."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.graph: nx.Graph = nx.Graph()
        self.coords: dict[str, tuple[float, float]] = {
            k: (float(v[0]), float(v[1])) for k, v in data["nodes"].items()
        }
        for u, v, length, steps in data["edges"]:
            existing = self.graph.get_edge_data(u, v)
            if existing is None or existing["length"] > length:
                self.graph.add_edge(u, v, length=float(length), steps=bool(steps))
        self._ids = list(self.coords)
        arr = np.array([self.coords[k] for k in self._ids], dtype=float)
        self._lon = np.radians(arr[:, 0]) if len(arr) else np.zeros(0)
        self._lat = np.radians(arr[:, 1]) if len(arr) else np.zeros(0)

    def nearest(self, lon: float, lat: float) -> tuple[str, float]:
        lon_r, lat_r = np.radians(lon), np.radians(lat)
        a = (
            np.sin((self._lat - lat_r) / 2) ** 2
            + np.cos(lat_r) * np.cos(self._lat) * np.sin((self._lon - lon_r) / 2) ** 2
        )
        i = int(np.argmin(a))
        node = self._ids[i]
        c = self.coords[node]
        return node, haversine_m(lon, lat, c[0], c[1])

    def leg(
        self, a: tuple[float, float], b: tuple[float, float]
    ) -> tuple[float, bool | None, list[tuple[float, float]]]:
        """Walking distance (snap distances included), step-free flag and the path."""
        na, da = self.nearest(*a)
        nb, db = self.nearest(*b)
        try:
            nodes = nx.shortest_path(self.graph, na, nb, weight="length")
        except nx.NetworkXNoPath:
            raise WalkingGraphError(
                f"no walking path between {a} and {b} on the loaded graph"
            ) from None
        length = 0.0
        steps = False
        for u, v in zip(nodes, nodes[1:], strict=False):
            edge = self.graph.edges[u, v]
            length += float(edge["length"])
            steps = steps or bool(edge["steps"])
        path = [a, *(self.coords[n] for n in nodes), b]
        return da + length + db, not steps, path
