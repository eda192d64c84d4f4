from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from quartieri.accounts.models import AuditEvent, User
from quartieri.places import selectors, services
from quartieri.places.models import Neighbourhood, Playlist, PointOfInterest, Tour, Track

from .conftest import make_poi


def names(tour: Tour) -> list[str]:
    return [s.poi.name_it for s in selectors.tour_stops(tour=tour)]


@pytest.mark.parametrize("url", ["/places/", "/places/?category=heritage", "/places/pois/",
                                 "/places/pois/?needs_location=1", "/places/tours/", "/places/playlists/"])  # fmt: skip
def test_pages_load_for_every_role(
    city: dict[str, Neighbourhood], tour: Tour, analyst: User, client_for: Any, url: str
) -> None:
    response = client_for(analyst).get(url)
    assert response.status_code == 200
    assert b"<table" in response.content  # every map has a table alternative


def test_tour_and_neighbourhood_pages(
    tour: Tour, editor: User, analyst: User, client_for: Any
) -> None:
    page = client_for(editor).get(f"/places/tours/{tour.slug}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "places-map-data" in body
    assert 'data-testid="move-up"' in body
    assert "detour factor" in body or "fattore di deviazione" in body
    ro = client_for(analyst).get(f"/places/tours/{tour.slug}/").content.decode()
    assert 'data-testid="move-up"' not in ro
    assert (
        client_for(analyst).get(f"/places/neighbourhoods/{tour.neighbourhood.slug}/").status_code
        == 200
    )


def test_editor_moves_a_stop(tour: Tour, editor: User, client_for: Any) -> None:
    stop = selectors.tour_stops(tour=tour)[1]
    response = client_for(editor).post(
        f"/places/tours/{tour.slug}/stops/{stop.pk}/move/", {"direction": "up"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#stop-{stop.pk}")
    assert names(tour) == ["Chiesa", "Torre", "Mulino"]
    assert AuditEvent.objects.filter(action="places.tour_reordered", actor=editor).exists()


def test_analyst_cannot_edit_and_nothing_changes(
    tour: Tour, analyst: User, client_for: Any
) -> None:
    client = client_for(analyst)
    stop = selectors.tour_stops(tour=tour)[1]
    before = names(tour)
    audit_before = AuditEvent.objects.count()
    poi = make_poi("Nuovo", 9.104, 45.404)
    for url, data in (
        (f"/places/tours/{tour.slug}/stops/{stop.pk}/move/", {"direction": "up"}),
        (f"/places/tours/{tour.slug}/stops/{stop.pk}/remove/", {}),
        (f"/places/tours/{tour.slug}/stops/add/", {"poi": poi.pk, "minutes": 5}),
        (f"/places/tours/{tour.slug}/optimise/", {}),
        (f"/places/tours/{tour.slug}/edit/", {"title_it": "X"}),
        ("/places/tours/new/", {"title_it": "X"}),
        (f"/places/pois/{poi.pk}/locate/", {"lat": 45.0, "lon": 9.0}),
    ):
        assert client.post(url, data).status_code == 403, url
    assert names(tour) == before
    assert Tour.objects.count() == 1
    assert AuditEvent.objects.count() == audit_before + 1  # only make_poi's import


def test_optimise_proposes_then_applies(tour: Tour, editor: User, client_for: Any) -> None:
    client = client_for(editor)
    client.post(f"/places/tours/{tour.slug}/optimise/")
    page = client.get(f"/places/tours/{tour.slug}/").content.decode()
    assert 'data-testid="proposal"' in page
    order = ",".join(str(s.pk) for s in selectors.tour_order_proposal(tour=tour)[0])
    client.post(f"/places/tours/{tour.slug}/optimise/", {"order": order})
    assert names(tour) == ["Chiesa", "Mulino", "Torre"]


def test_add_and_remove_stop(tour: Tour, editor: User, client_for: Any) -> None:
    client = client_for(editor)
    poi = make_poi("Fontana", 9.101, 45.409)
    client.post(
        f"/places/tours/{tour.slug}/stops/add/", {"poi": poi.pk, "minutes": 5, "text_it": "Acqua"}
    )
    assert names(tour)[-1] == "Fontana"
    stop = selectors.tour_stops(tour=tour)[0]
    client.post(f"/places/tours/{tour.slug}/stops/{stop.pk}/remove/")
    assert names(tour) == ["Chiesa", "Mulino", "Fontana"]
    assert [s.position for s in selectors.tour_stops(tour=tour)] == [0, 1, 2]


def test_place_without_location_cannot_be_a_stop(tour: Tour) -> None:
    with pytest.raises(ValidationError, match="no location"):
        services.tour_stop_add(actor=None, tour=tour, poi=make_poi("Ignoto", None, None))


@pytest.mark.parametrize(
    ("field", "url", "reason"),
    [
        ("spotify_url", "https://example.com/track/1", "is not a link to Spotify"),
        (
            "spotify_url",
            "http://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
            "is not an https:// link",
        ),
        (
            "spotify_url",
            "https://open.spotify.com/album/4uLU6hMCjMI75M1A2tKUQC",
            "is not a Spotify track link",
        ),
        ("apple_music_url", "https://music.example.org/x", "is not a link to Apple Music"),
        ("youtube_url", "https://vimeo.com/1", "is not a link to YouTube"),
    ],
)
def test_bad_playlist_link_refused_with_reason(
    city: dict[str, Neighbourhood], editor: User, client_for: Any, field: str, url: str, reason: str
) -> None:
    playlist = services.playlist_create(actor=None, neighbourhood=city["1"], title="P")
    response = client_for(editor).post(
        f"/places/playlists/{playlist.slug}/tracks/add/",
        {"artist": "A", field: url},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not Track.objects.exists()


def test_good_links_accepted(city: dict[str, Neighbourhood], editor: User, client_for: Any) -> None:
    playlist = services.playlist_create(actor=None, neighbourhood=city["1"], title="P")
    response = client_for(editor).post(
        f"/places/playlists/{playlist.slug}/tracks/add/",
        {"artist": "A", "title": "T", "spotify_url": "spotify:track:4uLU6hMCjMI75M1A2tKUQC",
         "apple_music_url": "https://music.apple.com/it/album/x/1", "youtube_url": "https://youtu.be/abc"},
    )  # fmt: skip
    assert response.status_code == 302
    track = Track.objects.get()
    assert track.spotify_url == "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"


def test_analyst_cannot_change_playlists(
    city: dict[str, Neighbourhood], analyst: User, client_for: Any
) -> None:
    playlist = services.playlist_create(actor=None, neighbourhood=city["1"], title="P")
    client = client_for(analyst)
    assert (
        client.post(f"/places/playlists/{playlist.slug}/tracks/add/", {"artist": "A"}).status_code
        == 403
    )
    assert client.post("/places/playlists/new/", {"title": "X"}).status_code == 403
    assert not Track.objects.exists()
    assert Playlist.objects.count() == 1


def test_locate_a_place(city: dict[str, Neighbourhood], editor: User, client_for: Any) -> None:
    poi = make_poi("Da posizionare", None, None)
    client = client_for(editor)
    assert client.get(f"/places/pois/{poi.pk}/locate/").status_code == 200
    client.post(f"/places/pois/{poi.pk}/locate/", {"lat": 45.405, "lon": 9.105})
    poi = PointOfInterest.objects.get(pk=poi.pk)
    assert (poi.lat, poi.lon) == (45.405, 9.105)
    assert poi.neighbourhood == city["1"]


@pytest.mark.parametrize(
    "extra",
    [
        {"note": "coordinate da verificare"},  # a landmark row of its own
        {"theme": "verde", "landmark": {"note": "coordinate da verificare"}},  # merged
        {"theme": "verde"},  # no note at all
    ],
)
def test_locate_page_shows_the_data_note_whatever_its_shape(
    city: dict[str, Neighbourhood], editor: User, client_for: Any, extra: dict[str, Any]
) -> None:
    # Landmarks without a coordinate carry their note at the top of extra; this page used to
    # answer 500 (VariableDoesNotExist: landmark) for them.
    poi = make_poi("Senza posizione", None, None, extra=extra)
    response = client_for(editor).get(f"/places/pois/{poi.pk}/locate/")
    assert response.status_code == 200
    noted = "coordinate da verificare" in response.content.decode()
    assert noted == ("note" in extra or "landmark" in extra)


def test_dashboard_card(city: dict[str, Neighbourhood], analyst: User, client_for: Any) -> None:
    body = client_for(analyst).get("/").content.decode()
    assert "/places/" in body
