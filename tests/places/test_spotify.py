from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from quartieri.accounts.models import AuditEvent, User
from quartieri.places import services, spotify
from quartieri.places.models import Neighbourhood, Playlist

from .fake_spotify import TOKEN, FakeSpotify

TRACK = "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"


@pytest.fixture
def fake(settings: Any) -> Iterator[FakeSpotify]:
    server = FakeSpotify().start()
    settings.SPOTIFY_API_URL = server.url
    settings.QUARTIERI_SPOTIFY_ACCESS_TOKEN = TOKEN
    yield server
    server.stop()


@pytest.fixture
def playlist(city: dict[str, Neighbourhood]) -> Playlist:
    p = services.playlist_create(
        actor=None, neighbourhood=city["1"], title="Ovest", description="d"
    )
    services.track_add(actor=None, playlist=p, artist="Uno", title="Primo", spotify_url=TRACK)
    services.track_add(actor=None, playlist=p, artist="Due", title="Secondo")
    services.track_add(actor=None, playlist=p, artist="Tre", note="title not in our sources")
    return p


def test_push_creates_playlist_and_adds_tracks(fake: FakeSpotify, playlist: Playlist) -> None:
    fake.catalogue["secondo|due"] = "0000000000000000000002"
    result = spotify.playlist_push(playlist=playlist)
    assert result.added == 2
    assert result.skipped == ["Tre"]
    created = fake.playlists[result.playlist_id]
    assert created["name"] == "Ovest"
    assert created["public"] is False
    assert created["items"] == [
        "spotify:track:4uLU6hMCjMI75M1A2tKUQC",
        "spotify:track:0000000000000000000002",
    ]
    assert result.url.startswith("https://open.spotify.com/playlist/")


def test_rate_limit_is_retried_after_retry_after(fake: FakeSpotify, playlist: Playlist) -> None:
    fake.fail("/v1/me/playlists", 429, times=1, headers={"Retry-After": "1"})
    result = spotify.playlist_push(playlist=playlist)
    assert len(fake.playlists) == 1
    assert result.added == 1
    assert [r for r in fake.requests if r[1] == "/v1/me/playlists"] == [
        ("POST", "/v1/me/playlists")
    ] * 2


def test_expired_token_is_explained(fake: FakeSpotify, playlist: Playlist, settings: Any) -> None:
    settings.QUARTIERI_SPOTIFY_ACCESS_TOKEN = "expired"
    with pytest.raises(spotify.SpotifyError, match="expired or revoked"):
        spotify.playlist_push(playlist=playlist)
    assert fake.playlists == {}


def test_server_errors_give_up_with_a_reason(fake: FakeSpotify, playlist: Playlist) -> None:
    fake.fail("/v1/me/playlists", 503, times=10)
    with pytest.raises(spotify.SpotifyError, match="unavailable|rate-limiting"):
        spotify.playlist_push(playlist=playlist)
    assert fake.playlists == {}


def test_transient_5xx_then_success(fake: FakeSpotify, playlist: Playlist) -> None:
    fake.fail("/v1/playlists/", 502, times=1)
    result = spotify.playlist_push(playlist=playlist)
    assert fake.playlists[result.playlist_id]["items"] == ["spotify:track:4uLU6hMCjMI75M1A2tKUQC"]


def test_no_credentials(playlist: Playlist, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.QUARTIERI_SPOTIFY_ACCESS_TOKEN = ""
    monkeypatch.delenv(spotify.TOKEN_ENV, raising=False)
    assert not spotify.configured()
    with pytest.raises(spotify.SpotifyError, match="No Spotify credentials"):
        spotify.playlist_push(playlist=playlist)


def test_push_view_records_url_and_analyst_is_refused(
    fake: FakeSpotify, playlist: Playlist, editor: User, analyst: User, client_for: Any
) -> None:
    denied = client_for(analyst).post(f"/places/playlists/{playlist.slug}/push/")
    assert denied.status_code == 403
    assert fake.playlists == {}
    response = client_for(editor).post(f"/places/playlists/{playlist.slug}/push/")
    assert response.status_code == 302
    playlist.refresh_from_db()
    assert playlist.spotify_url.startswith("https://open.spotify.com/playlist/")
    assert AuditEvent.objects.filter(action="places.playlist_pushed", actor=editor).exists()
