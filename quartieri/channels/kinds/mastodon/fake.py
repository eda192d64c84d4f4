"""A local fake of a Mastodon server, speaking the documented REST contract with its limits.

What it checks and answers (docs.joinmastodon.org):

- ``POST /api/v1/statuses``: ``status`` (form or JSON) of at most ``max_characters`` (500,
  the documented default) counted as the server counts (every link 23 characters,
  ``characters_reserved_per_url``; a remote mention without its domain: ``rules.py``), at most
  ``max_media_attachments`` (4) of the token's own uploaded attachments, ``visibility``
  public|unlisted|private|direct; 422 ``{"error": "Validation failed: …"}`` otherwise. An
  ``Idempotency-Key`` seen from the same token within ``idempotency_seconds`` (one hour)
  returns the status it made, and makes none.
- ``POST /api/v2/media`` (multipart ``file``, ``description``): an image is processed at
  once (200), a video after ``processing_polls`` looks (202, then ``GET /api/v1/media/:id``
  answers 206 until ready, 200 after).
- ``GET /api/v1/statuses/:id``, ``GET /api/v1/accounts/verify_credentials``,
  ``GET /api/v1/accounts/:id/statuses`` (newest first; ``limit`` 20 by default, at most 40;
  ``max_id``; a ``Link: <…?max_id=…>; rel="next"`` header while older statuses remain).
- Every authenticated call counts against ``rate_limit`` calls per ``rate_window_seconds``
  (300 per 5 minutes, api/rate-limits), with ``X-RateLimit-Limit/Remaining/Reset`` headers;
  past it, 429. A token not in ``tokens`` (or expired with ``expire_token``) gets 401.

Faults (``inject``) as for every fake: a 500, a 429, a 401, a 422 with ``code`` as the
message, or the answer lost after the status was made (``TIMEOUT_AFTER_EFFECT``,
``DROP_AFTER_EFFECT``). Its clock for idempotency keys moves with ``advance(seconds=…)``.

Standalone: ``python -m quartieri.channels.kinds.mastodon.fake --port 8780``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from email import message_from_bytes
from typing import Any

from quartieri.channels.connectors.fakeserver import (
    FakeRequest,
    FakeResponse,
    FakeServer,
    Fault,
    FaultKind,
    Route,
    route,
    run_standalone,
)
from quartieri.channels.kinds.mastodon.rules import MAX_CHARACTERS, status_length

ACCOUNT_ID = "109000000000000001"
USERNAME = "comune"
TOKEN = "fake-mastodon-token"  # noqa: S105 (the fake's own test token)
_URL = re.compile(r"https?://\S+")  # what the fake's HTML of a status links
VISIBILITIES = ("public", "unlisted", "private", "direct")


@dataclass
class FakeStatus:
    id: str
    text: str
    visibility: str
    media_ids: list[str]
    created: float
    language: str = ""


@dataclass
class FakeMedia:
    id: str
    token: str
    filename: str
    size: int
    description: str
    kind: str  # image | video
    polls_left: int = 0
    attached: bool = False


@dataclass
class _Key:
    status_id: str
    at: float


class FakeMastodon(FakeServer):
    """One Mastodon server with one account (``ACCOUNT_ID``, ``@comune``)."""

    name = "mastodon"
    max_characters = MAX_CHARACTERS  # configuration.statuses.max_characters (entities/Instance)
    max_media_attachments = 4  # configuration.statuses.max_media_attachments
    idempotency_seconds = 3600.0  # "Idempotency keys are stored for up to 1 hour"
    rate_limit = 300  # api/rate-limits: 300 calls per account every 5 minutes
    rate_window_seconds = 300.0

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        processing_seconds: float = 0.0,
        processing_polls: int = 1,
    ) -> None:
        # processing_seconds: run_standalone's option; here processing counts the looks.
        self.processing_polls = processing_polls
        self.tokens: set[str] = {TOKEN}
        self.statuses: list[FakeStatus] = []
        self.uploads: dict[str, FakeMedia] = {}
        self.keys: dict[tuple[str, str], _Key] = {}
        self.clock_offset = 0.0
        self._calls: list[float] = []
        self._ids = itertools.count(int(ACCOUNT_ID) + 1000)
        super().__init__(host=host, port=port)

    # --- State seen by tests ---------------------------------------------------------------
    @property
    def posts(self) -> list[FakeStatus]:
        with self.lock:
            return list(self.statuses)

    def now(self) -> float:
        return time.time() + self.clock_offset

    def advance(self, *, seconds: float) -> None:
        """Move the fake's clock (idempotency keys, rate window) forward."""
        with self.lock:
            self.clock_offset += seconds

    def add_status(self, text: str, *, created: float | None = None) -> FakeStatus:
        """A status made outside quartieri (by a person on the server)."""
        with self.lock:
            status = FakeStatus(str(next(self._ids)), text, "public", [], created or self.now())
            self.statuses.append(status)
            return status

    # --- Routes -----------------------------------------------------------------------------
    def routes(self) -> Sequence[Route]:
        return [
            route("POST", r"/api/v1/statuses", self._create),
            route("GET", r"/api/v1/statuses/(?P<id>\d+)", self._get),
            route("POST", r"/api/v2/media", self._upload),
            route("GET", r"/api/v1/media/(?P<id>\d+)", self._media),
            route("GET", r"/api/v1/accounts/verify_credentials", self._me),
            route("GET", r"/api/v1/accounts/(?P<id>\d+)/statuses", self._list),
        ]

    def dispatch(self, request: FakeRequest) -> tuple[FakeResponse, Fault | None]:
        denied = self._gate(request)
        if denied is not None:
            with self.lock:
                self.requests.append(request)
            return denied, None
        response, fault = super().dispatch(request)
        for name, value in self._limit_headers().items():
            response.headers.setdefault(name, value)
        return response, fault

    def _gate(self, request: FakeRequest) -> FakeResponse | None:
        if request.path.startswith("/_sandbox"):
            return None
        token = request.bearer_token()
        with self.lock:
            if token not in self.tokens or not self.token_is_valid(token):
                return _error(401, "The access token is invalid")
            start = self.now() - self.rate_window_seconds
            self._calls = [at for at in self._calls if at > start]
            if len(self._calls) >= self.rate_limit:
                return FakeResponse(
                    429, {"error": "Too many requests"}, headers=self._limit_headers()
                )
            self._calls.append(self.now())
        return None

    def _limit_headers(self) -> dict[str, str]:
        with self.lock:
            oldest = min(self._calls, default=self.now())
            reset = dt.datetime.fromtimestamp(oldest + self.rate_window_seconds, tz=dt.UTC)
            return {
                "X-RateLimit-Limit": str(self.rate_limit),
                "X-RateLimit-Remaining": str(max(0, self.rate_limit - len(self._calls))),
                "X-RateLimit-Reset": reset.isoformat().replace("+00:00", "Z"),
            }

    def error_response(self, kind: FaultKind, fault: Fault | None = None) -> FakeResponse:
        if kind == FaultKind.RATE_LIMITED:
            headers = self._limit_headers()
            if fault is not None and fault.retry_after is not None:
                reset = dt.datetime.fromtimestamp(self.now() + fault.retry_after, tz=dt.UTC)
                headers["X-RateLimit-Reset"] = reset.isoformat().replace("+00:00", "Z")
            return FakeResponse(429, {"error": "Too many requests"}, headers=headers)
        if kind == FaultKind.TOKEN_EXPIRED:
            return _error(401, "The access token is invalid")
        if kind == FaultKind.PLATFORM_ERROR:
            status = fault.status if fault and fault.status else 422
            return _error(status, str(fault.code if fault else "Validation failed"))
        return _error(fault.status if fault and fault.status else 500, "Internal server error")

    # --- Statuses -----------------------------------------------------------------------------
    def _create(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        token = request.bearer_token()
        fields = _fields(request)
        key = request.headers.get("Idempotency-Key", "")
        with self.lock:
            known = self.keys.get((token, key)) if key else None
            if known is not None and self.now() - known.at <= self.idempotency_seconds:
                return FakeResponse(200, self._status_json(self._find(known.status_id)))
            refused = self._refusal(token, fields)
            if refused:
                return _error(422, f"Validation failed: {refused}")
            status = FakeStatus(
                id=str(next(self._ids)),
                text=fields.get("status", [""])[-1],
                visibility=fields.get("visibility", ["public"])[-1] or "public",
                media_ids=fields.get("media_ids[]", []),
                created=self.now(),
                language=fields.get("language", [""])[-1],
            )
            for media_id in status.media_ids:
                self.uploads[media_id].attached = True
            self.statuses.append(status)
            if key:
                self.keys[(token, key)] = _Key(status.id, self.now())
            return FakeResponse(200, self._status_json(status))

    def _refusal(self, token: str, fields: dict[str, list[str]]) -> str:
        text = fields.get("status", [""])[-1]
        media_ids = fields.get("media_ids[]", [])
        if not text.strip() and not media_ids:
            return "Text can't be blank"
        if self.counted_length(text) > self.max_characters:
            return f"Text character limit of {self.max_characters} exceeded"
        if len(media_ids) > self.max_media_attachments:
            return f"Media attachments can't be more than {self.max_media_attachments}"
        for media_id in media_ids:
            media = self.uploads.get(media_id)
            if media is None or media.token != token or media.attached or media.polls_left:
                return f"Media {media_id} is not an attachment of yours ready to post"
        visibility = fields.get("visibility", ["public"])[-1]
        if visibility and visibility not in VISIBILITIES:
            return f"Visibility {visibility} is not valid"
        return ""

    def counted_length(self, text: str) -> int:
        """Characters as the server counts them: every link 23, a remote mention without
        its domain (rules.status_length, the documented rule)."""
        return status_length(text)

    def _find(self, status_id: str) -> FakeStatus:
        return next(status for status in self.statuses if status.id == status_id)

    def _status_json(self, status: FakeStatus) -> dict[str, Any]:
        media = [self.uploads[media_id] for media_id in status.media_ids]
        return {
            "id": status.id,
            "created_at": _iso(status.created),
            "visibility": status.visibility,
            "language": status.language or None,
            "url": f"{self.url}/@{USERNAME}/{status.id}",
            "uri": f"{self.url}/users/{USERNAME}/statuses/{status.id}",
            # Mastodon answers HTML; links become anchors, so a marker is still in the text.
            "content": _html(status.text),
            "account": self._account_json(),
            "media_attachments": [
                {"id": m.id, "type": m.kind, "description": m.description or None} for m in media
            ],
        }

    def _get(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        with self.lock:
            found = [status for status in self.statuses if status.id == match["id"]]
            if not found:
                return _error(404, "Record not found")
            return FakeResponse(200, self._status_json(found[0]))

    def _list(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        if match["id"] != ACCOUNT_ID:
            return _error(404, "Record not found")
        limit = _int(request.param("limit"), 20)
        if not limit >= 1:
            return _error(422, "Validation failed: limit must be positive")
        limit = min(limit, 40)  # the server gives at most twice the default
        max_id = request.param("max_id")
        with self.lock:
            newest = sorted(self.statuses, key=lambda s: int(s.id), reverse=True)
            older = [s for s in newest if not max_id or int(s.id) < int(max_id)]
            page = older[:limit]
            body = [self._status_json(status) for status in page]
        headers = {}
        if len(older) > limit:
            after = f"{self.url}/api/v1/accounts/{ACCOUNT_ID}/statuses?limit={limit}&max_id={page[-1].id}"
            headers["Link"] = f'<{after}>; rel="next"'
        return FakeResponse(200, body, headers=headers)

    def _me(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        return FakeResponse(200, self._account_json())

    def _account_json(self) -> dict[str, Any]:
        return {
            "id": ACCOUNT_ID,
            "username": USERNAME,
            "acct": USERNAME,
            "url": f"{self.url}/@{USERNAME}",
        }

    # --- Media --------------------------------------------------------------------------------
    def _upload(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        parts = _multipart(request)
        file = parts.get("file")
        if file is None or not file[1]:
            return _error(422, "Validation failed: File can't be blank")
        filename, content = file
        kind = "video" if filename.lower().endswith((".mp4", ".mov", ".webm")) else "image"
        with self.lock:
            media = FakeMedia(
                id=str(next(self._ids)),
                token=request.bearer_token(),
                filename=filename,
                size=len(content),
                description=parts.get("description", ("", b""))[1].decode(),
                kind=kind,
                polls_left=self.processing_polls if kind == "video" else 0,
            )
            self.uploads[media.id] = media
            status = 202 if media.polls_left else 200
            return FakeResponse(status, self._media_json(media))

    def _media(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        with self.lock:
            media = self.uploads.get(match["id"])
            if media is None or media.token != request.bearer_token():
                return _error(404, "Record not found")
            if media.polls_left:
                media.polls_left -= 1
                return FakeResponse(206, None)
            return FakeResponse(200, self._media_json(media))

    def _media_json(self, media: FakeMedia) -> dict[str, Any]:
        ready = not media.polls_left
        return {
            "id": media.id,
            "type": media.kind,
            "url": f"{self.url}/media/{media.id}/{media.filename}" if ready else None,
            "description": media.description or None,
        }

    def sandbox_posts(self) -> list[dict[str, Any]]:
        return [
            {
                "id": status.id,
                "aliases": [],
                "account": ACCOUNT_ID,
                "kind": "status",
                "text": status.text,
                "media": [
                    {"url": "", "kind": self.uploads[m].kind, "alt": self.uploads[m].description}
                    for m in status.media_ids
                ],
                "options": {"visibility": status.visibility},
                "created": status.created,
                "status": "PUBLISHED",
            }
            for status in self.statuses
        ]


def _error(status: int, message: str) -> FakeResponse:
    return FakeResponse(status, {"error": message})


def _int(raw: str, default: int) -> int:
    try:
        return int(raw) if raw else default
    except ValueError:
        return default


def _iso(unix: float) -> str:
    return (
        dt.datetime.fromtimestamp(unix, tz=dt.UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def _html(text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
    return "".join(f"<p>{line}</p>" for line in linked.split("\n") if line)


def _fields(request: FakeRequest) -> dict[str, list[str]]:
    """A form (repeated keys for arrays) or a JSON body, as lists of values."""
    from urllib.parse import parse_qs

    if "application/json" in request.headers.get("Content-Type", ""):
        body = request.json()
        out: dict[str, list[str]] = {}
        for key, value in body.items():
            values = value if isinstance(value, list) else [value]
            out[f"{key}[]" if isinstance(value, list) else key] = [str(v) for v in values]
        return out
    return parse_qs(request.body.decode("utf-8"), keep_blank_values=True)


def _multipart(request: FakeRequest) -> dict[str, tuple[str, bytes]]:
    """The parts of a multipart/form-data body: name → (file name, bytes)."""
    content_type = request.headers.get("Content-Type", "")
    if "multipart/form-data" not in content_type:
        return {}
    message = message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + request.body)
    parts: dict[str, tuple[str, bytes]] = {}
    for part in message.walk():
        if part.is_multipart():
            continue
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str):
            content = payload if isinstance(payload, bytes) else b""
            parts[name] = (part.get_filename() or "", content)
    return parts


if __name__ == "__main__":
    run_standalone(FakeMastodon, sys.argv[1:])
