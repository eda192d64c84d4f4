"""No page or API call of quartieri answers a signed-out visitor unless it is meant to be
public: a forgotten permission check fails closed."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

# Pages meant for everyone: signing in, resetting a password, legal pages, the health probe.
PUBLIC = (
    r"^accounts/login/$",
    r"^accounts/password-reset/",
    r"^accessibility/$",
    r"^privacy/$",
    r"^healthz$",
    r"^i18n/setlang/$",
    r"^admin/",  # the Django admin answers with its own login page
    r"^static/",
    r"^p/",  # published mini-site pages and public short links, when those apps exist
    r"^q/",  # the built mini-sites (minisites.views.public_site)
    r"^api/v1/openapi\.json$",
    r"^api/v1/docs",
    # The newsletter's public side: subscribe form (contract 1), the links in every message,
    # provider webhooks (their own authentication).
    r"^newsletter/(subscribe|consent|confirm|u|p|anymail)/",
)
SAMPLE_ARGUMENTS = {
    "int": "1",
    "slug": "sample",
    "str": "sample",
    "uuid": "00000000-0000-0000-0000-000000000001",
    "path": "sample",
}


def concrete_paths(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from concrete_paths(pattern.url_patterns, route)
        else:
            yield route


def fill(route: str) -> str:
    route = route.lstrip("^").rstrip("$").replace("\\Z", "")
    return re.sub(
        r"<(?:(\w+):)?(\w+)>", lambda m: SAMPLE_ARGUMENTS.get(m.group(1) or "str", "1"), route
    )


ROUTES = sorted({fill(route) for route in concrete_paths(get_resolver().url_patterns)})


@pytest.mark.django_db
@pytest.mark.parametrize("path", [r for r in ROUTES if not any(re.match(p, r) for p in PUBLIC)])
def test_signed_out_visitors_get_nothing(path):
    client = Client()
    for method in (client.get, client.post):
        response = method("/" + path)
        assert response.status_code in {302, 401, 403, 404, 405}, (path, response.status_code)
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"]
