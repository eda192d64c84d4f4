from __future__ import annotations

import json
from typing import Any

from rich.console import Console

from quartieri.accounts.models import AuditEvent, User
from quartieri.places import demo, selectors
from quartieri.places.models import Neighbourhood, Playlist, PointOfInterest, Tour, TourStop, Track


def test_demo_loads_three_neighbourhoods_and_is_idempotent(
    db: None, analyst: User, client_for: Any
) -> None:
    console = Console(quiet=True)
    demo.load(console=console, from_today=False)
    counts = (PointOfInterest.objects.count(), Tour.objects.count(), TourStop.objects.count(),
              Playlist.objects.count(), Track.objects.count(), AuditEvent.objects.count())  # fmt: skip
    demo.load(console=console, from_today=False)
    assert counts == (
        PointOfInterest.objects.count(), Tour.objects.count(), TourStop.objects.count(),
        Playlist.objects.count(), Track.objects.count(), AuditEvent.objects.count(),
    )  # fmt: skip
    assert Neighbourhood.objects.count() == 88
    for code in ("11", "34", "55"):
        n = Neighbourhood.objects.get(city="Milano", code=code)
        assert n.tours.count() >= 2, code
        assert n.playlists.count() == 1, code
        for tour in n.tours.all():
            assert tour.start is not None
            assert tour.end is not None
            assert {tour.start.category, tour.end.category} <= {"metro", "stop"}
            stops = selectors.tour_stops(tour=tour)
            assert len(stops) >= 2
            # Every stop is a real place from the shipped data, with its coordinate.
            assert all(s.poi.lat is not None and s.poi.source != "" for s in stops)
    baggio = Playlist.objects.get(slug="baggio-playlist-2021")
    assert [t.artist for t in baggio.tracks.order_by("position")] == [
        "Nanni Svampa", "Enzo Jannacci", "Lokita", "Ghali", "Les Enfants",
    ]  # fmt: skip
    assert all(t.title == "" for t in baggio.tracks.all())  # no invented titles
    # The map shows the three neighbourhoods with their tours and playlists.
    page = client_for(analyst).get("/places/").content.decode()
    data = json.loads(
        page.split('id="places-map-data" type="application/json">')[1].split("</script>")[0]
    )
    featured = {n["code"] for n in data["neighbourhoods"] if n["featured"]}
    assert featured == {"11", "34", "55"}
    assert (
        "Bosco Verticale"
        in client_for(analyst).get("/places/pois/?needs_location=1").content.decode()
    )
