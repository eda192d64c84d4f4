"""TikTok Content Posting API v2 (platform-apis.md §1).

Direct Post only: ``creator_info/query`` before every post (§1.6: privacy is chosen by a
person from the creator's options, never defaulted), then ``video/init`` (FILE_UPLOAD in
chunks or PULL_FROM_URL) or ``content/init`` for photos, then ``status/fetch`` until
PUBLISH_COMPLETE or FAILED.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from quartieri.channels.connectors.base import (
    AccountAuth,
    AppCredentials,
    Connector,
    MediaKind,
    MetricReading,
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
    StatusResult,
    SubmitResult,
    TokenSet,
    media_contract_error,
    read_back_to,
    reconcile_among,
)
from quartieri.channels.connectors.http import (
    UPLOAD_TIMEOUT,
    http_client,
    http_send,
    json_body,
)
from quartieri.channels.kinds.tiktok.errors import api_data, fail_reason_error, oauth_error

MB = 1024 * 1024
# Text limits in UTF-16 code units ("runes", §1.3).
VIDEO_TITLE_MAX = 2200
PHOTO_TITLE_MAX = 90
PHOTO_DESCRIPTION_MAX = 4000
PHOTO_IMAGES_MAX = 35
PRIVACY_LEVELS = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")
# Insights. platform-apis.md is silent on them; the shapes are from TikTok's Display API
# reference: POST /v2/video/query/ (scope video.list, at most 20 video ids per request,
# developers.tiktok.com/doc/tiktok-api-v2-video-query) and GET /v2/user/info/ (counts need
# scope user.info.stats, §1.1; developers.tiktok.com/doc/tiktok-api-v2-get-user-info).
# Both give running totals as of now, never per-day history.
VIDEO_METRICS = ("view_count", "like_count", "comment_count", "share_count")
ACCOUNT_METRICS = ("follower_count", "likes_count", "video_count")
VIDEO_QUERY_MAX_IDS = 20
# POST /v2/video/list/ returns at most 20 videos a page (max_count 1–20, default 10), with a
# millisecond cursor and has_more for the next (developers.tiktok.com/doc/tiktok-api-v2-video-list).
VIDEO_LIST_MAX_COUNT = 20
# The list shows only the creator's public video posts, and gives ``title`` and
# ``video_description`` cut at 150 characters (video object reference, "Max length: 150",
# developers.tiktok.com/doc/tiktok-api-v2-video-object); it does not say photo posts are listed.
VIDEO_LIST_TEXT_MAX = 150
LISTED_PRIVACY = "PUBLIC_TO_EVERYONE"


@dataclass(frozen=True)
class ChunkRule:
    """TikTok's chunking rule (§1.4); tests pass tiny sizes, production keeps the defaults.

    Chunks are ``min_bytes``-``max_bytes`` long; a file under ``min_bytes`` goes in one
    chunk; the last chunk takes the remainder and may reach ``max_last_bytes``; at most
    ``max_chunks`` chunks.
    """

    min_bytes: int = 5 * MB
    max_bytes: int = 64 * MB
    max_last_bytes: int = 128 * MB
    max_chunks: int = 1000
    preferred_bytes: int = 10 * MB

    def plan(self, video_size: int) -> tuple[int, int]:
        """(chunk_size, total_chunk_count) for a file of ``video_size`` bytes."""
        if video_size <= 0:
            raise ValueError("An empty video cannot be uploaded")
        chunk = min(max(self.preferred_bytes, self.min_bytes), self.max_bytes)
        if video_size < self.min_bytes or video_size <= chunk:
            return video_size, 1
        # Grow the chunk if the file would need too many (a 4 GB file at 10 MB needs 410).
        while video_size // chunk > self.max_chunks and chunk < self.max_bytes:
            chunk = min(chunk * 2, self.max_bytes)
        count = max(1, video_size // chunk)  # floor: the last chunk absorbs the remainder
        if count > self.max_chunks or video_size - chunk * (count - 1) > self.max_last_bytes:
            raise ValueError(f"A {video_size}-byte video exceeds TikTok's chunked upload limits")
        return chunk, count

    def ranges(self, video_size: int) -> list[tuple[int, int]]:
        """Inclusive (first, last) byte positions of each chunk, in upload order."""
        chunk, count = self.plan(video_size)
        starts = [index * chunk for index in range(count)]
        ends = [*(start - 1 for start in starts[1:]), video_size - 1]
        return list(zip(starts, ends, strict=True))


@dataclass(frozen=True)
class TikTokOptions(PlatformOptions):
    """Chosen by a person in the composer (§1.6); there are deliberately no defaults for
    privacy, and interactions are off unless switched on."""

    privacy_level: str
    allow_comment: bool = False
    allow_duet: bool = False
    allow_stitch: bool = False
    brand_content: bool = False  # "Paid partnership"
    brand_organic: bool = False  # "Your brand"
    is_aigc: bool = False
    photo_title: str = ""  # photo posts: title ≤ 90, the post text is the description


@dataclass(frozen=True)
class CreatorInfo:
    nickname: str
    username: str
    privacy_level_options: tuple[str, ...]
    max_video_post_duration_sec: int | None
    comment_disabled: bool
    duet_disabled: bool
    stitch_disabled: bool


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class TikTokConnector(Connector):
    slug = "tiktok"
    display_name = "TikTok"
    supported_kinds: ClassVar[frozenset[PostKind]] = frozenset(
        {PostKind.VIDEO, PostKind.IMAGE, PostKind.CAROUSEL}
    )

    def __init__(
        self,
        *,
        auth: AccountAuth,
        app: AppCredentials | None = None,
        base_url: str | None = None,
        timeout: httpx.Timeout | None = None,
        chunk_rule: ChunkRule | None = None,
    ) -> None:
        self.auth = auth
        self.app = app
        self.chunk_rule = chunk_rule or ChunkRule()
        self.client = http_client(base_url=base_url or settings.TIKTOK_API_URL, timeout=timeout)
        # Chunks need a longer write phase than API calls, unless the caller chose limits.
        self.upload_timeout = timeout or UPLOAD_TIMEOUT
        self.username = auth.account_id  # for permalinks; learnt from creator_info too

    def close(self) -> None:
        self.client.close()

    # --- Calls ----------------------------------------------------------------------------
    def _api(
        self, path: str, payload: dict[str, Any], *, creates: bool, publish_id: str = ""
    ) -> dict[str, Any]:
        response = http_send(
            self.client,
            "POST",
            path,
            creates=creates,
            publish_id=publish_id,
            json=payload,
            headers={
                "Authorization": f"Bearer {self.auth.access_token}",
                "Content-Type": "application/json; charset=UTF-8",
            },
        )
        return api_data(response, creates=creates, publish_id=publish_id)

    def creator_info(self) -> CreatorInfo:
        data = self._api("/v2/post/publish/creator_info/query/", {}, creates=False)
        duration = data.get("max_video_post_duration_sec")
        info = CreatorInfo(
            nickname=str(data.get("creator_nickname", "")),
            username=str(data.get("creator_username", "")),
            privacy_level_options=tuple(str(o) for o in data.get("privacy_level_options", [])),
            max_video_post_duration_sec=int(duration) if duration is not None else None,
            comment_disabled=bool(data.get("comment_disabled", False)),
            duet_disabled=bool(data.get("duet_disabled", False)),
            stitch_disabled=bool(data.get("stitch_disabled", False)),
        )
        self.username = self.username or info.username
        return info

    # --- Submit -----------------------------------------------------------------------------
    def submit(self, *, request: PostRequest) -> SubmitResult:
        self.check_kind(request)
        options = self._options(request)
        info = self.creator_info()
        self._check_against_creator(request, options, info)
        if request.kind == PostKind.VIDEO:
            return self._submit_video(request, options, info)
        return self._submit_photos(request, options)

    def _options(self, request: PostRequest) -> TikTokOptions:
        if not isinstance(request.options, TikTokOptions):
            raise PermanentError(
                reason=_("No TikTok privacy setting was chosen for this post."),
                action=_("Open the post, choose who can see it on TikTok, and save it."),
            )
        return request.options

    def _check_against_creator(
        self, request: PostRequest, options: TikTokOptions, info: CreatorInfo
    ) -> None:
        if options.privacy_level not in info.privacy_level_options:
            raise PermanentError(
                reason=_("The chosen privacy setting is not available for this TikTok account."),
                action=_("Choose one of the privacy settings TikTok offers for this account."),
                detail=f"{options.privacy_level} not in {info.privacy_level_options}",
            )
        limit = info.max_video_post_duration_sec
        for item in request.media:
            if limit and item.duration_seconds and item.duration_seconds > limit:
                raise PermanentError(
                    reason=_("The video is longer than this TikTok account may post."),
                    action=_("Shorten the video to at most %(seconds)s seconds.")
                    % {"seconds": limit},
                )

    def _post_info(self, options: TikTokOptions, info: CreatorInfo, title: str) -> dict[str, Any]:
        return {
            "title": title,
            "privacy_level": options.privacy_level,
            # Greyed-out interactions stay off whatever the post asked (§1.6 point 4).
            "disable_comment": info.comment_disabled or not options.allow_comment,
            "disable_duet": info.duet_disabled or not options.allow_duet,
            "disable_stitch": info.stitch_disabled or not options.allow_stitch,
            "brand_content_toggle": options.brand_content,
            "brand_organic_toggle": options.brand_organic,
            "is_aigc": options.is_aigc,
        }

    def _submit_video(
        self, request: PostRequest, options: TikTokOptions, info: CreatorInfo
    ) -> SubmitResult:
        if len(request.media) != 1 or request.media[0].kind != MediaKind.VIDEO:
            raise media_contract_error(
                platform=self.display_name, detail=f"video post with {request.media!r}"
            )
        _check_length(request.text, VIDEO_TITLE_MAX)
        video = request.media[0]
        post_info = self._post_info(options, info, request.text)
        if video.url:
            # TikTok starts downloading at once: this call may create the post.
            source = {"source": "PULL_FROM_URL", "video_url": video.url}
            data = self._api(
                "/v2/post/publish/video/init/",
                {"post_info": post_info, "source_info": source},
                creates=True,
            )
            return SubmitResult(PublishState.PROCESSING, publish_id=str(data["publish_id"]))
        assert video.path is not None  # noqa: S101 (MediaItem guarantees url or path)
        return self._upload_video(video.path, post_info)

    def _upload_video(self, path: Path, post_info: dict[str, Any]) -> SubmitResult:
        size = path.stat().st_size
        chunk_size, count = self.chunk_rule.plan(size)
        source = {
            "source": "FILE_UPLOAD",
            "video_size": size,
            "chunk_size": chunk_size,
            "total_chunk_count": count,
        }
        # Nothing is published until the last byte arrives, so init may be retried.
        data = self._api(
            "/v2/post/publish/video/init/",
            {"post_info": post_info, "source_info": source},
            creates=False,
        )
        publish_id = str(data["publish_id"])
        self._upload_chunks(path, size, str(data["upload_url"]), publish_id)
        return SubmitResult(PublishState.PROCESSING, publish_id=publish_id)

    def _upload_chunks(self, path: Path, size: int, upload_url: str, publish_id: str) -> None:
        ranges = self.chunk_rule.ranges(size)
        with path.open("rb") as handle:
            for index, (first, last) in enumerate(ranges):
                handle.seek(first)
                body = handle.read(last - first + 1)
                is_last = index == len(ranges) - 1
                response = http_send(
                    self.client,
                    "PUT",
                    upload_url,
                    # The last chunk completes the upload and starts publishing.
                    creates=is_last,
                    publish_id=publish_id,
                    content=body,
                    timeout=self.upload_timeout,
                    headers={
                        "Content-Type": _video_content_type(path),
                        "Content-Range": f"bytes {first}-{last}/{size}",
                    },
                )
                if not response.is_success:
                    api_data(response, creates=is_last, publish_id=publish_id)

    def _submit_photos(self, request: PostRequest, options: TikTokOptions) -> SubmitResult:
        images = [item for item in request.media if item.kind == MediaKind.IMAGE]
        if not images or len(images) != len(request.media) or len(images) > PHOTO_IMAGES_MAX:
            raise media_contract_error(
                platform=self.display_name, detail=f"photo post with {request.media!r}"
            )
        urls = [item.url for item in images if item.url]
        if len(urls) != len(images):
            # Not a rule of the post: the server has no public address for its media.
            raise _media_error(_("TikTok needs the photos at public web addresses."))
        _check_length(options.photo_title, PHOTO_TITLE_MAX)
        _check_length(request.text, PHOTO_DESCRIPTION_MAX)
        payload = {
            "media_type": "PHOTO",
            "post_mode": "DIRECT_POST",
            "post_info": {
                "title": options.photo_title,
                "description": request.text,
                "privacy_level": options.privacy_level,
                "disable_comment": not options.allow_comment,
                "auto_add_music": True,
                "brand_content_toggle": options.brand_content,
                "brand_organic_toggle": options.brand_organic,
            },
            "source_info": {
                "source": "PULL_FROM_URL",
                "photo_images": urls,
                "photo_cover_index": 0,
            },
        }
        data = self._api("/v2/post/publish/content/init/", payload, creates=True)
        return SubmitResult(PublishState.PROCESSING, publish_id=str(data["publish_id"]))

    # --- Status and reconciliation -------------------------------------------------------------
    def status(self, *, publish_id: str) -> StatusResult:
        data = self._api(
            "/v2/post/publish/status/fetch/", {"publish_id": publish_id}, creates=False
        )
        status = str(data.get("status", ""))
        if status == "FAILED":
            error = fail_reason_error(str(data.get("fail_reason", "")))
            return StatusResult(PublishState.FAILED, error=error)
        if status in {"PUBLISH_COMPLETE", "SEND_TO_USER_INBOX"}:
            # TikTok's own spelling. Public ids arrive after moderation (minutes to hours),
            # and never for private posts, so the post counts as published without one.
            ids = data.get("publicaly_available_post_id") or []
            post_id = str(ids[0]) if ids else ""
            return StatusResult(
                PublishState.PUBLISHED, platform_post_id=post_id, permalink=self._permalink(post_id)
            )
        return StatusResult(PublishState.PROCESSING)

    def _permalink(self, post_id: str) -> str:
        if not post_id or not self.username:
            return ""
        return f"https://www.tiktok.com/@{self.username}/video/{post_id}"

    listed_text_length = VIDEO_LIST_TEXT_MAX

    reconcile_reads_request = True

    @classmethod
    def unlisted_reason(cls, request: PostRequest | None) -> str | Promise:
        if request is None:
            return _(
                "TikTok lists only public videos and quartieri does not know how this post "
                "was sent: check the account's profile in the TikTok app, private videos "
                "included, before posting it again."
            )
        if request.kind != PostKind.VIDEO:
            return _(
                "TikTok does not say that photo posts appear in the list quartieri can read, "
                "so it cannot tell whether this one went out: check the account's profile in "
                "the TikTok app, then say on the post's page in quartieri whether it is there."
            )
        options = request.options
        if not isinstance(options, TikTokOptions) or options.privacy_level != LISTED_PRIVACY:
            return _(
                "TikTok lists only public videos, and this one is not public, so quartieri "
                "cannot tell whether it went out: check the account's profile in the TikTok "
                "app (private and friends-only videos are shown there to the account's "
                "owner), then say on the post's page in quartieri whether it is there."
            )
        return ""

    def reconcile(self, *, query: ReconcileQuery) -> ReconcileResult:
        if query.publish_id:
            result = self.status(publish_id=query.publish_id)
            return ReconcileResult(
                found=result.state != PublishState.FAILED,
                platform_post_id=result.platform_post_id,
                permalink=result.permalink,
                state=result.state,
                matches=0 if result.state == PublishState.FAILED else 1,
            )
        return reconcile_among(
            self.recent_posts(since=query.since),
            query=query,
            unlisted=self.unlisted_reason(query.request),
        )

    def recent_posts(self, *, since: datetime | None = None) -> RecentPosts:
        return read_back_to(self._video_pages(), since=since)

    def _video_pages(self) -> Iterator[RecentPage]:
        """Display API video list (scope video.list), newest first; ``cursor`` is the UTC
        time in milliseconds to continue before, as the previous answer gave it."""
        cursor: int | None = None
        while True:
            body: dict[str, Any] = {"max_count": VIDEO_LIST_MAX_COUNT}
            if cursor is not None:
                body["cursor"] = cursor
            data = self._api(
                "/v2/video/list/?fields=id,title,video_description,create_time,share_url",
                body,
                creates=False,
            )
            videos = [video for video in data.get("videos", []) if isinstance(video, dict)]
            cursor = data.get("cursor") if isinstance(data.get("cursor"), int) else None
            yield [_recent(video) for video in videos], bool(data.get("has_more"))
            if not data.get("has_more") or cursor is None:
                return

    # --- Insights (read-only) ---------------------------------------------------------------
    insights_batch_size = VIDEO_QUERY_MAX_IDS

    def post_insights(self, *, post_ids: Sequence[str]) -> list[MetricReading]:
        if len(post_ids) > VIDEO_QUERY_MAX_IDS:
            raise ValueError(f"TikTok answers at most {VIDEO_QUERY_MAX_IDS} videos per query")
        if not post_ids:
            return []
        data = self._api(
            f"/v2/video/query/?fields=id,{','.join(VIDEO_METRICS)}",
            {"filters": {"video_ids": list(post_ids)}},
            creates=False,
        )
        # Videos that are not the account's (or no longer public) are simply absent.
        videos = [video for video in data.get("videos", []) if isinstance(video, dict)]
        return [
            MetricReading(metric=name, value=int(video[name]), object_id=str(video.get("id", "")))
            for video in videos
            for name in VIDEO_METRICS
            if _is_count(video.get(name))
        ]

    def account_insights(self, *, first_day: date, last_day: date) -> list[MetricReading]:
        # TikTok has no per-day history: today's running totals (day None) are all there is.
        response = http_send(
            self.client,
            "GET",
            f"/v2/user/info/?fields={','.join(ACCOUNT_METRICS)}",
            creates=False,
            headers={"Authorization": f"Bearer {self.auth.access_token}"},
        )
        user = api_data(response, creates=False).get("user") or {}
        return [
            MetricReading(metric=name, value=int(user[name]))
            for name in ACCOUNT_METRICS
            if _is_count(user.get(name))
        ]

    # --- Tokens -------------------------------------------------------------------------------
    def refresh(self, *, refresh_token: str) -> TokenSet:
        if self.app is None:
            raise ImproperlyConfigured("Refreshing TikTok tokens needs the app's client key")
        form = {
            "client_key": self.app.client_id,
            "client_secret": self.app.client_secret,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        }
        response = http_send(self.client, "POST", "/v2/oauth/token/", creates=False, data=form)
        body = json_body(response)
        if not response.is_success or body.get("error") or "access_token" not in body:
            raise oauth_error(response)
        # TikTok rotates refresh tokens: the new one must replace the old one (§4).
        return TokenSet.from_response(
            access_token=str(body["access_token"]),
            refresh_token=str(body.get("refresh_token", "")),
            expires_in=body.get("expires_in"),
            refresh_expires_in=body.get("refresh_expires_in"),
            scopes=tuple(s for s in str(body.get("scope", "")).split(",") if s),
        )


def _recent(video: dict[str, Any]) -> RecentPost:
    created = video.get("create_time")
    return RecentPost(
        platform_post_id=str(video.get("id", "")),
        text=f"{video.get('title', '')}\n{video.get('video_description', '')}",
        created_at=datetime.fromtimestamp(int(created), tz=UTC) if created else None,
        permalink=str(video.get("share_url", "")),
    )


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _video_content_type(path: Path) -> str:
    return {".mov": "video/quicktime", ".webm": "video/webm"}.get(path.suffix.lower(), "video/mp4")


def _media_error(reason: Any) -> PermanentError:
    return PermanentError(reason=reason, action=_("Change the media of the post and save it."))


def _check_length(text: str, limit: int) -> None:
    if utf16_length(text) > limit:
        raise PermanentError(
            reason=_("The text is longer than TikTok allows (%(limit)s characters).")
            % {"limit": limit},
            action=_("Shorten the text and schedule the post again."),
        )
