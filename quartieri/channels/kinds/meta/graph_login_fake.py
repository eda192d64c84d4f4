"""Facebook Login on the Meta fakes: the dialog that answers at once, the code grant, Pages.

- ``GET /{version}/dialog/oauth`` checks ``client_id``, ``response_type=code``,
  ``redirect_uri`` and ``state``, then redirects straight back with ``code`` and ``state``;
  after ``refuse_next_authorization()`` with ``error=access_denied``,
  ``error_reason=user_denied`` and ``error_description`` (a person pressing "Cancel").
- ``/oauth/access_token`` with ``code`` (FakeGraph routes it here) gives a short-lived user
  token if the code is known and unused (any attempt spends it: "This authorization code has
  been used", code 100 / subcode 36009) and ``redirect_uri`` is identical (code 100).
- ``GET /me/accounts`` with a user token lists ``managed_pages`` with their Page tokens and,
  when the ``fields`` ask for it, each Page's ``instagram_business_account``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from quartieri.channels.connectors.fakeserver import FakeRequest, FakeResponse, Route, route
from quartieri.channels.kinds.meta.graph import GRAPH_VERSION

V = f"/{GRAPH_VERSION}"
SECOND_PAGE_ID = "104000000000777"  # a Page with no Instagram account linked


@dataclass
class FakeMetaCode:
    redirect_uri: str
    scope: str
    used: bool = False


def _error(status: int, code: int, message: str, subcode: int | None = None) -> FakeResponse:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "FakeTrace",
    }
    if subcode:
        error["error_subcode"] = subcode
    return FakeResponse(status, {"error": error})


def _redirect(url: str, params: dict[str, str]) -> FakeResponse:
    separator = "&" if "?" in url else "?"
    return FakeResponse(302, None, {"Location": f"{url}{separator}{urlencode(params)}"})


class MetaLoginFake:
    """Mixed into FakeGraph, which provides the attributes declared here."""

    lock: Any
    app_id: str
    ids: itertools.count[int]

    def _init_login(self) -> None:
        self.login_codes: dict[str, FakeMetaCode] = {}
        self.user_tokens: set[str] = set()
        self.short_token_lifetime = 3600  # the fake's choice for a short-lived token (~1-2 h, §4)
        # The Pages the person logging in manages (None: the defaults of login_pages()).
        self.managed_pages: list[dict[str, Any]] | None = None
        self._login_refusals: list[str] = []

    def refuse_next_authorization(self, error: str = "access_denied") -> None:
        with self.lock:
            self._login_refusals.append(error)

    def login_routes(self) -> Sequence[Route]:
        return [
            route("GET", f"{V}/dialog/oauth", self._dialog),
            route("GET", f"{V}/me/accounts", self._accounts),
        ]

    def login_pages(self) -> list[dict[str, Any]]:
        if self.managed_pages is None:
            # The Page the Facebook fake publishes to, linked to the Instagram fake's user.
            page_id = str(getattr(self, "page_id", "104000000000001"))
            ig_user = str(getattr(self, "ig_user", "17841400000000001"))
            self.managed_pages = [
                {
                    "id": page_id,
                    "name": "Comune di Milano",
                    "tasks": ["CREATE_CONTENT", "MANAGE", "MODERATE", "ANALYZE"],
                    "instagram_business_account": {"id": ig_user, "username": "comunemilano"},
                },
                {"id": SECOND_PAGE_ID, "name": "Biblioteca di Baggio", "tasks": ["CREATE_CONTENT"]},
            ]
        return self.managed_pages

    def _dialog(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        if request.param("client_id") != self.app_id:
            return _error(400, 101, "Error validating application. Invalid application ID.")
        redirect_uri, state = request.param("redirect_uri"), request.param("state")
        if request.param("response_type", "code") != "code" or not redirect_uri:
            return _error(400, 100, "Invalid redirect_uri or response_type")
        with self.lock:
            refusal = self._login_refusals.pop(0) if self._login_refusals else ""
            code = f"fake-meta-code-{next(self.ids)}"
            if not refusal:
                self.login_codes[code] = FakeMetaCode(redirect_uri, request.param("scope"))
        if refusal:
            return _redirect(
                redirect_uri,
                {
                    "error": refusal,
                    "error_code": "200",
                    "error_description": "Permissions error",
                    "error_reason": "user_denied",
                    "state": state,
                },
            )
        return _redirect(redirect_uri, {"code": code, "state": state})

    def code_grant(self, request: FakeRequest) -> FakeResponse:
        """``/oauth/access_token`` with ``code`` (client already checked by FakeGraph)."""
        with self.lock:
            code = self.login_codes.get(request.param("code"))
            if code is None:
                return _error(400, 100, "Invalid verification code format.")
            if code.used:
                return _error(400, 100, "This authorization code has been used.", 36009)
            code.used = True
            if request.param("redirect_uri") != code.redirect_uri:
                return _error(
                    400,
                    100,
                    "Error validating verification code. Please make sure your redirect_uri "
                    "is identical to the one you used in the OAuth dialog request",
                    36008,
                )
            token = f"fake-user-short-{next(self.ids)}"
            self.user_tokens.add(token)
        body = {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": self.short_token_lifetime,
        }
        return FakeResponse(200, body)

    def _accounts(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        token = request.bearer_token()
        with self.lock:
            known = token in self.user_tokens and token not in getattr(self, "expired_tokens", ())
        if not known:
            return _error(400, 190, "Invalid OAuth access token - Cannot parse access token", 467)
        with_instagram = "instagram_business_account" in request.param("fields")
        data = []
        for page in self.login_pages():
            item = {
                key: value for key, value in page.items() if key != "instagram_business_account"
            }
            item["access_token"] = f"fake-page-token-{page['id']}"
            if with_instagram and "instagram_business_account" in page:
                item["instagram_business_account"] = page["instagram_business_account"]
            data.append(item)
        return FakeResponse(
            200, {"data": data, "paging": {"cursors": {"before": "b", "after": "a"}}}
        )
