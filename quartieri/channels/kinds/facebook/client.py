"""Facebook Pages API publishing (platform-apis.md §3), with a Page access token.

Text and link posts go to ``/{page-id}/feed``; one photo to ``/{page-id}/photos``; several
photos are uploaded unpublished and attached to one ``/feed`` post; a video goes to
``/{page-id}/videos`` by URL and is polled until Facebook has processed it. Every call that
makes something visible is non-idempotent: a lost answer is ``MaybeSubmitted``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _

from quartieri.channels.connectors.base import (
    CLOCK_SLACK,
    ConnectorError,
    MediaKind,
    MetricReading,
    PermanentError,
    PlatformOptions,
    PostKind,
    PostRequest,
    PublishState,
    RecentPosts,
    ReconcileQuery,
    ReconcileResult,
    StatusResult,
    SubmitResult,
    media_contract_error,
    read_back_to,
    reconcile_among,
)
from quartieri.channels.kinds.facebook.errors import facebook_error, video_error
from quartieri.channels.kinds.meta.graph import GraphConnector
from quartieri.channels.kinds.meta.graph_insights import (
    day_windows,
    insights_readings,
    since_until,
)

# Insights (§3.3), current names only: `post_impressions_unique`, `page_impressions_unique`
# and `page_fans` are deprecated and answer an invalid-metric error (§0, §3.3).
POST_METRICS = ("post_total_media_view_unique",)  # running total of one post
PAGE_METRICS = ("page_total_media_view_unique", "page_follows")  # period=day
PAGE_WINDOW_DAYS = 90  # since/until may span at most 90 days (§3.3)


@dataclass(frozen=True)
class FacebookOptions(PlatformOptions):
    link: str = ""  # a link preview on a text post
    video_title: str = ""


class FacebookConnector(GraphConnector):
    slug = "facebook"
    display_name = "Facebook"
    supported_kinds: ClassVar[frozenset[PostKind]] = frozenset(
        {PostKind.TEXT, PostKind.IMAGE, PostKind.CAROUSEL, PostKind.VIDEO}
    )

    def extra_errors(self, code: int, subcode: int, detail: str) -> Exception | None:
        return facebook_error(code, subcode, detail)

    @property
    def page(self) -> str:
        return self.auth.account_id

    # --- Submit --------------------------------------------------------------------------------
    def submit(self, *, request: PostRequest) -> SubmitResult:
        self.check_kind(request)
        options = request.options if isinstance(request.options, FacebookOptions) else None
        options = options or FacebookOptions()
        if any(not item.url for item in request.media):
            raise PermanentError(
                reason=_("Facebook needs the media at public web addresses."),
                action=_("Change the media of the post and save it."),
            )
        if request.kind == PostKind.VIDEO:
            return self._video(request, options)
        if request.kind == PostKind.IMAGE:
            return self._photo(request)
        fields: dict[str, Any] = {"message": request.text}
        if request.kind == PostKind.CAROUSEL:
            ids = [self._unpublished_photo(item.url) for item in request.media]
            fields["attached_media"] = json.dumps([{"media_fbid": i} for i in ids])
        if options.link:
            fields["link"] = options.link
        post_id = str(self.graph("POST", f"{self.page}/feed", creates=True, data=fields)["id"])
        return self._published(post_id)

    def _photo(self, request: PostRequest) -> SubmitResult:
        fields = {"url": request.media[0].url, "caption": request.text}
        data = self.graph("POST", f"{self.page}/photos", creates=True, data=fields)
        return self._published(str(data.get("post_id") or data["id"]))

    def _unpublished_photo(self, url: str) -> str:
        # Unpublished photos are invisible until attached: safe to upload again.
        data = self.graph("POST", f"{self.page}/photos", data={"url": url, "published": "false"})
        return str(data["id"])

    def _video(self, request: PostRequest, options: FacebookOptions) -> SubmitResult:
        if len(request.media) != 1 or request.media[0].kind != MediaKind.VIDEO:
            raise media_contract_error(
                platform=self.display_name, detail=f"video post with {request.media!r}"
            )
        fields = {"file_url": request.media[0].url, "description": request.text}
        if options.video_title:
            fields["title"] = options.video_title
        data = self.graph("POST", f"{self.page}/videos", creates=True, data=fields)
        return SubmitResult(PublishState.PROCESSING, publish_id=str(data["id"]))

    def _published(self, post_id: str) -> SubmitResult:
        return SubmitResult(
            PublishState.PUBLISHED,
            publish_id=post_id,
            platform_post_id=post_id,
            permalink=self._permalink(post_id),
        )

    def _permalink(self, post_id: str) -> str:
        # The post exists whatever happens here: a failed read never fails the publish.
        try:
            data = self.graph("GET", post_id, params={"fields": "id,permalink_url"})
        except ConnectorError:
            return ""
        return str(data.get("permalink_url", ""))

    # --- Status ----------------------------------------------------------------------------------
    def status(self, *, publish_id: str) -> StatusResult:
        if "_" in publish_id:  # "{page-id}_{post-id}": a feed post, published at once
            data = self.graph("GET", publish_id, params={"fields": "id,permalink_url"})
            return StatusResult(
                PublishState.PUBLISHED,
                platform_post_id=publish_id,
                permalink=str(data.get("permalink_url", "")),
            )
        data = self.graph("GET", publish_id, params={"fields": "status,permalink_url"})
        video_status = str((data.get("status") or {}).get("video_status", ""))
        if video_status == "ready":
            return StatusResult(
                PublishState.PUBLISHED,
                platform_post_id=publish_id,
                permalink=str(data.get("permalink_url", "")),
            )
        if video_status == "error":
            return StatusResult(PublishState.FAILED, error=video_error(json.dumps(data)))
        return StatusResult(PublishState.PROCESSING)

    # --- Reconciliation ------------------------------------------------------------------------
    def reconcile(self, *, query: ReconcileQuery) -> ReconcileResult:
        if query.publish_id and not query.marker:
            result = self.status(publish_id=query.publish_id)
            found = result.state != PublishState.FAILED
            return ReconcileResult(
                found=found,
                platform_post_id=result.platform_post_id,
                permalink=result.permalink,
                state=result.state,
                matches=int(found),
            )
        return reconcile_among(self.recent_posts(since=query.since), query=query)

    def recent_posts(self, *, since: datetime | None = None) -> RecentPosts:
        params: dict[str, Any] = {"fields": "id,message,created_time,permalink_url"}
        if since is not None:
            # The Page's posts edge filters by time itself (time-based ``since``).
            params["since"] = int((since - CLOCK_SLACK).timestamp())
        pages = self.recent_pages(
            f"{self.page}/posts",
            params,
            text="message",
            created="created_time",
            permalink="permalink_url",
        )
        return read_back_to(pages, since=since)

    # --- Insights (read-only) ----------------------------------------------------------------
    def post_insights(self, *, post_ids: Sequence[str]) -> list[MetricReading]:
        readings: list[MetricReading] = []
        for post_id in post_ids:
            if "_" not in post_id:
                # A video's id, not a post's: its figures live on the video insights edge,
                # which is not built (docs/publishing.md, Insights).
                continue
            params = {"metric": ",".join(POST_METRICS), "period": "lifetime"}
            body = self.graph("GET", f"{post_id}/insights", params=params)
            readings.extend(insights_readings(body, object_id=post_id))
        return readings

    def account_insights(self, *, first_day: date, last_day: date) -> list[MetricReading]:
        readings: list[MetricReading] = []
        for start, end in day_windows(first_day, last_day, max_days=PAGE_WINDOW_DAYS):
            params = {"metric": ",".join(PAGE_METRICS), "period": "day"}
            body = self.graph(
                "GET", f"{self.page}/insights", params=params | since_until(start, end)
            )
            readings.extend(insights_readings(body))
        return readings
