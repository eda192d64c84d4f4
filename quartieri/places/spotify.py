"""Push a playlist to a Spotify account through the Web API (spotipy).

The API base is ``settings.SPOTIFY_API_URL`` (a local fake in tests). Credentials are not
stored by quartieri: the connector reads a user access token with the
``playlist-modify-private`` scope from ``QUARTIERI_SPOTIFY_ACCESS_TOKEN`` (or a Django
setting of the same name for tests); see docs/places.md.

Endpoints used: ``GET /v1/me``, ``POST /v1/me/playlists``, ``GET /v1/search``,
``POST /v1/playlists/{id}/items``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import spotipy
from django.conf import settings
from django.utils.translation import gettext as _

from quartieri.places.links import spotify_track_uri
from quartieri.places.models import Playlist

TOKEN_ENV = "QUARTIERI_SPOTIFY_ACCESS_TOKEN"  # noqa: S105 - the variable name, not a secret
ADD_BATCH = 100  # the Web API takes at most 100 URIs per request


class SpotifyError(Exception):
    """A push that failed; the message says why in words for the person who pressed it."""


@dataclass
class PushResult:
    playlist_id: str
    url: str
    added: int
    skipped: list[str] = field(default_factory=list)


def _token() -> str:
    return str(getattr(settings, TOKEN_ENV, "") or os.environ.get(TOKEN_ENV, ""))


def configured() -> bool:
    return bool(_token())


def client(*, token: str | None = None, retries: int = 3) -> spotipy.Spotify:
    sp = spotipy.Spotify(
        auth=token or _token(),
        requests_timeout=10,
        retries=retries,
        status_retries=retries,
        backoff_factor=0.1,
    )
    sp.prefix = settings.SPOTIFY_API_URL.rstrip("/") + "/v1/"
    return sp


def _explain(exc: spotipy.SpotifyException) -> SpotifyError:
    status = exc.http_status
    if status == 401:
        return SpotifyError(_("Spotify refused the access token (expired or revoked): renew it."))
    if status == 403:
        return SpotifyError(_("The Spotify account does not allow this (missing scope?)."))
    if status == 429:
        return SpotifyError(_("Spotify is rate-limiting us; try again later."))
    if status is not None and status >= 500:
        return SpotifyError(
            _("Spotify is unavailable (HTTP %(status)s); try again later.") % {"status": status}
        )
    return SpotifyError(
        _("Spotify refused the request (HTTP %(status)s): %(message)s")
        % {"status": status, "message": exc.msg}
    )


def playlist_push(*, playlist: Playlist, token: str | None = None) -> PushResult:
    """Create a private playlist on the account and add every track we can identify.

    A track with a Spotify link is added as is; one with title and artist is searched; an
    artist-only entry (title not in our sources) is skipped and reported, never guessed."""
    if not (token or _token()):
        raise SpotifyError(_("No Spotify credentials: set %(name)s.") % {"name": TOKEN_ENV})
    sp = client(token=token)
    try:
        created: dict[str, Any] = sp.current_user_playlist_create(
            playlist.title, public=False, description=playlist.description[:300]
        )
        uris: list[str] = []
        skipped: list[str] = []
        for track in playlist.tracks.order_by("position", "pk"):
            uri = spotify_track_uri(track.spotify_url)
            if uri is None and track.title:
                found = sp.search(
                    q=f"track:{track.title} artist:{track.artist}", type="track", limit=1
                )
                items = (found or {}).get("tracks", {}).get("items", [])
                uri = items[0]["uri"] if items else None
            if uri is None:
                skipped.append(str(track))
            else:
                uris.append(uri)
        for i in range(0, len(uris), ADD_BATCH):
            sp.playlist_add_items(created["id"], uris[i : i + ADD_BATCH])
    except spotipy.SpotifyException as exc:
        raise _explain(exc) from None
    url = str((created.get("external_urls") or {}).get("spotify", ""))
    return PushResult(str(created["id"]), url, len(uris), skipped)
