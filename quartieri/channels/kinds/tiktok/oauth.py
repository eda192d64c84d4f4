"""TikTok Login Kit v2: the authorization-code flow with PKCE (platform-apis.md §1.8).

The browser goes to ``{TIKTOK_AUTH_URL}/v2/auth/authorize/`` with ``client_key``, ``scope``
(comma-separated), ``response_type=code``, ``redirect_uri``, ``state`` and the PKCE
``code_challenge`` / ``code_challenge_method=S256``; TikTok sends it back to the redirect URI
with ``code`` and ``state`` (or ``error`` / ``error_description``). The code is exchanged at
``POST /v2/oauth/token/`` (form-encoded, ``grant_type=authorization_code`` with ``code``,
``redirect_uri`` and ``code_verifier``); the answer carries ``access_token``, ``expires_in``,
``refresh_token``, ``refresh_expires_in``, ``open_id`` and ``scope`` (§1.8). The authorize
URL and its parameters are from TikTok's "Login Kit for Web" guide, not platform-apis.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings

from quartieri.channels.base import ConnectGrant, ManagedPage, PageFit
from quartieri.channels.connectors.authorize import AuthorizationError, url_with_query
from quartieri.channels.connectors.base import (
    AppCredentials,
    RateLimited,
    RetryableError,
    TokenSet,
)
from quartieri.channels.connectors.http import (
    http_client,
    http_send,
    json_body,
    retry_after_seconds,
)

AUTHORIZE_PATH = "/v2/auth/authorize/"
TOKEN_PATH = "/v2/oauth/token/"  # noqa: S105 (a path, not a secret)
# Direct Post needs video.publish (§1.1); reconcile reads /v2/video/list/ (video.list);
# user.info.basic is Login Kit's base scope. video.upload (inbox drafts) is not used.
SCOPES = ("user.info.basic", "video.publish", "video.list")


@dataclass(frozen=True)
class TikTokGrant:
    tokens: TokenSet
    open_id: str  # the account's id for this app: stored as the credential's external_id


def authorize_url(
    *,
    client_key: str,
    redirect_uri: str,
    state: str,
    code_challenge: str,
    scopes: tuple[str, ...] = SCOPES,
    base_url: str | None = None,
) -> str:
    params = {
        "client_key": client_key,
        "scope": ",".join(scopes),
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    return url_with_query(base_url or settings.TIKTOK_AUTH_URL, AUTHORIZE_PATH, params)


def exchange_code(
    *,
    app: AppCredentials,
    code: str,
    redirect_uri: str,
    code_verifier: str,
    base_url: str | None = None,
    timeout: httpx.Timeout | None = None,
) -> TikTokGrant:
    """Trade the callback's code for tokens; ``AuthorizationError`` when TikTok refuses."""
    form = {
        "client_key": app.client_id,
        "client_secret": app.client_secret,
        "code": code,
        "grant_type": "authorization_code",
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    with http_client(base_url=base_url or settings.TIKTOK_API_URL, timeout=timeout) as client:
        # Not "creates": a lost answer leaves a spent code, never a post.
        response = http_send(client, "POST", TOKEN_PATH, creates=False, data=form)
    body = json_body(response)
    if response.is_success and not body.get("error") and "access_token" in body:
        return TikTokGrant(tokens=token_set(body), open_id=str(body.get("open_id", "")))
    raise _refusal(response, body)


def token_set(body: dict[str, Any]) -> TokenSet:
    """The token answer of ``/v2/oauth/token/`` (code or refresh), lifetimes as given (§4)."""
    return TokenSet.from_response(
        access_token=str(body["access_token"]),
        refresh_token=str(body.get("refresh_token", "")),
        expires_in=body.get("expires_in"),
        refresh_expires_in=body.get("refresh_expires_in"),
        scopes=tuple(s for s in str(body.get("scope", "")).split(",") if s),
    )


def _refusal(response: httpx.Response, body: dict[str, Any]) -> Exception:
    # The OAuth endpoints answer {error, error_description, log_id} (TikTok's OAuth error doc).
    code = str(body.get("error", "")) or f"http_{response.status_code}"
    description = str(body.get("error_description", ""))
    detail = f"HTTP {response.status_code} {code}: {description} (log_id {body.get('log_id', '')})"
    if response.status_code == 429:
        return RateLimited(detail, retry_after_seconds=retry_after_seconds(response), scope="app")
    if response.status_code >= 500:
        return RetryableError(detail)
    return AuthorizationError(detail, code=code, description=description)


class TikTokLogin:
    """TikTok's ``OAuthFlavour``: PKCE, and the tokens belong to the account at once."""

    login = "tiktok"
    key_settings = "QUARTIERI_TIKTOK_CLIENT_KEY / QUARTIERI_TIKTOK_CLIENT_SECRET"
    uses_pkce = True
    chooses_page = False

    def authorize_url(
        self, *, client_id: str, redirect_uri: str, state: str, code_challenge: str, slug: str
    ) -> str:
        return authorize_url(
            client_key=client_id,
            redirect_uri=redirect_uri,
            state=state,
            code_challenge=code_challenge,
        )

    def exchange(
        self,
        *,
        app: AppCredentials,
        code: str,
        redirect_uri: str,
        code_verifier: str,
        timeout: httpx.Timeout | None,
    ) -> ConnectGrant:
        grant = exchange_code(
            app=app,
            code=code,
            redirect_uri=redirect_uri,
            code_verifier=code_verifier,
            timeout=timeout,
        )
        return ConnectGrant(tokens=grant.tokens, external_id=grant.open_id)

    def pages(
        self, *, app: AppCredentials, user_token: str, timeout: httpx.Timeout | None
    ) -> Sequence[ManagedPage]:
        return []  # the token is the account's: there is no page to choose

    def page_fit(self, *, page: ManagedPage, slug: str) -> PageFit:
        return PageFit(external_id="")


LOGIN = TikTokLogin()
