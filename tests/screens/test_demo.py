"""The demo: displays at real ATM stops of the shipped data, each playing at least three
campaign slides of about 10 s; loading it twice changes nothing."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.conf import settings
from django.utils import timezone
from rich.console import Console

from quartieri.campaigns import demo as campaigns_demo
from quartieri.core import demo as core_demo
from quartieri.places import importers, services
from quartieri.places.models import Neighbourhood
from quartieri.screens import channel as screens_channel
from quartieri.screens import demo, manifest
from quartieri.screens.models import Display, Playlist, Schedule, Slide

pytestmark = pytest.mark.django_db
DATA = settings.BASE_DIR / "data"


def load_all() -> None:
    console = Console(file=io.StringIO())
    services.neighbourhood_import(
        path=DATA / "boundaries" / "nil_ds964_pgt2030.geojson", id_field="ID_NIL", name_field="NIL",
        city="Milano", source="Comune di Milano ds964",
    )  # fmt: skip
    for spec in importers.MILAN_LAYERS:
        if spec.key in ("ds535-metro", "ds534-stops"):
            services.poi_import_rows(
                rows=importers.read_layer(spec, DATA / spec.filename), label=spec.filename
            )
    # The places demo's tours and playlists, in short (its own test covers the real ones).
    for area in Neighbourhood.objects.filter(code__in=["11", "34", "55"]):
        services.tour_create(
            actor=None, neighbourhood=area, title_it=f"Giro {area.code}", theme="history"
        )
        services.playlist_create(actor=None, neighbourhood=area, title=f"Playlist {area.code}")
    core_demo.load(console=console, from_today=False)
    campaigns_demo.load(console=console, from_today=False)
    demo.load(console=console, from_today=False)


def stops_in_the_data() -> dict[str, tuple[float, float]]:
    found = {}
    for name in ("atm_metro_stations_ds535.geojson", "atm_surface_stops_ds534.geojson"):
        for feature in json.loads((DATA / "transport" / name).read_text())["features"]:
            lon, lat = feature["geometry"]["coordinates"]
            found[str(feature["properties"]["id_amat"])] = (lat, lon)
    return found


def test_the_demo_screens_stand_at_real_stops_and_play_the_campaign(client_for, admin_user):
    load_all()
    displays = list(Display.objects.select_related("neighbourhood", "place"))
    stops = stops_in_the_data()
    assert len(displays) == len(demo.DISPLAYS) == 5
    assert {d.neighbourhood.code for d in displays} == {"11", "34", "55"}
    for display in displays:
        assert (display.lat, display.lon) == stops[display.place.source_record]
    now = timezone.now()
    for display in displays:
        playing = manifest.display_timeline(
            display, start=now, end=now + manifest.dt.timedelta(minutes=1)
        )
        items = playing[0].items
        assert len(items) >= 3
        assert all(seconds == 10 for _slide, seconds in items)
        slides = Slide.objects.in_bulk([slide for slide, _s in items])
        # The screens play the current campaign (2021 is history).
        assert {s.campaign.slug for s in slides.values()} == {campaigns_demo.CURRENT_SLUG}
        # Its neighbourhood's slides, and the channel's posts whose time has come (every
        # display is in the channel's group).
        own = [s for s in slides.values() if s.variant_id is None]
        assert len(own) >= 3
        assert {s.neighbourhood_id for s in own} == {display.neighbourhood_id}
    assert Slide.objects.filter(is_default=True).count() == 1
    # The screens channel account's posts went through the workflow onto the channel playlist.
    channel = Playlist.objects.get(channel_group__name=demo.CHANNEL_GROUP)
    # Three posts per campaign (the screens demo schedules them once the group exists), on
    # it while their campaign runs: today the current campaign's; the 2021 campaign has
    # ended, so its three come back only on a day it ran.
    assert channel.items.count() == 3
    screens_channel.variants_sync(now=dt.datetime(2021, 5, 3, 12, tzinfo=dt.UTC))
    assert channel.items.count() == 6
    page = client_for(admin_user).get(f"/screens/displays/{displays[0].pk}/").content.decode()
    assert "Open the player" in page

    counts = (
        Display.objects.count(),
        Slide.objects.count(),
        Playlist.objects.count(),
        Schedule.objects.count(),
    )
    demo.load(console=Console(file=io.StringIO()), from_today=False)
    assert (
        Display.objects.count(),
        Slide.objects.count(),
        Playlist.objects.count(),
        Schedule.objects.count(),
    ) == counts
