"""The catalogue of platform metrics we store: our name for each, its kind and its source.

Keys are (platform, "post" | "account", the platform's metric name). The connectors ask
for exactly these names (``VIDEO_METRICS``, ``MEDIA_METRICS``, ``PAGE_METRICS``…); a test
checks that every one of them is here and none is a deprecated name. ``name`` lets a
report put TikTok's ``view_count`` next to Instagram's ``views``; the platforms do not
define them identically, which is why ``metric`` and ``source`` are stored too.
"""

from __future__ import annotations

from dataclasses import dataclass

from quartieri.analytics.models import MetricKind

TIKTOK_VIDEO_QUERY = (
    "TikTok Display API, Query Videos (developers.tiktok.com/doc/tiktok-api-v2-video-query)"
)
TIKTOK_USER_INFO = (
    "TikTok Display API, Get User Info, scope user.info.stats (platform-apis.md §1.1)"
)
IG_INSIGHTS = "platform-apis.md §2.4 (Instagram Media / Account Insights)"
FB_INSIGHTS = "platform-apis.md §3.3 (Page Insights; replacements of §0)"

POST = "post"
ACCOUNT = "account"


@dataclass(frozen=True)
class MetricDefinition:
    name: str  # ours, the same across platforms where the meaning is close
    kind: MetricKind
    source: str


def _total(name: str, source: str) -> MetricDefinition:
    return MetricDefinition(name, MetricKind.TOTAL, source)


def _daily(name: str, source: str) -> MetricDefinition:
    return MetricDefinition(name, MetricKind.DAILY, source)


CATALOGUE: dict[tuple[str, str, str], MetricDefinition] = {
    ("tiktok", POST, "view_count"): _total("views", TIKTOK_VIDEO_QUERY),
    ("tiktok", POST, "like_count"): _total("likes", TIKTOK_VIDEO_QUERY),
    ("tiktok", POST, "comment_count"): _total("comments", TIKTOK_VIDEO_QUERY),
    ("tiktok", POST, "share_count"): _total("shares", TIKTOK_VIDEO_QUERY),
    ("tiktok", ACCOUNT, "follower_count"): _total("followers", TIKTOK_USER_INFO),
    ("tiktok", ACCOUNT, "likes_count"): _total("likes", TIKTOK_USER_INFO),
    ("tiktok", ACCOUNT, "video_count"): _total("posts", TIKTOK_USER_INFO),
    ("instagram", POST, "views"): _total("views", IG_INSIGHTS),
    ("instagram", POST, "reach"): _total("reach", IG_INSIGHTS),
    ("instagram", ACCOUNT, "reach"): _daily("reach", IG_INSIGHTS),
    # Instagram's follower_count is the number of new followers each day, not a total.
    ("instagram", ACCOUNT, "follower_count"): _daily("new_followers", IG_INSIGHTS),
    ("instagram", ACCOUNT, "views"): _daily("views", IG_INSIGHTS),
    # Facebook's *_media_view_unique count people reached (they replace *_impressions_unique).
    ("facebook", POST, "post_total_media_view_unique"): _total("reach", FB_INSIGHTS),
    ("facebook", ACCOUNT, "page_total_media_view_unique"): _daily("reach", FB_INSIGHTS),
    # page_follows is the Page's follower count on that day (it replaces page_fans).
    ("facebook", ACCOUNT, "page_follows"): _total("followers", FB_INSIGHTS),
}


def metric_definition(*, platform: str, scope: str, metric: str) -> MetricDefinition:
    """The catalogue entry; a name the catalogue lacks is stored as it came, with no source."""
    found = CATALOGUE.get((platform, scope, metric))
    if found is not None:
        return found
    kind = MetricKind.TOTAL if scope == POST else MetricKind.DAILY
    return MetricDefinition(metric[:50], kind, "")
