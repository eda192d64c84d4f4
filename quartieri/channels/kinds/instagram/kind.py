"""Instagram (Graph API with Facebook Login, platform-apis.md §2): the kind's declaration."""

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
from quartieri.channels.connectors.base import MediaKind, PlatformOptions
from quartieri.channels.kinds.instagram import rules
from quartieri.channels.kinds.instagram.client import InstagramOptions
from quartieri.channels.kinds.meta.kind import IG_INSIGHTS, MetaKind
from quartieri.channels.preview import Fold
from quartieri.channels.registry import Platform
from quartieri.channels.rules import PlatformRules, PostType

POST, ACCOUNT = MetricScope.POST, MetricScope.ACCOUNT
# Instagram publishes no fold; third parties measure about 125 characters before "… more"
# in the feed (charactercounter.com/instagram, bulkpublish.com/blog/instagram-character-limit)
# [3P]. Reels show less, by no published figure; stories carry no caption (§2.1 lists none).
CAPTION_FOLD = Fold(
    125,
    "charactercounter.com/instagram, bulkpublish.com",
    _("Reels show less of it, by no published figure."),
)


class InstagramKind(MetaKind):
    slug = Platform.INSTAGRAM
    label = Platform.INSTAGRAM.label
    appearance = Appearance(colour="#c13584", icon="it-instagram")  # Instagram's magenta
    connector = "quartieri.channels.kinds.instagram.client.InstagramConnector"
    preview_template = "channels/preview/instagram.html"
    # §2.2: content_publishing_limit's reference says quota_total is "currently 50"; Meta's
    # guide also says 100 ([CONFLICT] §0). The connector reads the live value before each
    # media_publish, holds the post when it is used up, and the reading is stored
    # (AccountState.quota_*): the page shows it, never the documented number.
    quota = QuotaNote(
        _(
            "Instagram allows a number of posts per rolling 24 hours; its reference says "
            "“currently 50” (another Meta page says 100). Quartieri reads Instagram's own "
            "count before every publish and holds the post when none is left: the first "
            "figure here is that count as last read, which includes posts made outside "
            "quartieri; the second counts only the posts quartieri published on this account "
            "in the last 24 hours."
        ),
        read_live=True,
    )
    metrics = {
        (POST, "views"): MetricDefinition("views", MetricKind.TOTAL, IG_INSIGHTS),
        (POST, "reach"): MetricDefinition("reach", MetricKind.TOTAL, IG_INSIGHTS),
        (ACCOUNT, "reach"): MetricDefinition("reach", MetricKind.DAILY, IG_INSIGHTS),
        # Instagram's follower_count is the number of new followers each day, not a total.
        (ACCOUNT, "follower_count"): MetricDefinition(
            "new_followers", MetricKind.DAILY, IG_INSIGHTS
        ),
        (ACCOUNT, "views"): MetricDefinition("views", MetricKind.DAILY, IG_INSIGHTS),
    }

    def rules(self) -> PlatformRules:
        return rules.rules()

    def caption_fold(self, *, post_type: str) -> Fold | None:
        return None if post_type == PostType.STORY else CAPTION_FOLD

    def default_post_type(self, *, media_kinds: frozenset[str]) -> str:
        return PostType.REEL if MediaKind.VIDEO in media_kinds else PostType.FEED

    def post_options(
        self, *, variant: PostFacts, media: Sequence[MediaFacts]
    ) -> PlatformOptions | None:
        return InstagramOptions(alt_text=media[0].alt_text if media else "")
