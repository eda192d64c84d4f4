"""A Facebook Page (Graph API, platform-apis.md §3): the kind's declaration."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _

from quartieri.channels.base import (
    Appearance,
    MediaFacts,
    MetricDefinition,
    MetricKind,
    MetricScope,
    PostFacts,
    QuotaNote,
)
from quartieri.channels.connectors.base import PlatformOptions
from quartieri.channels.kinds.facebook.client import FacebookOptions
from quartieri.channels.kinds.meta.kind import FB_INSIGHTS, MetaKind
from quartieri.channels.preview import Fold
from quartieri.channels.registry import Platform
from quartieri.channels.rules import IMAGE, VIDEO, Choice, Limit, PlatformRules, PostType

# platform-apis.md documents no caption limit (§3.2 caption maximum is [UNVERIFIED]) and
# no media count for feed posts. What it does say: a video post is one file_url on
# /videos, photos go to /photos (a video sent there fails). Reels have their own endpoint
# (/video_reels, §3.2) that quartieri does not publish to, so a Reel is no post type here.
_PHOTOS = "§3.2 Photos POST /{page-id}/photos url (multi-photo: attached_media) [V]"
_VIDEO = "§3.2 Video POST /{page-id}/videos file_url: one video [V]"
RULES = PlatformRules(
    label="Facebook",
    post_types=frozenset({PostType.FEED, PostType.PHOTO, PostType.VIDEO}),
    media_count_min={PostType.PHOTO: Limit(1, _PHOTOS), PostType.VIDEO: Limit(1, _VIDEO)},
    media_count_max={PostType.VIDEO: Limit(1, _VIDEO)},
    media_kinds={
        PostType.FEED: Choice(frozenset({IMAGE}), _PHOTOS),
        PostType.PHOTO: Choice(frozenset({IMAGE}), _PHOTOS),
        PostType.VIDEO: Choice(frozenset({VIDEO}), _VIDEO),
    },
)
POST, ACCOUNT = MetricScope.POST, MetricScope.ACCOUNT
# Facebook publishes no fold; third parties measure about 477 characters before "See more"
# in the desktop feed, earlier on phones (socialk.it facebook-character-counter, posthell.com
# facebook-character-counter) [3P]. The preview draws the desktop feed's post.
CAPTION_FOLD = Fold(
    477,
    "socialk.it, posthell.com",
    _("This is the desktop feed's figure: phones cut earlier."),
)


class FacebookKind(MetaKind):
    slug = Platform.FACEBOOK
    label = Platform.FACEBOOK.label
    appearance = Appearance(
        colour="#1760cf", icon="it-facebook"
    )  # Facebook's blue, darkened to read as text
    connector = "quartieri.channels.kinds.facebook.client.FacebookConnector"
    preview_template = "channels/preview/facebook.html"
    # §3: no daily limit for Page posts is documented; Reels are 30 per 24 hours (§3.2).
    quota = QuotaNote(
        _(
            "Facebook documents no daily limit for Page posts (only for Reels, 30 per 24 "
            "hours, which quartieri does not publish). Its usage headers can still pause the "
            "account for a while."
        )
    )
    metrics = {
        # *_media_view_unique count people reached (they replace *_impressions_unique).
        (POST, "post_total_media_view_unique"): MetricDefinition(
            "reach", MetricKind.TOTAL, FB_INSIGHTS
        ),
        (ACCOUNT, "page_total_media_view_unique"): MetricDefinition(
            "reach", MetricKind.DAILY, FB_INSIGHTS
        ),
        # page_follows is the Page's follower count on that day (it replaces page_fans).
        (ACCOUNT, "page_follows"): MetricDefinition("followers", MetricKind.TOTAL, FB_INSIGHTS),
    }

    def rules(self) -> PlatformRules:
        return RULES

    def caption_fold(self, *, post_type: str) -> Fold | None:
        return CAPTION_FOLD

    def default_post_type(self, *, media_kinds: frozenset[str]) -> str:
        return PostType.FEED

    def post_options(
        self, *, variant: PostFacts, media: Sequence[MediaFacts]
    ) -> PlatformOptions | None:
        return FacebookOptions(link=variant.link)
