"""The newsletter's current consent wording, read when a site is built (contract 1).

The newsletter app answers ``GET {PUBLIC_URL}/newsletter/consent/<list>/<lang>.json`` with
``{"version": …, "text": …}``. For a build aimed at this platform the view is called in
process (no server needs to be running, as during ``quartieri demo``); for another
platform (``--base-url`` elsewhere) it is fetched over HTTP. When neither answers, the
site's subscribe page links to the platform's own form instead of showing a form whose
consent wording nobody could vouch for.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
from django.conf import settings
from django.http import Http404
from django.test import RequestFactory
from django.urls import Resolver404, resolve

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10.0


def _valid(data: Any) -> dict[str, str] | None:
    if isinstance(data, dict) and data.get("version") and data.get("text"):
        return {"version": str(data["version"]), "text": str(data["text"])}
    return None


def _in_process(path: str) -> dict[str, str] | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    try:
        response = match.func(RequestFactory().get(path), *match.args, **match.kwargs)
    except Http404:
        return None
    if response.status_code != 200:
        return None
    return _valid(json.loads(response.content))


def consent_for(*, public_url: str, newsletter_list: str, language: str) -> dict[str, str] | None:
    """{"version", "text"} of the consent shown on the form, or None if unavailable."""
    path = f"/newsletter/consent/{newsletter_list}/{language}.json"
    if public_url.rstrip("/") == settings.PUBLIC_URL.rstrip("/"):
        return _in_process(path)
    try:
        response = httpx.get(public_url.rstrip("/") + path, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        return _valid(response.json())
    except (httpx.HTTPError, ValueError) as error:
        log.warning("consent wording not read from %s: %s", public_url, error)
        return None
