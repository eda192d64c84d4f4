"""Facebook Login for Instagram and Facebook Pages: code → user token → Page token (§2, §3.1, §4).

1. The browser goes to the Login dialog ``{META_DIALOG_URL}/{version}/dialog/oauth`` with
   ``client_id``, ``redirect_uri``, ``state``, ``scope`` and ``response_type=code``; Meta sends
   it back with ``code`` and ``state`` (or ``error=access_denied``, ``error_reason``,
   ``error_description``). The dialog URL and its parameters are from Meta's "Manually Build
   a Login Flow" guide, not platform-apis.md.
2. ``GET /oauth/access_token`` with ``client_id``, ``client_secret``, ``redirect_uri`` and
   ``code`` gives a short-lived user token (~1–2 h, §4), exchanged at once for a long-lived
   one (``grant_type=fb_exchange_token``, ``expires_in`` ≈ 60 days, §4).
3. ``GET /me/accounts`` lists the Pages the person manages with their Page tokens (§3.1);
   field expansion ``instagram_business_account{id,username}`` gives each Page's linked
   Instagram professional account, whose id is what the Instagram API publishes to (§2.1).

A Page token made from a long-lived user token does not expire (§3.1, §4): it is what is
stored, without a refresh token; a 190 later means a person must reconnect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from quartieri.channels.base import ConnectGrant, ManagedPage, PageFit
from quartieri.channels.connectors.authorize import AuthorizationError, url_with_query
from quartieri.channels.connectors.base import (
    AppCredentials,
    RateLimited,
    RetryableError,
    TokenSet,
)
from quartieri.channels.connectors.http import http_client, http_send, json_body
from quartieri.channels.kinds.meta.graph import GRAPH_VERSION, graph_classify
from quartieri.channels.registry import Platform

# Permissions asked in the dialog: publishing and reading back posts, and listing Pages.
SCOPES: dict[str, tuple[str, ...]] = {
    # §3.1: posts, photos and videos on a Page; pages_show_list for /me/accounts.
    "facebook": ("pages_show_list", "pages_manage_posts", "pages_read_engagement", "publish_video"),
    # §2: Facebook Login for Business with an Instagram professional account.
    "instagram": (
        "instagram_basic",
        "instagram_content_publish",
        "pages_show_list",
        "pages_read_engagement",
    ),
}
PAGE_FIELDS = "id,name,access_token,tasks,instagram_business_account{id,username}"
MAX_PAGE_REQUESTS = 10  # 10 × 100 Pages: more than any office manages


@dataclass(frozen=True)
class MetaPage:
    """One Facebook Page the person manages, with its token and linked Instagram account."""

    id: str
    name: str
    access_token: str = field(repr=False)
    tasks: tuple[str, ...] = ()
    instagram_id: str = ""
    instagram_username: str = ""


def dialog_url(
    *, app_id: str, redirect_uri: str, state: str, platform: str, base_url: str | None = None
) -> str:
    params = {
        "client_id": app_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "scope": ",".join(SCOPES[platform]),
        "response_type": "code",
    }
    base = base_url or settings.META_DIALOG_URL
    return url_with_query(base, f"/{GRAPH_VERSION}/dialog/oauth", params)


class MetaLogin:
    """The server-side calls of the flow, on one HTTP client (close it, or use ``with``)."""

    def __init__(
        self,
        *,
        app: AppCredentials,
        base_url: str | None = None,
        timeout: httpx.Timeout | None = None,
    ) -> None:
        self.app = app
        self.client = http_client(base_url=base_url or settings.META_GRAPH_URL, timeout=timeout)

    def __enter__(self) -> MetaLogin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def _get(self, path: str, params: dict[str, str], token: str = "") -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        url = f"/{GRAPH_VERSION}/{path.lstrip('/')}"
        response = http_send(self.client, "GET", url, creates=False, params=params, headers=headers)
        body = json_body(response)
        if response.is_success and "error" not in body:
            return body
        raise _refusal(response, body)

    def exchange_code(self, *, code: str, redirect_uri: str) -> TokenSet:
        """The callback's code → a short-lived user token (the redirect URI must be identical)."""
        body = self._get(
            "oauth/access_token", {**self._app_params(), "redirect_uri": redirect_uri, "code": code}
        )
        return _token_set(body)

    def long_lived(self, *, token: str) -> TokenSet:
        """A short-lived user token → a long-lived one (§4)."""
        params = {
            **self._app_params(),
            "grant_type": "fb_exchange_token",
            "fb_exchange_token": token,
        }
        return _token_set(self._get("oauth/access_token", params))

    def pages(self, *, user_token: str) -> list[MetaPage]:
        """Every Page the person manages (following Graph's cursor paging)."""
        pages: list[MetaPage] = []
        params = {"fields": PAGE_FIELDS, "limit": "100"}
        for _request in range(MAX_PAGE_REQUESTS):
            body = self._get("me/accounts", params, token=user_token)
            pages += [_page(item) for item in body.get("data", []) if isinstance(item, dict)]
            after = _next_cursor(body)
            if not after:
                break
            params = {**params, "after": after}
        return pages

    def _app_params(self) -> dict[str, str]:
        return {"client_id": self.app.client_id, "client_secret": self.app.client_secret}


def _token_set(body: dict[str, Any]) -> TokenSet:
    if "access_token" not in body:
        raise AuthorizationError("no access_token in Meta's answer", code="no_token")
    return TokenSet.from_response(
        access_token=str(body["access_token"]), expires_in=body.get("expires_in")
    )


def _page(item: dict[str, Any]) -> MetaPage:
    instagram = _dict(item.get("instagram_business_account"))
    return MetaPage(
        id=str(item.get("id", "")),
        name=str(item.get("name", "")),
        access_token=str(item.get("access_token", "")),
        tasks=tuple(str(task) for task in item.get("tasks", []) if task),
        instagram_id=str(instagram.get("id", "")),
        instagram_username=str(instagram.get("username", "")),
    )


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _next_cursor(body: dict[str, Any]) -> str:
    """Graph's cursor to the next page of a list, or '' on the last page."""
    paging = _dict(body.get("paging"))
    after = _dict(paging.get("cursors")).get("after")
    return str(after) if paging.get("next") and after else ""


def _refusal(response: httpx.Response, body: dict[str, Any]) -> Exception:
    classified = graph_classify(response, creates=False)
    if isinstance(classified, RateLimited | RetryableError):
        return classified
    error = _dict(body.get("error"))
    code = str(error.get("code", "")) or f"http_{response.status_code}"
    if error.get("error_subcode"):
        code = f"{code}/{error['error_subcode']}"
    return AuthorizationError(
        str(classified),
        code=code,
        description=str(error.get("message", "")),
    )


class MetaLoginFlavour:
    """Meta's ``OAuthFlavour``, shared by Instagram and Facebook: the Login dialog, a
    long-lived user token, then the person chooses the Page (whose token is stored; for
    Instagram, the account id is the Page's linked professional account)."""

    login = "meta"
    key_settings = "QUARTIERI_META_APP_ID / QUARTIERI_META_APP_SECRET"
    uses_pkce = False
    chooses_page = True

    def authorize_url(
        self, *, client_id: str, redirect_uri: str, state: str, code_challenge: str, slug: str
    ) -> str:
        return dialog_url(app_id=client_id, redirect_uri=redirect_uri, state=state, platform=slug)

    def exchange(
        self,
        *,
        app: AppCredentials,
        code: str,
        redirect_uri: str,
        code_verifier: str,
        timeout: httpx.Timeout | None,
    ) -> ConnectGrant:
        with MetaLogin(app=app, timeout=timeout) as login:
            short = login.exchange_code(code=code, redirect_uri=redirect_uri)
            return ConnectGrant(tokens=login.long_lived(token=short.access_token))

    def pages(
        self, *, app: AppCredentials, user_token: str, timeout: httpx.Timeout | None
    ) -> Sequence[ManagedPage]:
        with MetaLogin(app=app, timeout=timeout) as login:
            return login.pages(user_token=user_token)

    def page_fit(self, *, page: ManagedPage, slug: str) -> PageFit:
        assert isinstance(page, MetaPage)  # noqa: S101 (pages() made it)
        names = frozenset({page.id, page.name.casefold(), page.instagram_username.casefold()})
        names -= {""}
        if slug != Platform.INSTAGRAM:
            note = _("Instagram: @%(name)s") % {"name": page.instagram_username}
            return PageFit(page.id, note if page.instagram_username else "", names=names)
        if not page.instagram_id:
            refusal = _(
                "The Page %(page)s has no Instagram professional account linked, so it cannot "
                "publish on Instagram. Nothing was changed: link the account in Meta's "
                "settings, or choose another Page."
            ) % {"page": page.name}
            note = _("No Instagram professional account is linked to this Page.")
            return PageFit("", note, refusal, names)
        note = _("Instagram: @%(name)s") % {"name": page.instagram_username}
        return PageFit(page.instagram_id, note if page.instagram_username else "", names=names)


LOGIN = MetaLoginFlavour()
