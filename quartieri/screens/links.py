"""Tracked links for what the screens show (contract 3), until the analytics app has them.

``link_for`` has the signature of ``quartieri.analytics.links.link_for``; when that lands,
this module's body becomes ``from quartieri.analytics.links import link_for`` and nothing
else changes. Meanwhile it returns a stable absolute URL for the target, tagged with UTM
parameters (the medium of a screen is "screen"), and creates nothing.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings

MEDIUM = {"screens": "screen", "posters": "print", "newsletter": "email"}


def link_for(
    *,
    target: str,
    channel: str,
    neighbourhood: str | None = None,
    campaign: str | None = None,
    placement: str = "",
) -> str:
    """The absolute URL people reach ``target`` by from ``channel``; a path is taken as
    one of this platform's (PUBLIC_URL, contract 4). The same arguments give the same URL."""
    absolute = target if urlsplit(target).scheme else settings.PUBLIC_URL + "/" + target.lstrip("/")
    parts = urlsplit(absolute)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.startswith("utm_")
    ]
    query += [("utm_source", channel), ("utm_medium", MEDIUM.get(channel, "social"))]
    if campaign:
        query.append(("utm_campaign", campaign))
    return urlunsplit(parts._replace(query=urlencode(query)))
