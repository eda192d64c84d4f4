"""A small screens world: one neighbourhood with a stop, two displays, slides, a playlist.

Displays and slides are made through the services, as staff would make them. The
neighbourhood is a 0.01° square near Milan; the stop is a place of the data with real
coordinates in it (the displays take them from it).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from PIL import Image

from quartieri.campaigns.models import Campaign
from quartieri.places.models import Category, Licence, Neighbourhood, PointOfInterest
from quartieri.screens import services, slides
from quartieri.screens.models import Display, DisplayGroup, Playlist, Slide

SQUARE = [[[9.10, 45.40], [9.11, 45.40], [9.11, 45.41], [9.10, 45.41], [9.10, 45.40]]]


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (800, 600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 60)).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture
def client_for(client_for: Callable[[Any], Client]) -> Callable[[Any], Client]:
    """The signed-in client of tests/conftest.py, asking for English pages (the msgids)."""

    def make(user: Any) -> Client:
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def area(db: None) -> Neighbourhood:
    return Neighbourhood.objects.create(
        city="Testa",
        code="1",
        slug="testa-1-borgo",
        name_it="Borgo",
        name_en="Borgo",
        geometry={"type": "Polygon", "coordinates": SQUARE},
        centroid_lat=45.405,
        centroid_lon=9.105,
        area_m2=860_000,
        source="Test boundaries",
        licence=Licence.CC_BY_4,
    )


@pytest.fixture
def stop(area: Neighbourhood) -> PointOfInterest:
    return PointOfInterest.objects.create(
        neighbourhood=area,
        category=Category.METRO,
        name_it="Borgo (M9)",
        lat=45.4051,
        lon=9.1052,
        source="test-metro",
        source_record="1",
        licence=Licence.CC_BY_4,
    )


@pytest.fixture
def group(db: None) -> DisplayGroup:
    return services.group_create(actor=None, name="Borgo")


@pytest.fixture
def display(stop: PointOfInterest, group: DisplayGroup) -> Display:
    return services.display_create(
        actor=None, name="Borgo M9", width=1280, height=720, place=stop, groups=[group]
    )


@pytest.fixture
def campaign(db: None) -> Campaign:
    return Campaign.objects.create(
        name="Borgo 2021",
        slug="borgo-2021",
        start_date=dt.date(2021, 5, 3),
        end_date=dt.date(2021, 9, 30),
    )


@pytest.fixture
def make_slide(area: Neighbourhood, campaign: Campaign) -> Callable[..., Slide]:
    def make(name: str, **fields: Any) -> Slide:
        defaults: dict[str, Any] = {
            "kind": Slide.Kind.LAYOUT,
            "title": name,
            "alt_text": f"{name}, a test slide",
            "campaign": campaign,
            "neighbourhood": area,
            "duration_seconds": 10,
        }
        return slides.slide_create(actor=None, name=name, **(defaults | fields))

    return make


@pytest.fixture
def playlist(make_slide: Callable[..., Slide], group: DisplayGroup) -> Playlist:
    """ "Borgo": slides A and B, 10 s each, on the group every day, all day."""
    playlist = services.playlist_create(actor=None, name="Borgo")
    a, b = make_slide("A"), make_slide("B", show_map=True)
    services.playlist_set_items(actor=None, playlist=playlist, items=[(a, 10), (b, 10)])
    services.schedule_save(actor=None, name="Borgo always", playlist=playlist, groups=[group])
    return playlist


@pytest.fixture
def player(display: Display) -> Callable[..., Any]:
    """Call a player URL of ``display`` ("" is its page) with a plain client (no cookie)."""
    client = Client()
    base = services.display_player_path(display)

    def call(path: str = "", *, method: str = "get", body: Any = None, **headers: str) -> Any:
        url = base + path
        if method == "post":
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            return client.post(url, data=data, content_type="application/json", headers=headers)
        return client.get(url, headers=headers)

    return call


def play(uid: str, slide: int, start: dt.datetime, seconds: float = 10) -> dict[str, Any]:
    """One proof-of-play record as a player sends it."""
    end = start + dt.timedelta(seconds=seconds)
    return {"id": uid, "slide": slide, "from": start.isoformat(), "to": end.isoformat()}
