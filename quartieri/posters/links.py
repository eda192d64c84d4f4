"""The address a poster's QR code points to (contract 3, tracked links).

Until ``quartieri.analytics.links.link_for`` exists, ``link_for`` here builds a stable
absolute URL of the target with UTM parameters; it has the same keyword signature, so the
swap at merge is this one function. Nothing else in posters builds a QR address.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from quartieri.campaigns.models import Platform

# The medium each channel's links are counted under (contract 3); the social kinds: social.
MEDIUM: dict[str, str] = {
    Platform.POSTERS: "print",
    Platform.NEWSLETTER: "email",
    Platform.SCREENS: "screen",
}


def link_for(
    *,
    target: str,
    channel: str,
    neighbourhood: str | None = None,
    campaign: str | None = None,
    placement: str = "",
) -> str:
    """A stable absolute URL for ``target``: the same arguments give the same URL."""
    parts = urlsplit(target)
    params = [("utm_source", channel), ("utm_medium", MEDIUM.get(channel, "social"))]
    if campaign:
        params.append(("utm_campaign", campaign))
    if placement:
        params.append(("utm_content", placement))
    query = "&".join(p for p in (parts.query, urlencode(params)) if p)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def site_url(*, base_url: str, neighbourhood: str, language: str) -> str:
    """A mini-site's home address (contract 5: <neighbourhood-slug>/<lang>/)."""
    return f"{base_url.rstrip('/')}/{neighbourhood}/{language}/"
