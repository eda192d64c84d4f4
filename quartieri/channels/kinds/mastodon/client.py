"""Mastodon (the city's institutional account on a Fediverse server), REST API v1/v2.

Contract, from docs.joinmastodon.org (methods/statuses, methods/media, methods/accounts,
api/rate-limits, api/guidelines#pagination):

- ``POST /api/v1/statuses`` (``status``, ``media_ids[]``, ``visibility``, ``language``) with
  an ``Idempotency-Key`` header: the server keeps the key for up to one hour and answers a
  repeated submission with the status it made the first time. The key is derived from the
  post's reconciliation marker and text, so a retry of the same post makes no second status;
  a lost answer is still ``MaybeSubmitted`` (the outbox reconciles, as for every kind).
- ``POST /api/v2/media`` (multipart ``file``, ``description`` = alternative text): 200 when
  processed, 202 while a larger file is processed (``GET /api/v1/media/:id`` answers 206
  until then). An attachment is invisible until a status uses it: uploading again is safe.
- ``GET /api/v1/accounts/:id/statuses`` newest first, ``limit`` 20 by default and at most
  40, older pages by ``max_id`` as the ``Link`` header's ``rel="next"`` gives it.
- ``GET /api/v1/accounts/verify_credentials``: the token's own account (its id).
- Tokens are made on the server (Preferences → Development) or by its OAuth app flow; they
  do not expire and there is no refresh: a refused token needs a person.

The server is the handle's (``@comune@mastodon.example`` → ``https://mastodon.example``);
the setting ``MASTODON_API_URL`` (tests, a proxy) replaces it for every account.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import httpx
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from quartieri.channels.connectors.base import (
    AccountAuth,
    AppCredentials,
    Connector,
    MediaItem,
    PermanentError,
    PlatformOptions,
    PostKind,
    PostRequest,
    PublishState,
    RecentPage,
    RecentPost,
    RecentPosts,
    ReconcileQuery,
    ReconcileResult,
    RetryableError,
    StatusResult,
    SubmitResult,
    TokenExpired,
    TokenSet,
    read_back_to,
    reconcile_among,
)
from quartieri.channels.connectors.http import (
    UPLOAD_TIMEOUT,
    http_client,
    http_send,
    json_body,
    tls_context,
)
from quartieri.channels.kinds.mastodon.errors import mastodon_error
from quartieri.lib.env import LOOPBACK_HOSTS

PAGE_SIZE = 40  # the most a status list gives at once (twice the default of 20)
MEDIA_CHECKS = 10  # how often a processing upload is looked at before giving up for now
MEDIA_WAIT_SECONDS = 1.0
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


@dataclass(frozen=True)
class MastodonOptions(PlatformOptions):
    visibility: str = "public"  # public | unlisted | private | direct
    language: str = ""  # ISO 639-1
    alt_texts: tuple[str, ...] = ()  # one per media item, in order


def server_of(handle: str) -> str:
    """``@name@server.example`` → ``https://server.example`` (loopback: plain http)."""
    parts = handle.lstrip("@").split("@")
    if len(parts) != 2 or not parts[1]:
        raise PermanentError(
            reason=_("The Mastodon handle %(handle)s does not name its server.")
            % {"handle": handle},
            action=_("Write the account's handle as @name@server, e.g. @comune@mastodon.uno."),
        )
    host = parts[1]
    # Before any port: a bracketed IPv6 address never matches, so it stays https.
    scheme = "http" if host.split(":")[0] in LOOPBACK_HOSTS else "https"
    return f"{scheme}://{host}"


def idempotency_key(marker: str, text: str) -> str:
    """The same post (its marker and its words) gives the same key, kept by the server for
    up to an hour; an edited text is another post."""
    return hashlib.sha256(f"{marker}\n{text}".encode()).hexdigest()[:40]


class MastodonConnector(Connector):
    slug = "mastodon"
    display_name = "Mastodon"
    supported_kinds: ClassVar[frozenset[PostKind]] = frozenset(
        {PostKind.TEXT, PostKind.IMAGE, PostKind.CAROUSEL, PostKind.VIDEO}
    )

    def __init__(
        self,
        *,
        auth: AccountAuth,
        app: AppCredentials | None = None,
        timeout: httpx.Timeout | None = None,
        base_url: str | None = None,
    ) -> None:
        self.auth = auth
        base = base_url or getattr(settings, "MASTODON_API_URL", "") or server_of(auth.handle)
        self.client = http_client(base_url=base, timeout=timeout)
        self.client.headers["Authorization"] = f"Bearer {auth.access_token}"
        self._account_id = auth.account_id

    def close(self) -> None:
        self.client.close()

    def _call(
        self, method: str, path: str, *, creates: bool = False, **kwargs: Any
    ) -> httpx.Response:
        response = http_send(self.client, method, path, creates=creates, **kwargs)
        if response.is_success:
            return response
        raise mastodon_error(response, creates=creates)

    # --- Submit ------------------------------------------------------------------------------
    def submit(self, *, request: PostRequest) -> SubmitResult:
        self.check_kind(request)
        options = request.options if isinstance(request.options, MastodonOptions) else None
        options = options or MastodonOptions()
        media_ids = [
            self._upload(item, alt)
            for item, alt in zip(
                request.media, _padded(options.alt_texts, request.media), strict=True
            )
        ]
        fields: dict[str, Any] = {"status": request.text, "media_ids[]": media_ids}
        if options.visibility:
            fields["visibility"] = options.visibility
        if options.language:
            fields["language"] = options.language
        headers = {"Idempotency-Key": idempotency_key(request.marker, request.text)}
        response = self._call(
            "POST", "/api/v1/statuses", creates=True, data=fields, headers=headers
        )
        status = json_body(response)
        return SubmitResult(
            PublishState.PUBLISHED,
            publish_id=str(status["id"]),
            platform_post_id=str(status["id"]),
            permalink=str(status.get("url") or ""),
        )

    def _upload(self, item: MediaItem, alt: str) -> str:
        """Upload one file (invisible until a status uses it); its attachment id."""
        name, content = _content(item)
        response = self._call(
            "POST",
            "/api/v2/media",
            files={"file": (name, content)},
            data={"description": alt} if alt else {},
            timeout=UPLOAD_TIMEOUT,
        )
        media_id = str(json_body(response)["id"])
        if response.status_code == 202:
            self._wait_processed(media_id)
        return media_id

    def _wait_processed(self, media_id: str) -> None:
        for _check in range(MEDIA_CHECKS):
            response = self._call("GET", f"/api/v1/media/{media_id}")
            if response.status_code == 200:
                return
            time.sleep(MEDIA_WAIT_SECONDS)
        # Nothing is visible yet: the whole post may be sent again later.
        raise RetryableError(f"media {media_id} still processing")

    # --- Status and reconcile -----------------------------------------------------------------
    def status(self, *, publish_id: str) -> StatusResult:
        response = http_send(self.client, "GET", f"/api/v1/statuses/{publish_id}", creates=False)
        if response.status_code == 404:
            error = PermanentError(
                reason=_("The post is no longer on Mastodon."),
                action=_("Check the account; schedule the post again if it should be there."),
            )
            return StatusResult(PublishState.FAILED, error=error)
        if not response.is_success:
            raise mastodon_error(response, creates=False)
        status = json_body(response)
        return StatusResult(
            PublishState.PUBLISHED,
            platform_post_id=str(status["id"]),
            permalink=str(status.get("url") or ""),
        )

    def reconcile(self, *, query: ReconcileQuery) -> ReconcileResult:
        if query.publish_id:
            result = self.status(publish_id=query.publish_id)
            found = result.state == PublishState.PUBLISHED
            return ReconcileResult(
                found=found,
                platform_post_id=result.platform_post_id,
                permalink=result.permalink,
                state=result.state if found else None,
                matches=int(found),
            )
        return reconcile_among(self.recent_posts(since=query.since), query=query)

    def recent_posts(self, *, since: datetime | None = None) -> RecentPosts:
        return read_back_to(self._pages(), since=since)

    def _pages(self) -> Iterator[RecentPage]:
        """The account's statuses, newest first, page after page (``Link: rel="next"``)."""
        url = f"/api/v1/accounts/{self.account_id()}/statuses"
        params: dict[str, Any] | None = {"limit": PAGE_SIZE}
        while True:
            response = self._call("GET", url, params=params)
            body = response.json()
            items = (
                [item for item in body if isinstance(item, dict)] if isinstance(body, list) else []
            )
            following = _NEXT.search(response.headers.get("Link", ""))
            more = following is not None and bool(items)
            yield [_recent(item) for item in items], more
            if following is None or not more:
                return
            url, params = following.group(1), None  # the next link carries max_id and limit

    def account_id(self) -> str:
        """The account's id on its server (from the credential, else asked once)."""
        if not self._account_id:
            body = json_body(self._call("GET", "/api/v1/accounts/verify_credentials"))
            self._account_id = str(body.get("id", ""))
        return self._account_id

    def refresh(self, *, refresh_token: str) -> TokenSet:
        # No refresh grant: a refused token can only be replaced by a person.
        raise TokenExpired("Mastodon tokens are not refreshed: connect the account again")


def _padded(alts: tuple[str, ...], media: tuple[MediaItem, ...]) -> list[str]:
    return [*alts[: len(media)], *([""] * (len(media) - len(alts)))]


def _content(item: MediaItem) -> tuple[str, bytes]:
    """The file's name and bytes: from the local path, or downloaded from its address."""
    if item.path is not None:
        return Path(item.path).name, Path(item.path).read_bytes()
    try:
        response = httpx.get(item.url, timeout=UPLOAD_TIMEOUT, verify=tls_context())
        response.raise_for_status()
    except httpx.HTTPError as error:
        raise RetryableError(f"{item.url}: {error}") from error
    return item.url.rsplit("/", 1)[-1] or "media", response.content


def _recent(item: dict[str, Any]) -> RecentPost:
    created = str(item.get("created_at", ""))
    try:
        at: datetime | None = datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        at = None
    return RecentPost(
        platform_post_id=str(item.get("id", "")),
        text=str(item.get("content", "")),
        created_at=at,
        permalink=str(item.get("url") or ""),
    )
