"""TikTok (Content Posting API, platform-apis.md §1): the kind's declaration."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from quartieri.channels.base import (
    Capability,
    MetricDefinition,
    MetricKind,
    MetricScope,
    QuotaNote,
    SocialKind,
)
from quartieri.channels.connectors.base import AppCredentials, MediaKind
from quartieri.channels.kinds.tiktok import oauth
from quartieri.channels.kinds.tiktok.rules import RULES
from quartieri.channels.registry import Platform
from quartieri.channels.rules import PlatformRules, PostType

VIDEO_QUERY = (
    "TikTok Display API, Query Videos (developers.tiktok.com/doc/tiktok-api-v2-video-query)"
)
USER_INFO = "TikTok Display API, Get User Info, scope user.info.stats (platform-apis.md §1.1)"
POST, ACCOUNT = MetricScope.POST, MetricScope.ACCOUNT


def _total(name: str, source: str) -> MetricDefinition:
    return MetricDefinition(name, MetricKind.TOTAL, source)


class TikTokKind(SocialKind):
    slug = Platform.TIKTOK
    label = Platform.TIKTOK.label
    capabilities = SocialKind.capabilities | {
        Capability.RECONCILE,
        Capability.OAUTH,
        Capability.METRICS,
    }
    connector = "quartieri.channels.kinds.tiktok.client.TikTokConnector"
    oauth = oauth.LOGIN
    # §1.6: a per-creator cap per 24 hours exists, its value is not published ("typically
    # around 15 posts", page text truncated); reaching it answers spam_risk_too_many_posts.
    quota = QuotaNote(
        _(
            "TikTok limits posts per creator per 24 hours but does not publish the number "
            "(its guidelines say “typically around 15”). When it is reached TikTok refuses "
            "and quartieri pauses the account until the next day."
        )
    )
    metrics = {
        (POST, "view_count"): _total("views", VIDEO_QUERY),
        (POST, "like_count"): _total("likes", VIDEO_QUERY),
        (POST, "comment_count"): _total("comments", VIDEO_QUERY),
        (POST, "share_count"): _total("shares", VIDEO_QUERY),
        (ACCOUNT, "follower_count"): _total("followers", USER_INFO),
        (ACCOUNT, "likes_count"): _total("likes", USER_INFO),
        (ACCOUNT, "video_count"): _total("posts", USER_INFO),
    }

    def rules(self) -> PlatformRules:
        return RULES

    def default_post_type(self, *, media_kinds: frozenset[str]) -> str:
        # A photo post when the item has pictures and no video (§1.3); a video otherwise.
        if media_kinds and MediaKind.VIDEO not in media_kinds:
            return PostType.PHOTO
        return PostType.VIDEO

    def account_id(self, *, handle: str, external_id: str) -> str:
        # The connector builds permalinks from the username, which is the handle; the
        # open_id stored by the OAuth connect is an opaque id TikTok never puts in a URL.
        return handle.lstrip("@")

    def app_credentials(self) -> AppCredentials | None:
        client_id = settings.TIKTOK_CLIENT_KEY
        if not client_id:
            return None
        return AppCredentials(client_id=client_id, client_secret=settings.TIKTOK_CLIENT_SECRET)
