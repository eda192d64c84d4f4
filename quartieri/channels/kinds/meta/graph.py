"""What the Instagram and Facebook connectors share: Meta's Graph API (platform-apis.md §2, §3).

- ``graph_classify``: the error envelope ``error.{message, type, code, error_subcode,
  error_user_title, error_user_msg, fbtrace_id}`` mapped onto the connector errors (§3.4);
- usage headers ``X-App-Usage`` / ``X-Business-Use-Case-Usage``: above 90 % of any counter
  the next call backs off (pre-emptively, nothing sent), as Mixpost does (§5.2). A
  successful answer is never turned into an error: that would hide a post that exists;
- ``GraphConnector``: the HTTP plumbing (token in the Authorization header, never in URLs)
  and the long-lived token exchange ``grant_type=fb_exchange_token`` (§4).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from quartieri.channels.connectors.base import (
    AccountAuth,
    AppCredentials,
    Connector,
    MaybeSubmitted,
    PermanentError,
    RateLimited,
    RecentPage,
    RecentPost,
    RetryableError,
    TokenExpired,
    TokenSet,
)
from quartieri.channels.connectors.http import (
    http_client,
    http_send,
    json_body,
    retry_after_seconds,
)

GRAPH_VERSION = "v25.0"  # the reference version of platform-apis.md §2
USAGE_LIMIT_PERCENT = 90
# Posts per page when listing an edge (the Graph API's default is 25).
GRAPH_PAGE_LIMIT = 25

# Throttling codes (§3.4): back off, the request did nothing.
RATE_LIMIT_SCOPES: dict[int, str] = {4: "app", 17: "user", 32: "page", 613: "custom", 341: "app"}
BUSINESS_USE_CASE_CODES = range(80001, 80015)  # 80001 Pages, 80002 Instagram, …
TOKEN_CODES = {190, 102}  # 190 with subcodes 458-467: invalid, expired, revoked
TRANSIENT_CODES = {1, 2}

_RECONNECT = _("Reconnect the account in quartieri and accept every permission asked.")
PERMISSION_ERROR = (
    _("The account did not give quartieri permission to do this."),
    _RECONNECT,
)
COMMON_PERMANENT: dict[int, tuple[Any, Any]] = {
    368: (
        _("Meta has temporarily blocked this account from posting for a policy reason."),
        _("Check the account's quality status in Meta Business Suite before posting again."),
    ),
    506: (
        _("Meta refused the post as a duplicate of one just published."),
        _("Check the account: the post is probably already there. Do not post it again."),
    ),
}

# Extra mapping a platform can add: (code, subcode) -> error or None.
Extra = Callable[[int, int, str], Exception | None]


def graph_classify(
    response: httpx.Response,
    *,
    creates: bool,
    publish_id: str = "",
    extra: Extra | None = None,
) -> Exception:
    """The connector error for a failed Graph answer."""
    error = json_body(response).get("error")
    error = error if isinstance(error, dict) else {}
    code, subcode = _int(error.get("code")), _int(error.get("error_subcode"))
    detail = (
        f"HTTP {response.status_code} code={code} subcode={subcode} "
        f"{error.get('type', '')}: {error.get('message', '')} "
        f"(user message: {error.get('error_user_msg', '')}; fbtrace_id {error.get('fbtrace_id', '')})"
    )
    found = extra(code, subcode, detail) if extra else None
    if found is not None:
        return found
    if response.status_code == 429 or code in RATE_LIMIT_SCOPES or code in BUSINESS_USE_CASE_CODES:
        scope = RATE_LIMIT_SCOPES.get(code, "business" if code else "app")
        wait = retry_after_seconds(response) or regain_seconds(response.headers)
        return RateLimited(detail, retry_after_seconds=wait, scope=scope)
    if code in TOKEN_CODES:
        return TokenExpired(detail)
    if code == 10 or 200 <= code <= 299:
        return PermanentError(reason=PERMISSION_ERROR[0], action=PERMISSION_ERROR[1], detail=detail)
    if code in COMMON_PERMANENT:
        reason, action = COMMON_PERMANENT[code]
        return PermanentError(reason=reason, action=action, detail=detail)
    if response.status_code >= 500 or code in TRANSIENT_CODES:
        return MaybeSubmitted(detail, publish_id=publish_id) if creates else RetryableError(detail)
    return PermanentError(
        reason=_("Meta refused the request."),
        action=_("Check the post and the account; the technical detail is in the log."),
        detail=detail,
    )


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


# --- Usage headers ----------------------------------------------------------------------------
def usage_percent(headers: Mapping[str, str]) -> tuple[float, str]:
    """The highest usage counter in the answer's headers and the scope it belongs to."""
    highest, scope = 0.0, ""
    app = _json_header(headers, "X-App-Usage")
    if isinstance(app, dict):
        highest, scope = max((highest, scope), (_max_counter(app), "app"))
    business = _json_header(headers, "X-Business-Use-Case-Usage")
    if isinstance(business, dict):
        for entries in business.values():
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict):
                    highest, scope = max((highest, scope), (_max_counter(entry), "business"))
    return highest, scope


def regain_seconds(headers: Mapping[str, str]) -> float | None:
    """``estimated_time_to_regain_access`` (minutes, Business Use Case header) in seconds."""
    business = _json_header(headers, "X-Business-Use-Case-Usage")
    minutes = [
        float(entry.get("estimated_time_to_regain_access") or 0)
        for entries in (business.values() if isinstance(business, dict) else [])
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, dict)
    ]
    return max(minutes) * 60 if minutes and max(minutes) > 0 else None


def _json_header(headers: Mapping[str, str], name: str) -> object:
    raw = headers.get(name)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _max_counter(entry: dict[str, Any]) -> float:
    counters = ("call_count", "total_time", "total_cputime")
    return max(float(entry.get(name) or 0) for name in counters)


def parse_graph_time(value: object) -> datetime | None:
    """Graph timestamps look like ``2026-11-26T15:00:00+0000``."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.strptime(re.sub(r"Z$", "+0000", value), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None


def next_page_params(paging: Mapping[str, Any], params: dict[str, Any]) -> dict[str, Any] | None:
    """The parameters of the next page of an edge, None at its end (no ``paging.next``).

    Cursor paging gives ``paging.cursors.after``; time paging only a ``paging.next`` address
    whose query holds ``until`` (or ``since``) and a ``__paging_token``. Both are taken from
    that address, keeping our own parameters; its access token is dropped (ours goes in the
    Authorization header, never in a URL). A ``next`` that names neither a cursor nor a time
    would read the same page again: it ends the list.
    """
    address = paging.get("next")
    if not address or not isinstance(address, str):
        return None
    given = {k: v[-1] for k, v in parse_qs(urlsplit(address).query).items()}
    given.pop("access_token", None)
    after = (paging.get("cursors") or {}).get("after") or given.get("after")
    if after:
        given["after"] = after
    if not given.keys() & {"after", "until", "since", "__paging_token"}:
        return None
    following = params | given
    return None if following == params else following


# --- The shared connector base --------------------------------------------------------------
class GraphConnector(Connector):
    """HTTP plumbing and token exchange for connectors on graph.facebook.com."""

    def __init__(
        self,
        *,
        auth: AccountAuth,
        app: AppCredentials | None = None,
        base_url: str | None = None,
        timeout: httpx.Timeout | None = None,
    ) -> None:
        if not auth.account_id:
            raise ImproperlyConfigured(f"{self.display_name} needs the account id in AccountAuth")
        self.auth = auth
        self.app = app
        self.client = http_client(base_url=base_url or settings.META_GRAPH_URL, timeout=timeout)
        # Set when an answer showed usage above the limit; read by the outbox to pause.
        self.backoff: RateLimited | None = None
        self._backoff_until = 0.0

    def close(self) -> None:
        self.client.close()

    def extra_errors(self, code: int, subcode: int, detail: str) -> Exception | None:
        return None

    def graph(
        self,
        method: str,
        path: str,
        *,
        creates: bool = False,
        publish_id: str = "",
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        self._check_backoff()
        response = http_send(
            self.client,
            method,
            f"/{GRAPH_VERSION}/{path.lstrip('/')}",
            creates=creates,
            publish_id=publish_id,
            params=params,
            data=data,
            headers={"Authorization": f"Bearer {self.auth.access_token}"},
        )
        self._note_usage(response)
        body = json_body(response)
        if response.is_success and "error" not in body:
            return body
        raise graph_classify(
            response, creates=creates, publish_id=publish_id, extra=self.extra_errors
        )

    def recent_pages(
        self, path: str, params: dict[str, Any], *, text: str, created: str, permalink: str
    ) -> Iterator[RecentPage]:
        """Read an edge of posts page by page, newest first, while the answer has a
        ``paging.next``. Graph pages an edge either by cursors (``paging.cursors.after``) or
        by time (``paging.next`` carrying ``until``/``since`` and no cursors): the next
        request takes the parameters ``paging.next`` names ("Paginated Results" guide)."""
        params = {"limit": GRAPH_PAGE_LIMIT} | params
        while True:
            body = self.graph("GET", path, params=params)
            items = [item for item in body.get("data", []) if isinstance(item, dict)]
            paging = body.get("paging") or {}
            following = next_page_params(paging, params)
            yield (
                [
                    RecentPost(
                        platform_post_id=str(item.get("id", "")),
                        text=str(item.get(text, "")),
                        created_at=parse_graph_time(item.get(created)),
                        permalink=str(item.get(permalink, "")),
                    )
                    for item in items
                ],
                following is not None,
            )
            if following is None:
                return
            params = following

    def _check_backoff(self) -> None:
        if self.backoff is not None and time.monotonic() < self._backoff_until:
            raise self.backoff

    def _note_usage(self, response: httpx.Response) -> None:
        percent, scope = usage_percent(response.headers)
        if percent <= USAGE_LIMIT_PERCENT:
            return
        wait = regain_seconds(response.headers)
        self.backoff = RateLimited(
            f"usage {percent:.0f}% of the {scope} limit",
            retry_after_seconds=wait,
            scope=scope,
        )
        # Without a time from Meta the connector stays paused for the rest of its life.
        self._backoff_until = time.monotonic() + (wait if wait is not None else float("inf"))

    def refresh(self, *, refresh_token: str) -> TokenSet:
        """Exchange a long-lived token for a new one (Meta has no separate refresh token).

        ``refresh_token`` is the current long-lived token; it must still be valid (§4).
        Page tokens made from a long-lived user token do not expire and need no refresh.
        """
        if self.app is None:
            raise ImproperlyConfigured("Refreshing Meta tokens needs the app id and secret")
        response = http_send(
            self.client,
            "GET",
            f"/{GRAPH_VERSION}/oauth/access_token",
            creates=False,
            params={
                "grant_type": "fb_exchange_token",
                "client_id": self.app.client_id,
                "client_secret": self.app.client_secret,
                "fb_exchange_token": refresh_token,
            },
        )
        body = json_body(response)
        if not response.is_success or "access_token" not in body:
            raise graph_classify(response, creates=False)
        return TokenSet.from_response(
            access_token=str(body["access_token"]), expires_in=body.get("expires_in")
        )
