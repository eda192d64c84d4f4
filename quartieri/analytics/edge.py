"""The hot endpoints, answered in front of Django: ``/l/<code>`` and ``/a/pv``.

``quartieri.wsgi`` puts ``wrap(application)`` in front of Django's handler, so a redirect or
a page view never passes through middleware it does not need (sessions, CSRF, auth,
messages, locale) and never waits on a database write: it reads the link from an
in-process cache (``LinkCache``; a changed or deleted link is read again after
``ANALYTICS_LINK_CACHE_SECONDS``), appends one event to the process's buffer
(``ingest.EventBuffer``) and answers. The same answers are reachable through Django's URL
configuration too (``views_public``), for servers that do not load ``quartieri.wsgi``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from quartieri.analytics.clients import client_class, country_from_language, visitor_key
from quartieri.analytics.ingest import EventBuffer, LinkHit, PageHit, event_buffer
from quartieri.analytics.links import CODE_PATTERN, redirect_url, target_allowed
from quartieri.analytics.tracking import EventKind, Link

logger = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Headers = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Answer:
    status: str
    headers: Headers
    body: bytes = b""


def _text(status: str, message: str, headers: Headers | None = None) -> Answer:
    body = message.encode()
    return Answer(
        status,
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            *(headers or []),
        ],
        body,
    )


# --- Links -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CachedLink:
    link_id: int
    location: str
    kind: str
    channel: str
    neighbourhood: str
    campaign: str


class LinkCache:
    """code → live link, each entry read again once it is older than the cache's TTL.

    Unknown codes are remembered too (as None), so a scan of random codes costs one
    database read per code and TTL. While the database does not answer, an entry known
    before keeps answering; an unknown code gets 503.
    """

    MAX_ENTRIES = 100_000

    def __init__(self) -> None:
        self._entries: dict[str, tuple[CachedLink | None, float]] = {}

    def get(self, code: str) -> CachedLink | None:
        now = time.monotonic()
        entry = self._entries.get(code)
        if entry is not None and now - entry[1] < settings.ANALYTICS_LINK_CACHE_SECONDS:
            return entry[0]
        try:
            fresh = self._load(code)
        except DatabaseError:
            if not connection.in_atomic_block:
                connection.close()
            if entry is not None:
                return entry[0]
            raise
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        self._entries[code] = (fresh, now)
        return fresh

    def forget(self) -> None:
        self._entries.clear()

    @staticmethod
    def _load(code: str) -> CachedLink | None:
        link = (
            Link.objects.filter(code=code, deleted_at__isnull=True)
            .select_related("campaign", "neighbourhood")
            .first()
        )
        if link is None:
            return None
        if not target_allowed(link.target):
            logger.warning("Link %s points outside the allowed destinations: 404", code)
            return None
        return CachedLink(
            link_id=link.pk,
            location=redirect_url(link),
            kind=EventKind.SCAN if link.is_scan else EventKind.CLICK,
            channel=link.channel,
            neighbourhood=link.neighbourhood.slug if link.neighbourhood else "",
            campaign=link.campaign.slug if link.campaign else "",
        )


# --- Daily salts ----------------------------------------------------------------------------
class SaltBook:
    """Today's salt (Europe/Rome), read once a day per process."""

    RETRY_SECONDS = 60.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until = 0.0  # epoch seconds at which the cached salt stops being today's
        self._salt = b""

    def today(self, now: float) -> bytes:
        if now < self._until:
            return self._salt
        with self._lock:
            if now >= self._until:
                self._refresh(now)
            return self._salt

    def _refresh(self, now: float) -> None:
        from quartieri.analytics.upkeep import daily_salt

        moment = timezone.localtime(dt.datetime.fromtimestamp(now, tz=dt.UTC))
        tomorrow = moment.date() + dt.timedelta(days=1)
        day_end = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time.min)).timestamp()
        try:
            self._salt = daily_salt(day=moment.date())
            self._until = day_end
        except DatabaseError:
            if not connection.in_atomic_block:
                connection.close()
            # A salt of this process alone: its visitors may be counted twice today across
            # processes, never tied to anyone. Tried again in a minute.
            logger.warning("No daily salt from the database: a local one stands in")
            self._salt = os.urandom(16)
            self._until = min(day_end, now + self.RETRY_SECONDS)


# --- The edge ---------------------------------------------------------------------------------
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,119}")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?")
_UTM = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")


class Edge:
    """Answers the redirect and the beacon; everything else goes to ``app``."""

    def __init__(
        self,
        app: WSGIApp | None = None,
        *,
        buffer: EventBuffer | None = None,
        links: LinkCache | None = None,
        salts: SaltBook | None = None,
    ) -> None:
        self.app = app
        self._buffer = buffer
        self.links = links or LinkCache()
        self.salts = salts or SaltBook()

    @property
    def buffer(self) -> EventBuffer:
        # "is not None": an empty buffer is falsy (it has a length).
        return self._buffer if self._buffer is not None else event_buffer()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        answer = self.answer(environ)
        if answer is None:
            assert self.app is not None  # noqa: S101 (wrap() always gives one)
            return self.app(environ, start_response)
        start_response(answer.status, answer.headers)
        return [answer.body]

    def answer(self, environ: dict[str, Any]) -> Answer | None:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/l/"):
            return self.redirect(environ, path[3:].rstrip("/"))
        if path == "/a/pv":
            return self.beacon(environ)
        return None

    # --- /l/<code> ---------------------------------------------------------------------------
    def redirect(self, environ: dict[str, Any], code: str) -> Answer:
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in {"GET", "HEAD"}:
            return _text("405 Method Not Allowed", "GET only\n", [("Allow", "GET, HEAD")])
        if not CODE_PATTERN.fullmatch(code):
            return _text("404 Not Found", "No such link\n")
        try:
            link = self.links.get(code)
        except DatabaseError:
            return _text(
                "503 Service Unavailable", "Try again in a moment\n", [("Retry-After", "5")]
            )
        if link is None:
            return _text("404 Not Found", "No such link\n")
        if method == "GET":
            device, bot = client_class(environ.get("HTTP_USER_AGENT", ""))
            self.buffer.add(
                LinkHit(
                    at=time.time(),
                    link_id=link.link_id,
                    kind=link.kind,
                    channel=link.channel,
                    neighbourhood=link.neighbourhood,
                    campaign=link.campaign,
                    device=device,
                    country=country_from_language(environ.get("HTTP_ACCEPT_LANGUAGE", "")),
                    bot=bot,
                )
            )
        return Answer(
            "302 Found",
            [
                ("Location", link.location),
                ("Cache-Control", "no-store"),
                ("Content-Length", "0"),
            ],
        )

    # --- /a/pv (contract 2) -----------------------------------------------------------------------
    def beacon(self, environ: dict[str, Any]) -> Answer:
        origin = environ.get("HTTP_ORIGIN", "").rstrip("/").lower()
        if origin not in beacon_origins():
            return _text("403 Forbidden", "This site may not send page views here\n")
        cors = [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
        method = environ.get("REQUEST_METHOD", "")
        if method == "OPTIONS":
            return Answer(
                "204 No Content",
                [
                    *cors,
                    ("Access-Control-Allow-Methods", "POST"),
                    ("Access-Control-Allow-Headers", "Content-Type"),
                    ("Access-Control-Max-Age", "86400"),
                ],
            )
        if method != "POST":
            return _text("405 Method Not Allowed", "POST only\n", [("Allow", "POST, OPTIONS")])
        if environ.get("HTTP_DNT") == "1" or environ.get("HTTP_SEC_GPC") == "1":
            return Answer("204 No Content", cors)  # the visitor asked not to be counted
        problem = _beacon_problem(environ)
        if problem is not None:
            return problem
        body = _read_body(environ)
        if body is None:
            return _text("413 Content Too Large", "The body is too large\n")
        hit = self._page_hit(environ, body, origin)
        if isinstance(hit, Answer):
            return hit
        if hit is not None:
            self.buffer.add(hit)
        return Answer("204 No Content", [*cors, ("Cache-Control", "no-store")])

    def _page_hit(
        self, environ: dict[str, Any], body: bytes, origin: str
    ) -> PageHit | Answer | None:
        data = _beacon_data(body)
        if isinstance(data, Answer):
            return data
        page = urlsplit(data["u"])
        if f"{page.scheme}://{page.netloc}".lower() != origin:
            return _text("400 Bad Request", "u is not a page of the sending site\n")
        user_agent = environ.get("HTTP_USER_AGENT", "")
        device, bot = client_class(user_agent)
        if bot:
            return None  # bots are not visitors
        now = time.time()
        utm = dict(parse_qsl(page.query))
        referrer = urlsplit(data["r"]) if data["r"] else None
        return PageHit(
            at=now,
            neighbourhood=data["s"],
            language=data["l"],
            path=page.path or "/",
            referrer=(referrer.hostname or "")
            if referrer and referrer.scheme in {"http", "https"}
            else "",
            utm_source=utm.get("utm_source", "")[:100].lower(),
            utm_medium=utm.get("utm_medium", "")[:100].lower(),
            utm_campaign=utm.get("utm_campaign", "")[:200],
            utm_content=utm.get("utm_content", "")[:100],
            utm_term=utm.get("utm_term", "")[:100],
            device=device,
            country=country_from_language(environ.get("HTTP_ACCEPT_LANGUAGE", "")),
            visitor=visitor_key(
                salt=self.salts.today(now),
                address=client_address(environ),
                user_agent=user_agent,
            ),
        )


def beacon_origins() -> set[str]:
    own = urlsplit(settings.PUBLIC_URL)
    return {
        f"{own.scheme}://{own.netloc}".lower(),
        *(o.lower() for o in settings.ANALYTICS_SITE_ORIGINS),
    }


def client_address(environ: dict[str, Any]) -> str:
    """The client's address, read only to hash it: behind our proxy, the hop it added."""
    if settings.SECURE_PROXY_SSL_HEADER is not None:
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return str(forwarded.rsplit(",", 1)[-1].strip())
    return str(environ.get("REMOTE_ADDR", ""))


def _beacon_problem(environ: dict[str, Any]) -> Answer | None:
    content_type = environ.get("CONTENT_TYPE", "")
    kind, _sep, params = content_type.partition(";")
    charset = params.strip().lower()
    if kind.strip().lower() != "text/plain" or charset not in {"", "charset=utf-8"}:
        return _text("415 Unsupported Media Type", "Send text/plain;charset=UTF-8\n")
    length = environ.get("CONTENT_LENGTH") or ""
    if length and (not length.isdigit() or int(length) > settings.ANALYTICS_BEACON_MAX_BYTES):
        return _text("413 Content Too Large", "The body is too large\n")
    return None


def _read_body(environ: dict[str, Any]) -> bytes | None:
    limit = settings.ANALYTICS_BEACON_MAX_BYTES
    length = environ.get("CONTENT_LENGTH") or ""
    stream = environ["wsgi.input"]
    body = stream.read(int(length)) if length else stream.read(limit + 1)
    return None if len(body) > limit else bytes(body)


def _beacon_data(body: bytes) -> dict[str, str] | Answer:
    """The beacon's fields, checked: u (http(s) address), r, s (slug), l (language)."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _text("400 Bad Request", "The body is not JSON\n")
    if not isinstance(data, dict):
        return _text("400 Bad Request", "The body is not a JSON object\n")
    fields = {name: data.get(name, "") for name in ("u", "r", "s", "l")}
    for name, value in fields.items():
        if not isinstance(value, str):
            return _text("400 Bad Request", f"{name} is not a string\n")
    if urlsplit(fields["u"]).scheme not in {"http", "https"}:
        return _text("400 Bad Request", "u is not an http(s) address\n")
    if fields["s"] and not _SLUG.fullmatch(fields["s"]):
        return _text("400 Bad Request", "s is not a neighbourhood slug\n")
    if fields["l"] and not _LANGUAGE.fullmatch(fields["l"]):
        return _text("400 Bad Request", "l is not a language code\n")
    return fields


_edge: Edge | None = None


def wrap(app: WSGIApp) -> Edge:
    """The plug-in point of ``quartieri.wsgi``: this edge in front of Django."""
    global _edge
    _edge = Edge(app)
    event_buffer().start_if_spooled()
    return _edge


def shared_edge() -> Edge:
    """The process's edge (Django's fallback views use it when wsgi.py did not wrap)."""
    global _edge
    if _edge is None:
        _edge = Edge()
    return _edge
