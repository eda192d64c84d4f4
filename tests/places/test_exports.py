from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET  # our own export, not untrusted input

import gpxpy
import pytest
from django.test import Client

from quartieri.accounts.models import User
from quartieri.places import documents, exports, services
from quartieri.places.models import Neighbourhood, Playlist, Tour

GPX_NS = "{http://www.topografix.com/GPX/1/1}"


def test_gpx_parses_back(tour: Tour) -> None:
    text = exports.tour_gpx(documents.tour_export(tour))
    root = ET.fromstring(  # noqa: S314
        text.encode()
    )
    assert root.tag == f"{GPX_NS}gpx"
    assert root.get("version") == "1.1"
    gpx = gpxpy.parse(text)
    names = [w.name for w in gpx.waypoints]
    assert names == ["Metro Ovest", "Torre", "Chiesa", "Mulino", "Metro Est"]
    assert [w.type for w in gpx.waypoints] == ["start", "stop", "stop", "stop", "end"]
    assert gpx.waypoints[1].latitude == pytest.approx(45.408)
    assert gpx.waypoints[1].longitude == pytest.approx(9.108)
    assert len(gpx.routes) == 1
    assert len(gpx.routes[0].points) == 5
    assert len(gpx.tracks[0].segments[0].points) >= 5
    assert gpx.copyright_author == "test data"  # the attribution of the places used


def test_geojson_is_a_valid_feature_collection(tour: Tour) -> None:
    data = json.loads(exports.tour_geojson_text(documents.tour_export(tour, language="en")))
    assert data["type"] == "FeatureCollection"
    points = [f for f in data["features"] if f["geometry"]["type"] == "Point"]
    lines = [f for f in data["features"] if f["geometry"]["type"] == "LineString"]
    assert len(points) == 5
    assert len(lines) == 1
    for f in data["features"]:
        assert f["type"] == "Feature"
        assert isinstance(f["properties"], dict)
        coords = f["geometry"]["coordinates"]
        pairs = [coords] if f["geometry"]["type"] == "Point" else coords
        for lon, lat in pairs:
            assert -180 <= lon <= 180
            assert -90 <= lat <= 90
    assert lines[0]["properties"]["distance_method"].startswith("great-circle")
    assert len(lines[0]["geometry"]["coordinates"]) >= 2


def test_tour_sheet_pdf_is_tagged_with_language(tour: Tour) -> None:
    pdf = documents.tour_sheet_pdf(tour, language="en", compress=False)
    assert pdf.startswith(b"%PDF")
    assert b"/Lang (en)" in pdf
    assert b"/StructTreeRoot" in pdf
    assert b"/Title (Giro di prova)" in pdf


def _playlist(city: dict[str, Neighbourhood]) -> Playlist:
    playlist = services.playlist_create(
        actor=None, neighbourhood=city["1"], title="Suoni di Ovest", curator="Negozio di dischi",
        description="Prova",
    )  # fmt: skip
    services.track_add(actor=None, playlist=playlist, artist="Artista Uno", title="Canzone",
                       duration_seconds=200,
                       spotify_url="https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
                       youtube_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ")  # fmt: skip
    services.track_add(
        actor=None, playlist=playlist, artist="Artista Due", note="title not in our sources"
    )
    return playlist


def test_m3u8_xspf_jspf_parse_back(city: dict[str, Neighbourhood]) -> None:
    data = documents.playlist_export(_playlist(city))
    m3u = exports.playlist_m3u8(data).splitlines()
    assert m3u[0] == "#EXTM3U"
    assert "#EXTINF:200,Artista Uno - Canzone" in m3u
    assert m3u[m3u.index("#EXTINF:200,Artista Uno - Canzone") + 1].startswith(
        "https://open.spotify.com/track/"
    )
    assert "# Artista Due (title not in our sources)" in m3u
    ns = {"x": "http://xspf.org/ns/0/"}
    root = ET.fromstring(  # noqa: S314
        exports.playlist_xspf(data).encode()
    )
    assert root.get("version") == "1"
    assert root.findtext("x:title", namespaces=ns) == "Suoni di Ovest"
    tracks = root.findall("x:trackList/x:track", ns)
    assert [t.findtext("x:creator", namespaces=ns) for t in tracks] == [
        "Artista Uno",
        "Artista Due",
    ]
    assert len(tracks[0].findall("x:location", ns)) == 2
    assert tracks[0].findtext("x:duration", namespaces=ns) == "200000"
    assert tracks[1].find("x:title", ns) is None
    jspf = json.loads(exports.playlist_jspf(data))["playlist"]
    assert jspf["creator"] == "Negozio di dischi"
    assert jspf["track"][0]["title"] == "Canzone"
    assert jspf["track"][0]["duration"] == 200000
    assert "title" not in jspf["track"][1]


def test_export_views(
    tour: Tour, city: dict[str, Neighbourhood], analyst: User, client_for: Any
) -> None:
    client: Client = client_for(analyst)
    gpx = client.get(f"/places/tours/{tour.slug}/tour.gpx")
    assert gpx.status_code == 200
    assert gpx["Content-Type"].startswith("application/gpx+xml")
    assert len(gpxpy.parse(gpx.content.decode()).waypoints) == 5
    geo = client.get(f"/places/tours/{tour.slug}/tour.geojson")
    assert json.loads(geo.content)["type"] == "FeatureCollection"
    pdf = client.get(f"/places/tours/{tour.slug}/tour.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    playlist = _playlist(city)
    for fmt in ("m3u8", "xspf", "jspf"):
        assert client.get(f"/places/playlists/{playlist.slug}/playlist.{fmt}").status_code == 200
    assert client.get(f"/places/playlists/{playlist.slug}/playlist.exe").status_code == 404
