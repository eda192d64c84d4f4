"""Where tracked links may lead: this platform, the sites sending page views
(``ANALYTICS_SITE_ORIGINS``) and the domains of ``LINK_ALLOWED_DOMAINS`` (each with its
subdomains). Empty by default, so a fresh install is no open redirect.

``analytics.links`` checks every link it makes and every redirect it answers with these;
they live here, below every app, so that the editor (campaigns) can warn while a post is
drafted that its link will be refused when it is scheduled, and the staff pages can list
the allowed destinations.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings

HOST = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?")
SETTING = "QUARTIERI_LINK_ALLOWED_DOMAINS"


def origin_of(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


def _own_origins() -> set[tuple[str, str, int | None]]:
    return {
        origin_of(settings.PUBLIC_URL),
        *(origin_of(o) for o in settings.ANALYTICS_SITE_ORIGINS),
    }


def target_allowed(url: str) -> bool:
    """Is this (already cleaned) URL on our own sites or an allowed domain?"""
    origin = origin_of(url)
    if origin[0] not in {"http", "https"} or not HOST.fullmatch(origin[1]):
        return False
    if origin in _own_origins():
        return True
    host = origin[1]
    return any(host == d or host.endswith("." + d) for d in settings.LINK_ALLOWED_DOMAINS)


def allowed_destinations() -> list[str]:
    own = [settings.PUBLIC_URL, *settings.ANALYTICS_SITE_ORIGINS]
    return own + [f"*.{d}" for d in settings.LINK_ALLOWED_DOMAINS]


def refused_host(url: str) -> str:
    """The host of an http(s) address a tracked link may not lead to; "" when it may (a
    path on this platform, an allowed destination) or when there is no plain host to name
    (``analytics.links.target_clean`` says what is wrong with those)."""
    raw = url.strip()
    if not raw or raw.startswith("/") and not raw.startswith("//"):
        return ""
    scheme, host, _port = origin_of(raw)
    if scheme not in {"http", "https"} or not HOST.fullmatch(host):
        return ""
    return "" if target_allowed(raw) else host
