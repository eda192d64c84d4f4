"""Which music links a playlist accepts: Spotify, Apple Music and YouTube only."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_HOSTS = {
    "spotify": {"open.spotify.com"},
    "apple_music": {"music.apple.com"},
    "youtube": {"www.youtube.com", "youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be"},
}
_SPOTIFY_TRACK = re.compile(r"^/(?:intl-[a-z]{2}/)?track/([A-Za-z0-9]{22})/?$")


def validate_link(kind: str, url: str) -> str:
    """Return the cleaned URL or raise ValidationError naming the reason."""
    url = url.strip()
    if not url:
        return ""
    if kind == "spotify" and re.fullmatch(r"spotify:track:[A-Za-z0-9]{22}", url):
        return f"https://open.spotify.com/track/{url.rsplit(':', 1)[1]}"
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise ValidationError(_("%(url)s is not an https:// link.") % {"url": url}, code="scheme")
    hosts = _HOSTS[kind]
    if (parts.hostname or "") not in hosts:
        raise ValidationError(
            _("%(url)s is not a link to %(service)s (expected %(hosts)s).")
            % {"url": url, "service": SERVICE_NAMES[kind], "hosts": ", ".join(sorted(hosts))},
            code="host",
        )
    if kind == "spotify" and not _SPOTIFY_TRACK.match(parts.path):
        raise ValidationError(
            _("%(url)s is not a Spotify track link (open.spotify.com/track/…).") % {"url": url},
            code="path",
        )
    return url


SERVICE_NAMES = {"spotify": "Spotify", "apple_music": "Apple Music", "youtube": "YouTube"}


def spotify_track_uri(url: str) -> str | None:
    match = _SPOTIFY_TRACK.match(urlsplit(url).path) if url else None
    return f"spotify:track:{match.group(1)}" if match else None
