"""Insights for the local fakes: TikTok's Display API, Instagram and Facebook insights edges.

Figures are derived from what each fake has published, deterministically: a post's running
totals start from a value seeded by its id and grow every hour since it went out; an
account's daily figures grow with the posts made up to that day. The fakes keep their own
clock for this (``advance_insights(hours=…)``) so a test can make figures grow.

Only current metric names are served (platform-apis.md §2.4, §3.3, and TikTok's Video
Object fields); any other name, deprecated ones included (`impressions`, `plays`,
`page_impressions_unique`, `page_fans`…), gets the platform's invalid-metric answer: Meta
error code 100, TikTok ``invalid_params``. Fault injection (``inject``) applies as to any
other route.
"""

from __future__ import annotations

import hashlib
import re
import time
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from quartieri.channels.connectors.fakeserver import FakeRequest, FakeResponse, Route, route
from quartieri.channels.kinds.meta.graph_fake import V, graph_error, graph_time

if TYPE_CHECKING:
    from quartieri.channels.kinds.facebook.fake import FakeFacebook
    from quartieri.channels.kinds.instagram.fake import FakeInstagram
    from quartieri.channels.kinds.tiktok.fake import FakeTikTok

# TikTok's Video Object and User Object fields (Display API reference).
TIKTOK_VIDEO_FIELDS = frozenset(
    [
        "id",
        "create_time",
        "cover_image_url",
        "share_url",
        "video_description",
        "duration",
        "height",
        "width",
        "title",
        "embed_html",
        "embed_link",
        "like_count",
        "comment_count",
        "share_count",
        "view_count",
    ]
)
TIKTOK_USER_FIELDS = frozenset(
    [
        "open_id",
        "union_id",
        "avatar_url",
        "avatar_url_100",
        "avatar_large_url",
        "display_name",
        "bio_description",
        "profile_deep_link",
        "is_verified",
        "username",
        "follower_count",
        "following_count",
        "likes_count",
        "video_count",
    ]
)
# Current Meta names (§2.4, §3.3); everything else is refused with code 100.
IG_MEDIA_METRICS = frozenset(
    [
        "views",
        "reach",
        "likes",
        "comments",
        "saved",
        "shares",
        "total_interactions",
        "total_likes",
        "total_comments",
        "total_views",
    ]
)
IG_ACCOUNT_SERIES = frozenset({"reach", "follower_count"})  # period=day time series
IG_ACCOUNT_TOTALS = frozenset({"views", "reach", "likes", "comments", "shares", "saves", "replies"})
FB_PAGE_METRICS = frozenset(
    [
        "page_total_media_view_unique",
        "page_media_view",
        "page_post_engagements",
        "page_daily_follows",
        "page_follows",
        "page_views_total",
        "page_video_views",
    ]
)
FB_POST_METRICS = frozenset(
    [
        "post_total_media_view_unique",
        "post_reactions_by_type_total",
        "post_clicks",
        "post_clicks_by_type",
    ]
)
INVALID_METRIC = "(#100) The value must be a valid insights metric"


class InsightsClock:
    """The fake's clock for figures, ahead of real time by ``insights_offset`` seconds."""

    insights_offset: float = 0.0

    def advance_insights(self, *, hours: float) -> None:
        self.insights_offset += hours * 3600

    def insights_now(self) -> float:
        return time.time() + self.insights_offset


def post_figures(*, seed: str, created: float, now: float) -> dict[str, int]:
    """Running totals of one post: seeded by its id, growing each hour since it went out."""
    hours = max(0, int((now - created) // 3600))
    start = 20 + int(hashlib.sha256(seed.encode()).hexdigest()[:4], 16) % 50
    views = start + 40 * (hours + 1)
    likes, comments, shares, saved = views // 10, views // 40, views // 20, views // 50
    return {
        "views": views,
        "reach": views * 6 // 10,
        "likes": likes,
        "comments": comments,
        "shares": shares,
        "saved": saved,
        "total_interactions": likes + comments + shares + saved,
    }


def _day(unix: float) -> date:
    return datetime.fromtimestamp(unix, tz=UTC).date()


def _param_day(raw: str, default: date) -> date:
    if raw.isdigit():
        return _day(float(raw))
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return default


def _days(request: FakeRequest, now: float) -> list[date]:
    """The days from ``since`` to ``until`` (exclusive), as Meta counts them."""
    today = _day(now)
    since = _param_day(request.param("since"), today - timedelta(days=1))
    until = _param_day(request.param("until"), today)
    return [since + timedelta(days=n) for n in range((until - since).days)]


def _metrics(request: FakeRequest) -> list[str]:
    return [name.strip() for name in request.param("metric").split(",") if name.strip()]


def _series(node: str, name: str, values: dict[date, int]) -> dict[str, Any]:
    # end_time is the end of the day counted, 08:00 UTC the next day (Meta's Pacific midnight).
    points = [
        {"value": value, "end_time": graph_time(_end_of(day))} for day, value in values.items()
    ]
    return {"name": name, "period": "day", "values": points, "id": f"{node}/insights/{name}/day"}


def _end_of(day: date) -> float:
    return datetime(day.year, day.month, day.day, 8, tzinfo=UTC).timestamp() + 86400


def _lifetime(node: str, name: str, value: int) -> dict[str, Any]:
    return {
        "name": name,
        "period": "lifetime",
        "values": [{"value": value}],
        "id": f"{node}/insights/{name}/lifetime",
    }


# --- TikTok ---------------------------------------------------------------------------------
class TikTokInsights(InsightsClock):
    """``POST /v2/video/query/`` and ``GET /v2/user/info/`` for FakeTikTok."""

    def insights_routes(self) -> list[Route]:
        fake = cast("FakeTikTok", self)
        return [
            route("POST", "/v2/video/query/", fake._authorized(partial(_video_query, fake))),
            route("GET", "/v2/user/info/", fake._authorized(partial(_user_info, fake))),
        ]

    def video_figures(self, post_id: str) -> dict[str, int]:
        """The counts the fake answers now for one public video (what tests compare)."""
        fake = cast("FakeTikTok", self)
        with fake.lock:
            publish = next(p for p in fake.publishes.values() if p.post_id == post_id)
        figures = post_figures(seed=post_id, created=publish.created_unix, now=self.insights_now())
        return {
            "view_count": figures["views"],
            "like_count": figures["likes"],
            "comment_count": figures["comments"],
            "share_count": figures["shares"],
        }


def _public_videos(fake: FakeTikTok) -> list[str]:
    with fake.lock:
        return [p.post_id for p in fake.publishes.values() if p.post_id and p.visible_id]


def _video_query(fake: FakeTikTok, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
    fields = [name for name in request.param("fields").split(",") if name]
    ids = [str(i) for i in (request.json().get("filters") or {}).get("video_ids") or []]
    unknown = sorted(set(fields) - TIKTOK_VIDEO_FIELDS)
    if not fields or unknown:
        return _tiktok_error("invalid_params", f"unknown fields {unknown}")
    if not 1 <= len(ids) <= 20:
        return _tiktok_error("invalid_params", "filters.video_ids takes 1 to 20 ids")
    public = set(_public_videos(fake))
    videos = []
    for video_id in (i for i in ids if i in public):
        video: dict[str, Any] = {"id": video_id, **fake.video_figures(video_id)}
        videos.append({name: video[name] for name in fields if name in video})
    return _tiktok_ok({"videos": videos, "cursor": 0, "has_more": False})


def _user_info(fake: FakeTikTok, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
    fields = [name for name in request.param("fields").split(",") if name]
    if not fields or not set(fields) <= TIKTOK_USER_FIELDS:
        return _tiktok_error("invalid_params", "unknown user fields")
    public = _public_videos(fake)
    user = {
        "open_id": "fake-open-id",
        "display_name": "Visit Quartieri",
        "follower_count": 1000 + 10 * len(public),
        "following_count": 12,
        "likes_count": sum(fake.video_figures(post_id)["like_count"] for post_id in public),
        "video_count": len(public),
    }
    return _tiktok_ok({"user": {name: user[name] for name in fields if name in user}})


def _tiktok_ok(data: dict[str, Any]) -> FakeResponse:
    return FakeResponse(200, {"data": data, "error": {"code": "ok", "message": "", "log_id": "x"}})


def _tiktok_error(code: str, message: str) -> FakeResponse:
    body = {"data": {}, "error": {"code": code, "message": message, "log_id": "fake"}}
    return FakeResponse(400, body)


# --- Instagram -----------------------------------------------------------------------------
class InstagramInsights(InsightsClock):
    """``GET /{ig-media-id}/insights`` and ``GET /{ig-user-id}/insights`` for FakeInstagram."""

    def insights_routes(self) -> list[Route]:
        fake = cast("FakeInstagram", self)
        handler = fake.authorized(partial(_ig_insights, fake))
        return [route("GET", rf"{V}/(?P<node>\d+)/insights", handler)]

    def media_figures(self, media_id: str) -> dict[str, int]:
        fake = cast("FakeInstagram", self)
        with fake.lock:
            media = fake.media[media_id]
        return post_figures(seed=media_id, created=media.timestamp, now=self.insights_now())

    def account_day_figures(self, day: date) -> dict[str, int]:
        fake = cast("FakeInstagram", self)
        with fake.lock:
            made = [_day(media.timestamp) for media in fake.media.values()]
        by_day, on_day = sum(1 for d in made if d <= day), sum(1 for d in made if d == day)
        return {
            "reach": 80 + 20 * by_day,
            "follower_count": 2 + 3 * on_day,  # new followers that day
            "views": 150 + 35 * by_day,
            "likes": 9 * by_day,
            "comments": 2 * by_day,
            "shares": by_day,
            "saves": by_day,
            "replies": 0,
        }


def _ig_insights(fake: FakeInstagram, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
    node, metrics = match["node"], _metrics(request)
    if node == fake.ig_user:
        return _ig_account_insights(fake, request, metrics)
    with fake.lock:
        known = node in fake.media
    if not known:
        return graph_error(400, 100, "Unsupported get request", 33)
    if not metrics or not set(metrics) <= IG_MEDIA_METRICS:
        return graph_error(400, 100, INVALID_METRIC)
    figures = fake.media_figures(node)
    return FakeResponse(200, {"data": [_lifetime(node, m, figures.get(m, 0)) for m in metrics]})


def _ig_account_insights(
    fake: FakeInstagram, request: FakeRequest, metrics: list[str]
) -> FakeResponse:
    total = request.param("metric_type") == "total_value"
    allowed = IG_ACCOUNT_TOTALS if total else IG_ACCOUNT_SERIES
    if not metrics or not set(metrics) <= IG_ACCOUNT_SERIES | IG_ACCOUNT_TOTALS:
        return graph_error(400, 100, INVALID_METRIC)
    if not set(metrics) <= allowed or request.param("period") != "day":
        wrong = ", ".join(sorted(set(metrics) - allowed)) or "period"
        return graph_error(
            400,
            100,
            f"(#100) The following metrics ({wrong}) should be specified with parameter "
            "metric_type=total_value and period=day",
        )
    days = _days(request, fake.insights_now())
    figures = {day: fake.account_day_figures(day) for day in days}
    node = fake.ig_user
    if not total:
        data = [_series(node, m, {day: f[m] for day, f in figures.items()}) for m in metrics]
        return FakeResponse(200, {"data": data})
    data = [
        {
            "name": name,
            "period": "day",
            "total_value": {"value": sum(f[name] for f in figures.values())},
            "id": f"{node}/insights/{name}/day",
        }
        for name in metrics
    ]
    return FakeResponse(200, {"data": data})


# --- Facebook ------------------------------------------------------------------------------
class FacebookInsights(InsightsClock):
    """``GET /{post-id}/insights`` and ``GET /{page-id}/insights`` for FakeFacebook."""

    def insights_routes(self) -> list[Route]:
        fake = cast("FakeFacebook", self)
        handler = fake.authorized(partial(_fb_insights, fake))
        return [route("GET", rf"{V}/(?P<node>\d+(_\d+)?)/insights", handler)]

    def page_post_figures(self, post_id: str) -> dict[str, int]:
        fake = cast("FakeFacebook", self)
        with fake.lock:
            post = next(p for p in fake.posts if p.id == post_id)
        figures = post_figures(seed=post_id, created=post.created, now=self.insights_now())
        return {"post_total_media_view_unique": figures["reach"], "post_clicks": figures["likes"]}

    def page_day_figures(self, day: date) -> dict[str, int]:
        fake = cast("FakeFacebook", self)
        with fake.lock:
            by_day = sum(1 for post in fake.posts if _day(post.created) <= day)
        return {
            "page_total_media_view_unique": 100 + 30 * by_day,
            "page_follows": 1000 + 5 * by_day,  # followers of the Page on that day
            "page_media_view": 160 + 45 * by_day,
            "page_post_engagements": 12 * by_day,
        }


def _fb_insights(fake: FakeFacebook, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
    node, metrics = match["node"], _metrics(request)
    if node == fake.page_id:
        if not metrics or not set(metrics) <= FB_PAGE_METRICS:
            return graph_error(400, 100, INVALID_METRIC)
        days = _days(request, fake.insights_now())
        per_day = {day: fake.page_day_figures(day) for day in days}
        data = [_series(node, m, {day: f.get(m, 0) for day, f in per_day.items()}) for m in metrics]
        return FakeResponse(200, {"data": data})
    with fake.lock:
        known = any(post.id == node for post in fake.posts)
    if not known:
        return graph_error(400, 100, "(#100) Unsupported get request", 33)
    if not metrics or not set(metrics) <= FB_POST_METRICS:
        return graph_error(400, 100, INVALID_METRIC)
    figures = fake.page_post_figures(node)
    return FakeResponse(200, {"data": [_lifetime(node, m, figures.get(m, 0)) for m in metrics]})
