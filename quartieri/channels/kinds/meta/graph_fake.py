"""What the Instagram and Facebook fakes share: Meta's Graph envelope (platform-apis.md §3.4).

Errors come as ``{"error": {message, type, code, error_subcode, fbtrace_id}}``; every answer
can carry ``X-App-Usage`` / ``X-Business-Use-Case-Usage`` (set ``app_usage`` /
``business_usage``); ``/oauth/access_token`` exchanges a code (Facebook Login,
graph_login_fake.py) or a long-lived token.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import re
import time
from typing import Any
from urllib.parse import urlencode

from quartieri.channels.connectors.fakeserver import (
    FakeRequest,
    FakeResponse,
    FakeServer,
    Fault,
    FaultKind,
    Handler,
    Route,
    route,
)
from quartieri.channels.kinds.meta.graph import GRAPH_VERSION
from quartieri.channels.kinds.meta.graph_login_fake import MetaLoginFake

V = f"/{GRAPH_VERSION}"


class FakeGraph(MetaLoginFake, FakeServer):
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        processing_polls: int = 1,
        processing_seconds: float = 0.0,
        app_id: str = "fake-app",
        app_secret: str = "fake-app-secret",  # noqa: S107 (a fake's own secret)
    ) -> None:
        self.processing_polls = processing_polls
        self.processing_seconds = processing_seconds
        self.app_id, self.app_secret = app_id, app_secret
        self.app_usage: dict[str, int] | None = None
        self.business_usage: dict[str, Any] | None = None
        self.token_lifetime = 5_184_000  # what Meta answers for a long-lived token (§4)
        # Listings page by cursors (False) or by time (True): Graph does either (§3.5).
        self.time_paging = False
        self.ids = itertools.count(1)
        self._init_login()
        super().__init__(host=host, port=port)
        # Every Meta fake also answers Facebook Login (dialog, code grant, /me/accounts).
        self._routes = [*self.login_routes(), *self._routes]

    def dispatch(self, request: FakeRequest) -> tuple[FakeResponse, Fault | None]:
        response, fault = super().dispatch(request)
        if self.app_usage is not None:
            response.headers.setdefault("X-App-Usage", json.dumps(self.app_usage))
        if self.business_usage is not None:
            response.headers.setdefault(
                "X-Business-Use-Case-Usage", json.dumps(self.business_usage)
            )
        return response, fault

    def error_response(self, kind: FaultKind, fault: Fault | None = None) -> FakeResponse:
        headers = dict(fault.headers) if fault else {}
        if fault is not None and fault.retry_after is not None:
            headers["Retry-After"] = str(int(fault.retry_after))
        if kind == FaultKind.RATE_LIMITED:
            code = int(fault.code) if fault and fault.code else 4
            status = fault.status if fault and fault.status else 429
            return graph_error(
                status, code, "(#4) Application request limit reached", headers=headers
            )
        if kind == FaultKind.TOKEN_EXPIRED:
            return graph_error(400, 190, "Error validating access token: Session has expired", 463)
        if kind == FaultKind.PLATFORM_ERROR and fault is not None:
            code = int(fault.code or 100)
            return graph_error(
                fault.status or 400, code, f"(#{code}) refused", fault.subcode, headers=headers
            )
        return graph_error(500, 2, "An unexpected error has occurred. Please retry your request.")

    def authorized(self, handler: Handler) -> Handler:
        def wrapped(request: FakeRequest, match: re.Match[str]) -> FakeResponse:
            if not self.token_is_valid(request.bearer_token()):
                return graph_error(400, 190, "Invalid OAuth access token.", 467)
            return handler(request, match)

        return wrapped

    def oauth_route(self) -> Route:
        return route("GET", f"{V}/oauth/access_token", self._exchange)

    def _exchange(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        given = (request.param("client_id"), request.param("client_secret"))
        if given != (self.app_id, self.app_secret):
            return graph_error(400, 101, "Error validating application.")
        if request.param("code"):
            return self.code_grant(request)
        old = request.param("fb_exchange_token")
        if request.param("grant_type") != "fb_exchange_token" or not self.token_is_valid(old):
            return graph_error(400, 190, "Error validating access token", 463)
        token = f"fake-long-lived-{next(self.ids)}"
        with self.lock:
            if old in self.user_tokens:  # a long-lived user token is still a user token
                self.user_tokens.add(token)
        return FakeResponse(
            200, {"access_token": token, "token_type": "bearer", "expires_in": self.token_lifetime}
        )

    def processed(self, created: float, polls: int) -> bool:
        waited = time.monotonic() - created >= self.processing_seconds
        return waited and polls >= self.processing_polls


def graph_error(
    status: int,
    code: int,
    message: str,
    subcode: int | None = None,
    *,
    headers: dict[str, str] | None = None,
) -> FakeResponse:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "FakeTrace",
    }
    if subcode:
        error["error_subcode"] = subcode
    return FakeResponse(status, {"error": error}, headers or {})


def graph_time(unix: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(unix))


def graph_page(
    items: list[dict[str, Any]],
    request: FakeRequest,
    *,
    base_url: str,
    times: list[float] | None = None,
) -> FakeResponse:
    """One page of a Graph edge (newest first): ``limit`` items (default 25, at most 100).

    Cursor-based (``times`` None): after the ``after`` cursor, with ``paging.cursors`` and a
    ``paging.next`` address only when more items follow. Time-based (``times``: each item's
    creation, unix seconds): items made at or before ``until``, and after the item named by
    ``__paging_token`` (posts of the same second stay apart), with only a ``paging.next``
    carrying ``until`` and ``__paging_token``, no cursors (Graph "Paginated Results").
    """
    limit = int(request.param("limit") or 25)
    if not 1 <= limit <= 100:
        return graph_error(400, 100, "(#100) The parameter limit must be between 1 and 100")
    if times is not None:
        return _time_page(items, times, request, base_url=base_url, limit=limit)
    after = request.param("after")
    ids = [str(item["id"]) for item in items]
    start = 0
    if after:
        cursor = _uncursor(after)
        if cursor not in ids:
            return graph_error(400, 100, "(#100) Invalid cursor")
        start = ids.index(cursor) + 1
    page = items[start : start + limit]
    body: dict[str, Any] = {"data": page}
    if page:
        paging: dict[str, Any] = {
            "cursors": {"before": _cursor(ids[start]), "after": _cursor(ids[start + len(page) - 1])}
        }
        if start + limit < len(items):
            query = {k: v[-1] for k, v in request.query.items()} | {
                "after": paging["cursors"]["after"]
            }
            paging["next"] = f"{base_url}{request.path}?{urlencode(query)}"
        body["paging"] = paging
    return FakeResponse(200, body)


def _time_page(
    items: list[dict[str, Any]],
    times: list[float],
    request: FakeRequest,
    *,
    base_url: str,
    limit: int,
) -> FakeResponse:
    if request.param("after"):
        return graph_error(400, 100, "(#100) This edge is paged by time, not by cursor")
    until = request.param("until")
    token = _uncursor(request.param("__paging_token") or "")
    ids = [str(item["id"]) for item in items]
    start = ids.index(token) + 1 if token in ids else 0
    rest = [
        item
        for item, made in zip(items[start:], times[start:], strict=True)
        if not until or int(made) <= int(until)
    ]
    page = rest[:limit]
    body: dict[str, Any] = {"data": page}
    if len(rest) > limit:
        last = ids.index(str(page[-1]["id"]))
        query = {k: v[-1] for k, v in request.query.items()} | {
            "until": str(int(times[last])),
            "__paging_token": _cursor(ids[last]),
            "access_token": request.bearer_token(),  # Graph's next addresses carry it
        }
        body["paging"] = {"next": f"{base_url}{request.path}?{urlencode(query)}"}
    return FakeResponse(200, body)


def _cursor(item_id: str) -> str:
    return base64.urlsafe_b64encode(item_id.encode()).decode()


def _uncursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""
