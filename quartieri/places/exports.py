"""Tour and playlist exports as plain text: GPX 1.1, GeoJSON, M3U8, XSPF, JSPF."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

import gpxpy
import gpxpy.gpx


@dataclass(frozen=True)
class ExportPoint:
    name: str
    lon: float
    lat: float
    description: str = ""
    kind: str = "stop"  # start | stop | end


@dataclass(frozen=True)
class ExportTour:
    title: str
    description: str
    points: Sequence[ExportPoint]
    path: Sequence[tuple[float, float]]
    distance_m: float
    minutes: float
    distance_method: str
    attribution: str
    link: str = ""


@dataclass(frozen=True)
class ExportTrack:
    title: str
    artist: str
    duration_seconds: int | None = None
    links: Sequence[str] = field(default_factory=tuple)
    annotation: str = ""


@dataclass(frozen=True)
class ExportPlaylist:
    title: str
    description: str
    curator: str
    tracks: Sequence[ExportTrack]
    link: str = ""


def tour_gpx(tour: ExportTour) -> str:
    """GPX 1.1: one waypoint per start/stop/end and one route through them, one track on the path."""
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "quartieri"
    gpx.name = tour.title
    gpx.description = tour.description
    gpx.copyright_author = tour.attribution
    if tour.link:
        gpx.link = tour.link
    route = gpxpy.gpx.GPXRoute(name=tour.title)
    for point in tour.points:
        gpx.waypoints.append(
            gpxpy.gpx.GPXWaypoint(
                latitude=point.lat,
                longitude=point.lon,
                name=point.name,
                description=point.description or None,
                type=point.kind,
            )
        )
        route.points.append(
            gpxpy.gpx.GPXRoutePoint(latitude=point.lat, longitude=point.lon, name=point.name)
        )
    gpx.routes.append(route)
    track = gpxpy.gpx.GPXTrack(name=tour.title)
    segment = gpxpy.gpx.GPXTrackSegment()
    for lon, lat in tour.path:
        segment.points.append(gpxpy.gpx.GPXTrackPoint(latitude=lat, longitude=lon))
    track.segments.append(segment)
    gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")


def tour_geojson(tour: ExportTour) -> dict[str, Any]:
    """An RFC 7946 FeatureCollection: the points and the walking path as a LineString."""
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
            "properties": {
                "name": p.name,
                "kind": p.kind,
                "position": i,
                "description": p.description,
            },
        }
        for i, p in enumerate(tour.points)
    ]
    if len(tour.path) >= 2:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [list(c) for c in tour.path]},
                "properties": {
                    "name": tour.title,
                    "distance_m": round(tour.distance_m),
                    "walking_minutes": round(tour.minutes),
                    "distance_method": tour.distance_method,
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "name": tour.title,
        "attribution": tour.attribution,
        "features": features,
    }


def tour_geojson_text(tour: ExportTour) -> str:
    return json.dumps(tour_geojson(tour), ensure_ascii=False, indent=1)


def _track_title(track: ExportTrack) -> str:
    return f"{track.artist} - {track.title}" if track.title else track.artist


def playlist_m3u8(playlist: ExportPlaylist) -> str:
    """Extended M3U in UTF-8; entries without any link are comments (nothing to play)."""
    lines = ["#EXTM3U", f"#PLAYLIST:{playlist.title}"]
    for track in playlist.tracks:
        duration = track.duration_seconds if track.duration_seconds is not None else -1
        if track.links:
            lines.append(f"#EXTINF:{duration},{_track_title(track)}")
            lines.append(track.links[0])
        else:
            note = f" ({track.annotation})" if track.annotation else ""
            lines.append(f"# {_track_title(track)}{note}")
    return "\n".join(lines) + "\n"


XSPF_NS = "http://xspf.org/ns/0/"


def playlist_xspf(playlist: ExportPlaylist) -> str:
    ET.register_namespace("", XSPF_NS)
    root = ET.Element(f"{{{XSPF_NS}}}playlist", version="1")
    ET.SubElement(root, f"{{{XSPF_NS}}}title").text = playlist.title
    if playlist.curator:
        ET.SubElement(root, f"{{{XSPF_NS}}}creator").text = playlist.curator
    if playlist.description:
        ET.SubElement(root, f"{{{XSPF_NS}}}annotation").text = playlist.description
    if playlist.link:
        ET.SubElement(root, f"{{{XSPF_NS}}}info").text = playlist.link
    track_list = ET.SubElement(root, f"{{{XSPF_NS}}}trackList")
    for track in playlist.tracks:
        el = ET.SubElement(track_list, f"{{{XSPF_NS}}}track")
        for link in track.links:
            ET.SubElement(el, f"{{{XSPF_NS}}}location").text = link
        if track.title:
            ET.SubElement(el, f"{{{XSPF_NS}}}title").text = track.title
        ET.SubElement(el, f"{{{XSPF_NS}}}creator").text = track.artist
        if track.annotation:
            ET.SubElement(el, f"{{{XSPF_NS}}}annotation").text = track.annotation
        if track.duration_seconds is not None:
            ET.SubElement(el, f"{{{XSPF_NS}}}duration").text = str(track.duration_seconds * 1000)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def playlist_jspf(playlist: ExportPlaylist) -> str:
    tracks: list[dict[str, Any]] = []
    for track in playlist.tracks:
        item: dict[str, Any] = {"creator": track.artist}
        if track.title:
            item["title"] = track.title
        if track.links:
            item["location"] = list(track.links)
        if track.annotation:
            item["annotation"] = track.annotation
        if track.duration_seconds is not None:
            item["duration"] = track.duration_seconds * 1000
        tracks.append(item)
    data: dict[str, Any] = {"title": playlist.title, "track": tracks}
    if playlist.curator:
        data["creator"] = playlist.curator
    if playlist.description:
        data["annotation"] = playlist.description
    if playlist.link:
        data["info"] = playlist.link
    return json.dumps({"playlist": data}, ensure_ascii=False, indent=1)
