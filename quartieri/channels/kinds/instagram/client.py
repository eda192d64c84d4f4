"""Instagram Graph API content publishing (platform-apis.md §2), Facebook Login host.

submit = create the container(s) (nothing is visible yet, so it may be repeated); status =
poll the container's ``status_code``; finalize = read ``content_publishing_limit``, then
``media_publish`` (the irreversible step), after checking the container is not already
PUBLISHED. Media must be at public URLs: Meta downloads them (§2.2).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _

from quartieri.channels.connectors.base import (
    ConnectorError,
    MediaItem,
    MediaKind,
    MetricReading,
    PermanentError,
    PlatformOptions,
    PostKind,
    PostRequest,
    PublishState,
    QuotaReading,
    RateLimited,
    RecentPosts,
    ReconcileQuery,
    ReconcileResult,
    StatusResult,
    SubmitResult,
    media_contract_error,
    read_back_to,
    reconcile_among,
)
from quartieri.channels.kinds.instagram.errors import (
    container_error,
    container_expired,
    instagram_error,
)
from quartieri.channels.kinds.meta.graph import GraphConnector
from quartieri.channels.kinds.meta.graph_insights import (
    day_windows,
    insights_readings,
    since_until,
)

CAPTION_MAX = 2200
# The IG User Media reference says 30; Instagram announced 5 in Dec 2025 ([CONFLICT] §0):
# we enforce the documented API limit and leave the editorial choice to the composer.
HASHTAGS_MAX = 30
CAROUSEL_MAX = 10

# Insights (§2.4). Current names only: `impressions`, `plays`, `clips_replays_count`,
# `ig_reels_aggregated_all_plays_count` and `video_views` are deprecated (§0, §2.4).
MEDIA_METRICS = ("views", "reach")  # running totals of one media
ACCOUNT_DAILY_METRICS = ("reach", "follower_count")  # period=day, one value per day
ACCOUNT_TOTAL_METRICS = ("views",)  # metric_type=total_value only: asked one day at a time
# follower_count keeps at most 30 days (IG Account Insights reference): ask in 30-day windows.
ACCOUNT_WINDOW_DAYS = 30


@dataclass(frozen=True)
class InstagramOptions(PlatformOptions):
    alt_text: str = ""  # images, ≤ 1,000 characters
    share_to_feed: bool = True  # Reels
    cover_url: str = ""  # Reels cover


class InstagramConnector(GraphConnector):
    slug = "instagram"
    display_name = "Instagram"
    supported_kinds: ClassVar[frozenset[PostKind]] = frozenset(
        {PostKind.IMAGE, PostKind.CAROUSEL, PostKind.REEL, PostKind.STORY}
    )

    def extra_errors(self, code: int, subcode: int, detail: str) -> Exception | None:
        return instagram_error(code, subcode, detail)

    # --- Submit: containers -------------------------------------------------------------------
    def submit(self, *, request: PostRequest) -> SubmitResult:
        self.check_kind(request)
        _check_caption(request.text)
        _check_media(request)
        options = request.options if isinstance(request.options, InstagramOptions) else None
        options = options or InstagramOptions()
        if request.kind == PostKind.CAROUSEL:
            children = [
                self._container(self._item_fields(item, carousel=True)) for item in request.media
            ]
            fields = {
                "media_type": "CAROUSEL",
                "children": ",".join(children),
                "caption": request.text,
            }
        else:
            fields = self._single_fields(request, options)
        return SubmitResult(PublishState.PROCESSING, publish_id=self._container(fields))

    def _container(self, fields: dict[str, Any]) -> str:
        # A container is invisible until media_publish and expires in 24 h: creating it
        # again after a failure cannot publish twice.
        return str(self.graph("POST", f"{self.auth.account_id}/media", data=fields)["id"])

    def _item_fields(self, item: MediaItem, *, carousel: bool = False) -> dict[str, Any]:
        fields: dict[str, Any] = {"is_carousel_item": "true"} if carousel else {}
        if item.kind == MediaKind.IMAGE:
            fields["image_url"] = item.url
        else:
            fields["media_type"] = "VIDEO"
            fields["video_url"] = item.url
        return fields

    def _single_fields(self, request: PostRequest, options: InstagramOptions) -> dict[str, Any]:
        item = request.media[0]
        if request.kind == PostKind.REEL:
            fields: dict[str, Any] = {
                "media_type": "REELS",
                "video_url": item.url,
                "caption": request.text,
                "share_to_feed": "true" if options.share_to_feed else "false",
            }
            if options.cover_url:
                fields["cover_url"] = options.cover_url
            return fields
        if request.kind == PostKind.STORY:
            fields = self._item_fields(item)
            fields["media_type"] = "STORIES"
            return fields
        fields = {"image_url": item.url, "caption": request.text}
        if options.alt_text:
            fields["alt_text"] = options.alt_text[:1000]
        return fields

    # --- Status, finalize -------------------------------------------------------------------
    def container_status(self, container_id: str) -> tuple[str, str]:
        data = self.graph("GET", container_id, params={"fields": "status_code,status"})
        return str(data.get("status_code", "")), str(data.get("status", ""))

    def status(self, *, publish_id: str) -> StatusResult:
        code, text = self.container_status(publish_id)
        if code == "FINISHED":
            return StatusResult(PublishState.READY)
        if code == "PUBLISHED":
            return StatusResult(PublishState.PUBLISHED)
        if code == "ERROR":
            return StatusResult(PublishState.FAILED, error=container_error(text))
        if code == "EXPIRED":
            return StatusResult(PublishState.FAILED, error=container_expired())
        return StatusResult(PublishState.PROCESSING)  # IN_PROGRESS

    def finalize(self, *, publish_id: str) -> StatusResult:
        """Publish a FINISHED container; safe on one already published (checked first)."""
        current = self.status(publish_id=publish_id)
        if current.state == PublishState.FAILED and current.error is not None:
            raise current.error
        if current.state != PublishState.READY:
            return current  # still processing, or already published
        self.check_publishing_limit()
        data = self.graph(
            "POST",
            f"{self.auth.account_id}/media_publish",
            creates=True,
            publish_id=publish_id,
            data={"creation_id": publish_id},
        )
        media_id = str(data["id"])
        return StatusResult(
            PublishState.PUBLISHED, platform_post_id=media_id, permalink=self._permalink(media_id)
        )

    def _permalink(self, media_id: str) -> str:
        # The post exists whatever happens here: a failed read never fails the publish.
        try:
            return str(
                self.graph("GET", media_id, params={"fields": "permalink"}).get("permalink", "")
            )
        except ConnectorError:
            return ""

    def check_publishing_limit(self) -> QuotaReading:
        """Read the rolling 24-hour quota (§2.2) and keep it in ``quota_reading``; refuse
        before media_publish when it is used up (the reading is kept then too)."""
        data = self.graph(
            "GET",
            f"{self.auth.account_id}/content_publishing_limit",
            params={"fields": "quota_usage,config"},
        )
        rows = data.get("data") or [{}]
        total = (rows[0].get("config") or {}).get("quota_total")
        reading = QuotaReading(
            usage=int(rows[0].get("quota_usage") or 0),
            total=None if total is None else int(total),
        )
        self.quota_reading = reading
        if reading.total is not None and reading.usage >= reading.total:
            raise RateLimited(
                f"content_publishing_limit {reading.usage}/{reading.total}",
                retry_after_seconds=None,
                scope="publishing_quota",
            )
        return reading

    # --- Reconciliation -----------------------------------------------------------------------
    def reconcile(self, *, query: ReconcileQuery) -> ReconcileResult:
        if not query.publish_id:
            return reconcile_among(self.recent_posts(since=query.since), query=query)
        current = self.status(publish_id=query.publish_id)
        if current.state != PublishState.PUBLISHED:
            # The container exists but was never published (READY: finalize may run).
            return ReconcileResult(found=False, state=current.state)
        if query.marker:
            # The media id and permalink, when the post shows among recent media (Stories
            # do not); the container's PUBLISHED is proof enough on its own.
            among = reconcile_among(self.recent_posts(since=query.since), query=query)
            if among.found:
                return among
        return ReconcileResult(found=True, state=PublishState.PUBLISHED, matches=1)

    def recent_posts(self, *, since: datetime | None = None) -> RecentPosts:
        pages = self.recent_pages(
            f"{self.auth.account_id}/media",
            {"fields": "id,caption,timestamp,permalink"},
            text="caption",
            created="timestamp",
            permalink="permalink",
        )
        return read_back_to(pages, since=since)

    # --- Insights (read-only) ---------------------------------------------------------------
    def post_insights(self, *, post_ids: Sequence[str]) -> list[MetricReading]:
        readings: list[MetricReading] = []
        for media_id in post_ids:
            body = self.graph(
                "GET", f"{media_id}/insights", params={"metric": ",".join(MEDIA_METRICS)}
            )
            readings.extend(insights_readings(body, object_id=media_id))
        return readings

    def account_insights(self, *, first_day: date, last_day: date) -> list[MetricReading]:
        readings: list[MetricReading] = []
        path = f"{self.auth.account_id}/insights"
        for start, end in day_windows(first_day, last_day, max_days=ACCOUNT_WINDOW_DAYS):
            params = {"metric": ",".join(ACCOUNT_DAILY_METRICS), "period": "day"}
            body = self.graph("GET", path, params=params | since_until(start, end))
            readings.extend(insights_readings(body))
        day = first_day
        while day <= last_day:
            params = {
                "metric": ",".join(ACCOUNT_TOTAL_METRICS),
                "metric_type": "total_value",
                "period": "day",
            }
            body = self.graph("GET", path, params=params | since_until(day, day))
            readings.extend(insights_readings(body, day=day))
            day += timedelta(days=1)
        return readings


def _check_caption(text: str) -> None:
    if len(text) > CAPTION_MAX or len(re.findall(r"#\w+", text)) > HASHTAGS_MAX:
        raise PermanentError(
            reason=_(
                "The caption is longer than Instagram allows (2,200 characters, 30 hashtags)."
            ),
            action=_("Shorten the caption and schedule the post again."),
        )


def _check_media(request: PostRequest) -> None:
    count = len(request.media)
    limit = CAROUSEL_MAX if request.kind == PostKind.CAROUSEL else 1
    wrong_count = count == 0 or count > limit or (request.kind == PostKind.CAROUSEL and count < 2)
    not_video = request.kind == PostKind.REEL and count and request.media[0].kind != MediaKind.VIDEO
    if wrong_count or not_video:
        raise media_contract_error(
            platform="Instagram", detail=f"{request.kind} post with {request.media!r}"
        )
    if any(not item.url for item in request.media):
        # Not a rule of the post: the server has no public address for its media.
        raise PermanentError(
            reason=_("Instagram needs the media at public web addresses."),
            action=_("Change the media of the post and save it."),
        )
