"""Login Kit on the TikTok fake: an authorize page that answers at once, and the code grant.

``GET /v2/auth/authorize/`` checks ``client_key``, ``response_type=code``, ``redirect_uri``,
``state`` and the PKCE challenge (``S256``), then redirects straight back (no login page)
with ``code``, ``scopes`` and ``state``; after ``refuse_next_authorization()`` it redirects
with ``error=access_denied`` instead, as when a person presses "Cancel". The token endpoint's
``grant_type=authorization_code`` checks, like TikTok, that the code exists and is unused
(a code is spent by any attempt), that ``redirect_uri`` is the same, and that the
``code_verifier`` matches the challenge; errors use the OAuth body ``{error,
error_description, log_id}``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from quartieri.channels.connectors.authorize import pkce_challenge
from quartieri.channels.connectors.fakeserver import FakeRequest, FakeResponse, Route, route


@dataclass
class FakeCode:
    redirect_uri: str
    challenge: str
    scopes: str
    used: bool = False


def oauth_error(status: int, error: str, description: str) -> FakeResponse:
    body = {"error": error, "error_description": description, "log_id": "fake"}
    return FakeResponse(status, body)


def redirect_to(url: str, params: dict[str, str]) -> FakeResponse:
    separator = "&" if "?" in url else "?"
    return FakeResponse(302, None, {"Location": f"{url}{separator}{urlencode(params)}"})


class TikTokLoginFake:
    """Mixed into FakeTikTok, which provides the attributes declared here."""

    lock: Any
    client_key: str
    refresh_tokens: set[str]
    token_lifetime: int
    refresh_lifetime: int
    _ids: itertools.count[int]

    def _init_login(self) -> None:
        self.codes: dict[str, FakeCode] = {}
        self.open_id = "fake-open-id"
        self._refusals: list[str] = []

    def refuse_next_authorization(self, error: str = "access_denied") -> None:
        with self.lock:
            self._refusals.append(error)

    def login_routes(self) -> Sequence[Route]:
        return [route("GET", "/v2/auth/authorize/", self._authorize)]

    def _authorize(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        if request.param("client_key") != self.client_key:
            return oauth_error(400, "invalid_client", "client_key is unknown")
        redirect_uri, state = request.param("redirect_uri"), request.param("state")
        challenge = request.param("code_challenge")
        if request.param("response_type") != "code" or not redirect_uri or not state:
            return oauth_error(400, "invalid_request", "response_type, redirect_uri, state")
        if challenge and request.param("code_challenge_method") != "S256":
            return oauth_error(400, "invalid_request", "code_challenge_method must be S256")
        with self.lock:
            refusal = self._refusals.pop(0) if self._refusals else ""
            code = f"fake-code-{next(self._ids)}"
            if not refusal:
                self.codes[code] = FakeCode(redirect_uri, challenge, request.param("scope"))
        if refusal:
            description = "The user denied the authorization."
            return redirect_to(
                redirect_uri, {"error": refusal, "error_description": description, "state": state}
            )
        return redirect_to(
            redirect_uri, {"code": code, "scopes": request.param("scope"), "state": state}
        )

    def authorization_code_grant(self, form: dict[str, str]) -> FakeResponse:
        with self.lock:
            code = self.codes.get(form.get("code", ""))
            if code is None or code.used:
                return oauth_error(400, "invalid_grant", "Authorization code is expired or used.")
            code.used = True
            if form.get("redirect_uri") != code.redirect_uri:
                return oauth_error(400, "invalid_grant", "redirect_uri does not match.")
            verifier = form.get("code_verifier", "")
            if code.challenge and (not verifier or pkce_challenge(verifier) != code.challenge):
                return oauth_error(
                    400, "invalid_request", "Code verifier or code challenge is invalid."
                )
            number = next(self._ids)
            self.refresh_tokens.add(f"fake-refresh-{number}")
        return FakeResponse(
            200,
            {
                "access_token": f"fake-access-{number}",
                "expires_in": self.token_lifetime,
                "refresh_token": f"fake-refresh-{number}",
                "refresh_expires_in": self.refresh_lifetime,
                "open_id": self.open_id,
                "scope": code.scopes,
                "token_type": "Bearer",
            },
        )
