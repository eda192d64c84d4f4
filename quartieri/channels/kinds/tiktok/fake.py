"""A local TikTok Content Posting API for tests and the demo sandbox (platform-apis.md §1).

It speaks the documented endpoints and envelopes (``{"data": …, "error": {code, message,
log_id}}``), checks the chunked-upload rule and ``Content-Range`` headers, processes posts
asynchronously (``processing_polls`` status reads and ``processing_seconds``), holds public
post ids back during moderation (``moderation_polls``), and records every post so tests can
count them. Faults: ``inject(...)`` (fakeserver) and ``fail_next_publish(fail_reason)``.

    python -m quartieri.channels.kinds.tiktok.fake --port 8771
"""

from __future__ import annotations

import itertools
import re
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from quartieri.channels.connectors.fakeserver import (
    FakeRequest,
    FakeResponse,
    FakeServer,
    Fault,
    FaultKind,
    Handler,
    Route,
    route,
    run_standalone,
)
from quartieri.channels.kinds.fake_insights import TikTokInsights
from quartieri.channels.kinds.tiktok.client import (
    LISTED_PRIVACY,
    VIDEO_LIST_TEXT_MAX,
    ChunkRule,
    utf16_length,
)
from quartieri.channels.kinds.tiktok.login_fake import TikTokLoginFake

_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
_CLOCK = threading.Lock()
_last_ms = 0


def _unique_ms() -> int:
    """Now in milliseconds, never the same twice: the video list's cursor is a creation time,
    so two videos made in the same millisecond would make paging skip one."""
    global _last_ms
    with _CLOCK:
        _last_ms = max(int(time.time() * 1000), _last_ms + 1)
        return _last_ms


@dataclass
class FakePublish:
    publish_id: str
    kind: str  # "video" or "photo"
    title: str
    description: str
    privacy_level: str
    source: dict[str, Any]
    created: float = field(default_factory=time.monotonic)
    created_ms: int = field(default_factory=_unique_ms)
    uploaded: bytearray = field(default_factory=bytearray)
    upload_complete: bool = False
    status_reads: int = 0
    status: str = "PROCESSING_UPLOAD"
    fail_reason: str = ""
    post_id: str = ""
    visible_id: bool = False

    @property
    def created_unix(self) -> int:
        return self.created_ms // 1000


class FakeTikTok(TikTokInsights, TikTokLoginFake, FakeServer):
    name = "tiktok"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        processing_polls: int = 1,
        processing_seconds: float = 0.0,
        moderation_polls: int = 0,
        chunk_rule: ChunkRule | None = None,
        verified_url_prefixes: Sequence[str] = ("https://media.example.org/",),
        client_key: str = "fake-client-key",
        client_secret: str = "fake-client-secret",  # noqa: S107 (a fake's own secret)
    ) -> None:
        self.processing_polls = processing_polls
        self.processing_seconds = processing_seconds
        self.moderation_polls = moderation_polls
        self.chunk_rule = chunk_rule or ChunkRule()
        self.verified_url_prefixes = tuple(verified_url_prefixes)
        self.client_key, self.client_secret = client_key, client_secret
        self.privacy_level_options = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]
        self.max_video_post_duration_sec = 600
        self.publishes: dict[str, FakePublish] = {}
        self.refresh_tokens: set[str] = {"fake-refresh-0"}
        self.token_lifetime, self.refresh_lifetime = 7200, 15_552_000
        self._fail_next: list[str] = []
        self._ids = itertools.count(1)
        self._init_login()  # Login Kit: authorize page and code grant (login_fake.py)
        super().__init__(host=host, port=port)

    # --- What tests look at -----------------------------------------------------------------
    @property
    def posts(self) -> list[FakePublish]:
        """Posts that exist or will exist (upload complete, not failed)."""
        with self.lock:
            return [p for p in self.publishes.values() if p.upload_complete and p.fail_reason == ""]

    def fail_next_publish(self, fail_reason: str) -> None:
        with self.lock:
            self._fail_next.append(fail_reason)

    # --- Protocol ----------------------------------------------------------------------------
    def routes(self) -> Sequence[Route]:
        base = "/v2/post/publish"
        return [
            route("POST", f"{base}/creator_info/query/", self._authorized(self._creator_info)),
            route("POST", f"{base}/video/init/", self._authorized(self._video_init)),
            route("POST", f"{base}/content/init/", self._authorized(self._content_init)),
            route("POST", f"{base}/status/fetch/", self._authorized(self._status_fetch)),
            route("POST", "/v2/video/list/", self._authorized(self._video_list)),
            route("PUT", r"/upload/(?P<publish_id>[\w.-]+)/", self._upload),
            route("POST", "/v2/oauth/token/", self._oauth_token),
            *self.insights_routes(),
            *self.login_routes(),
        ]

    def error_response(self, kind: FaultKind, fault: Fault | None = None) -> FakeResponse:
        if kind == FaultKind.RATE_LIMITED:
            headers = {}
            if fault is not None and fault.retry_after is not None:
                headers["Retry-After"] = str(int(fault.retry_after))
            return _error(429, "rate_limit_exceeded", headers=headers)
        if kind == FaultKind.TOKEN_EXPIRED:
            return _error(401, "access_token_invalid")
        if kind == FaultKind.PLATFORM_ERROR and fault is not None:
            return _error(fault.status or 400, str(fault.code), headers=fault.headers)
        return _error(500, "internal_error")

    def _authorized(self, handler: Handler) -> Handler:
        def wrapped(request: FakeRequest, match: re.Match[str]) -> FakeResponse:
            if not self.token_is_valid(request.bearer_token()):
                return _error(401, "access_token_invalid")
            return handler(request, match)

        return wrapped

    def _creator_info(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        return _ok(
            {
                "creator_avatar_url": "https://media.example.org/avatar.jpg",
                "creator_username": "visit.quartieri",
                "creator_nickname": "Visit Quartieri",
                "privacy_level_options": self.privacy_level_options,
                "comment_disabled": False,
                "duet_disabled": False,
                "stitch_disabled": True,
                "max_video_post_duration_sec": self.max_video_post_duration_sec,
            }
        )

    def _check_post_info(self, post_info: dict[str, Any], title_max: int) -> FakeResponse | None:
        if post_info.get("privacy_level") not in self.privacy_level_options:
            return _error(400, "privacy_level_option_mismatch")
        if utf16_length(str(post_info.get("title", ""))) > title_max:
            return _error(400, "invalid_params", "title too long")
        return None

    def _new_publish(self, **fields: Any) -> FakePublish:
        publish = FakePublish(publish_id=f"v_pub_{next(self._ids):06d}", **fields)
        with self.lock:
            self.publishes[publish.publish_id] = publish
        return publish

    def _video_init(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        body = request.json()
        post_info, source = body.get("post_info", {}), body.get("source_info", {})
        problem = self._check_post_info(post_info, 2200) or self._check_source(source)
        if problem:
            return problem
        publish = self._new_publish(
            kind="video",
            title=str(post_info.get("title", "")),
            description="",
            privacy_level=str(post_info["privacy_level"]),
            source=source,
        )
        if source["source"] == "PULL_FROM_URL":
            self._complete_upload(publish, status="PROCESSING_DOWNLOAD")
            return _ok({"publish_id": publish.publish_id})
        upload_url = f"{self.url}/upload/{publish.publish_id}/"
        return _ok({"publish_id": publish.publish_id, "upload_url": upload_url})

    def _check_source(self, source: dict[str, Any]) -> FakeResponse | None:
        if source.get("source") == "PULL_FROM_URL":
            return self._check_url(str(source.get("video_url", "")))
        if source.get("source") != "FILE_UPLOAD":
            return _error(400, "invalid_params", "source must be FILE_UPLOAD or PULL_FROM_URL")
        try:
            size, chunk = int(source["video_size"]), int(source["chunk_size"])
            count = int(source["total_chunk_count"])
        except (KeyError, TypeError, ValueError):
            return _error(400, "invalid_params", "video_size, chunk_size, total_chunk_count")
        rule = self.chunk_rule
        single = count == 1 and chunk == size and size <= rule.max_last_bytes
        in_range = rule.min_bytes <= chunk <= rule.max_bytes
        # TikTok: total_chunk_count = floor(video_size / chunk_size), 1..1000 chunks.
        if not single and (not in_range or count != size // chunk or count > rule.max_chunks):
            return _error(400, "invalid_params", f"bad chunking {size}/{chunk}/{count}")
        return None

    def _check_url(self, url: str) -> FakeResponse | None:
        if not url.startswith(self.verified_url_prefixes):
            return _error(403, "url_ownership_unverified")
        return None

    def _upload(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        with self.lock:
            publish = self.publishes.get(match["publish_id"])
        if publish is None or publish.source.get("source") != "FILE_UPLOAD":
            return _error(404, "invalid_params", "unknown upload")
        problem = self._check_chunk(publish, request)
        if problem:
            return problem
        publish.uploaded.extend(request.body)
        if len(publish.uploaded) == int(publish.source["video_size"]):
            self._complete_upload(publish, status="PROCESSING_UPLOAD")
            return FakeResponse(201)
        return FakeResponse(206)

    def _check_chunk(self, publish: FakePublish, request: FakeRequest) -> FakeResponse | None:
        found = _RANGE.match(request.headers.get("Content-Range", ""))
        if not found or not request.headers.get("Content-Type", "").startswith("video/"):
            return _error(400, "invalid_file_upload", "Content-Range or Content-Type missing")
        first, last, total = (int(group) for group in found.groups())
        size, chunk = int(publish.source["video_size"]), int(publish.source["chunk_size"])
        is_last = last == size - 1
        expected_length = (size - first) if is_last else chunk
        if (
            total != size
            or first != len(publish.uploaded)  # chunks arrive in order, none skipped
            or len(request.body) != last - first + 1
            or len(request.body) != expected_length
        ):
            return _error(400, "invalid_file_upload", f"bad chunk {first}-{last}/{total}")
        return None

    def _complete_upload(self, publish: FakePublish, *, status: str) -> None:
        with self.lock:
            publish.upload_complete = True
            publish.status = status
            publish.created = time.monotonic()
            if self._fail_next:
                publish.fail_reason = self._fail_next.pop(0)

    def _content_init(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        body = request.json()
        post_info, source = body.get("post_info", {}), body.get("source_info", {})
        images = source.get("photo_images") or []
        if body.get("media_type") != "PHOTO" or source.get("source") != "PULL_FROM_URL":
            return _error(400, "invalid_params", "photos need media_type PHOTO, PULL_FROM_URL")
        if not 1 <= len(images) <= 35 or utf16_length(post_info.get("description", "")) > 4000:
            return _error(400, "invalid_params", "1-35 photos, description ≤ 4000")
        problem = self._check_post_info(post_info, 90)
        for url in images:
            problem = problem or self._check_url(str(url))
        if problem:
            return problem
        publish = self._new_publish(
            kind="photo",
            title=str(post_info.get("title", "")),
            description=str(post_info.get("description", "")),
            privacy_level=str(post_info["privacy_level"]),
            source=source,
        )
        self._complete_upload(publish, status="PROCESSING_DOWNLOAD")
        return _ok({"publish_id": publish.publish_id})

    def _status_fetch(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        with self.lock:
            publish = self.publishes.get(str(request.json().get("publish_id", "")))
            if publish is None:
                return _error(400, "invalid_params", "unknown publish_id")
            publish.status_reads += 1
            self._advance(publish)
            ids = [publish.post_id] if publish.visible_id else []
            return _ok(
                {
                    "status": publish.status,
                    "fail_reason": publish.fail_reason,
                    "publicaly_available_post_id": ids,
                    "uploaded_bytes": len(publish.uploaded),
                }
            )

    def _advance(self, publish: FakePublish) -> None:
        if not publish.upload_complete or publish.status in {"FAILED"}:
            return
        waited = time.monotonic() - publish.created >= self.processing_seconds
        if publish.status != "PUBLISH_COMPLETE":
            if publish.status_reads < self.processing_polls or not waited:
                return
            if publish.fail_reason:
                publish.status = "FAILED"
                return
            publish.status = "PUBLISH_COMPLETE"
            publish.post_id = str(7_300_000_000_000_000_000 + next(self._ids))
            publish.status_reads = 0
        # Moderation: the public id appears only after a few more reads.
        if publish.status_reads >= self.moderation_polls and publish.privacy_level != "SELF_ONLY":
            publish.visible_id = True

    def _video_list(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        if not 1 <= int(request.param("max_count") or 10) <= 20:
            return _error(400, "invalid_params", "max_count must be between 1 and 20")
        return _ok(video_list_page(self.listed_videos(request), request))

    def listed_videos(self, request: FakeRequest) -> list[FakePublish]:
        """The videos the caller's account lists, oldest first (the demo has one account):
        public video posts only, as documented; photo posts are left out, since the
        documentation does not say they are listed (docs/publishing.md, *Listings*)."""
        with self.lock:
            return [
                publish
                for publish in self.publishes.values()
                if publish.upload_complete
                and not publish.fail_reason
                and publish.kind == "video"
                and publish.privacy_level == LISTED_PRIVACY
            ]

    def _oauth_token(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        form = request.form()
        if (form.get("client_key"), form.get("client_secret")) != (
            self.client_key,
            self.client_secret,
        ):
            return FakeResponse(401, {"error": "invalid_client", "error_description": "bad"})
        if form.get("grant_type") == "authorization_code":
            return self.authorization_code_grant(form)
        with self.lock:
            old = form.get("refresh_token", "")
            if form.get("grant_type") != "refresh_token" or old not in self.refresh_tokens:
                return FakeResponse(400, {"error": "invalid_grant", "error_description": "bad"})
            # Rotation: the old refresh token stops working (platform-apis.md §0, §4).
            self.refresh_tokens.discard(old)
            number = next(self._ids)
            self.refresh_tokens.add(f"fake-refresh-{number}")
        return FakeResponse(
            200,
            {
                "access_token": f"fake-access-{number}",
                "expires_in": self.token_lifetime,
                "refresh_token": f"fake-refresh-{number}",
                "refresh_expires_in": self.refresh_lifetime,
                "open_id": "fake-open-id",
                "scope": "user.info.basic,video.publish,video.list",
                "token_type": "Bearer",
            },
        )


def video_list_page(videos: Sequence[FakePublish], request: FakeRequest) -> dict[str, Any]:
    """One page of ``POST /v2/video/list/``: newest first, ``max_count`` (1–20, default 10)
    videos made before ``cursor`` (UTC milliseconds), the next cursor and ``has_more``."""
    count = int(request.param("max_count") or 10)
    before = int(request.param("cursor") or 0) or None
    older = [v for v in reversed(videos) if before is None or v.created_ms < before]
    page = older[:count]
    return {
        "videos": [
            {
                "id": publish.post_id or publish.publish_id,
                # Cut as documented ("Max length: 150"), counted in characters.
                "title": publish.title[:VIDEO_LIST_TEXT_MAX],
                "video_description": publish.description[:VIDEO_LIST_TEXT_MAX],
                "create_time": publish.created_unix,
                "share_url": f"https://www.tiktok.com/@visit.quartieri/video/{publish.post_id}",
            }
            for publish in page
        ],
        "cursor": page[-1].created_ms if page else (before or 0),
        "has_more": len(older) > count,
    }


def _ok(data: dict[str, Any]) -> FakeResponse:
    return FakeResponse(200, {"data": data, "error": {"code": "ok", "message": "", "log_id": "x"}})


def _error(
    status: int, code: str, message: str = "", *, headers: dict[str, str] | None = None
) -> FakeResponse:
    body = {"data": {}, "error": {"code": code, "message": message or code, "log_id": "fake"}}
    return FakeResponse(status, body, headers or {})


if __name__ == "__main__":
    run_standalone(FakeTikTok, sys.argv[1:])
