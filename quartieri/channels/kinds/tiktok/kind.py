"""TikTok (Content Posting API, platform-apis.md §1): the kind's declaration."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from quartieri.channels.base import (
    Appearance,
    Capability,
    ComposePanel,
    MediaFacts,
    MetricDefinition,
    MetricKind,
    MetricScope,
    PostFacts,
    QuotaNote,
    SocialKind,
)
from quartieri.channels.connectors.base import AppCredentials, MediaKind, PlatformOptions
from quartieri.channels.kinds.tiktok import oauth
from quartieri.channels.kinds.tiktok.client import TikTokOptions
from quartieri.channels.kinds.tiktok.creator_info import (
    tiktok_creator_failures,
    tiktok_creator_info_for,
)
from quartieri.channels.kinds.tiktok.options import PrivacyLevel, TikTokPostOptions
from quartieri.channels.kinds.tiktok.rules import RULES
from quartieri.channels.models import ChannelAccount
from quartieri.channels.preview import Fold
from quartieri.channels.registry import Platform
from quartieri.channels.rules import PlatformRules, PostType, RuleFailure

VIDEO_QUERY = (
    "TikTok Display API, Query Videos (developers.tiktok.com/doc/tiktok-api-v2-video-query)"
)
USER_INFO = "TikTok Display API, Get User Info, scope user.info.stats (platform-apis.md §1.1)"
POST, ACCOUNT = MetricScope.POST, MetricScope.ACCOUNT
# TikTok publishes no fold. Third parties measure 100 to 150 characters before "… more"
# (txttools.pages.dev/character-limit/tiktok and posttruncate.com: about 100;
# noxakit.com tiktok-caption-character-checker: 125–150) [3P, CONFLICT]: the lower figure,
# so that nothing the preview shows may be hidden on a small phone.
CAPTION_FOLD = Fold(
    100,
    "txttools.pages.dev, posttruncate.com, noxakit.com",
    _("Estimates range from 100 to 150 characters: the preview uses the lower one."),
)


def _total(name: str, source: str) -> MetricDefinition:
    return MetricDefinition(name, MetricKind.TOTAL, source)


class TikTokKind(SocialKind):
    slug = Platform.TIKTOK
    label = Platform.TIKTOK.label
    appearance = Appearance(colour="#111111", icon="it-tiktok")  # TikTok black
    capabilities = SocialKind.capabilities | {
        Capability.RECONCILE,
        Capability.OAUTH,
        Capability.METRICS,
        Capability.OPTIONS,
        Capability.COMPOSE_CHECKS,
    }
    connector = "quartieri.channels.kinds.tiktok.client.TikTokConnector"
    preview_template = "channels/preview/tiktok.html"
    oauth = oauth.LOGIN
    options = TikTokPostOptions
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

    def caption_fold(self, *, post_type: str) -> Fold | None:
        return CAPTION_FOLD

    def account_id(self, *, handle: str, external_id: str) -> str:
        # The connector builds permalinks from the username, which is the handle; the
        # open_id stored by the OAuth connect is an opaque id TikTok never puts in a URL.
        return handle.lstrip("@")

    def app_credentials(self) -> AppCredentials | None:
        client_id = settings.TIKTOK_CLIENT_KEY
        if not client_id:
            return None
        return AppCredentials(client_id=client_id, client_secret=settings.TIKTOK_CLIENT_SECRET)

    def post_options(
        self, *, variant: PostFacts, media: Sequence[MediaFacts]
    ) -> PlatformOptions | None:
        chosen = TikTokPostOptions.from_json(variant.options)
        if not chosen.privacy_level:
            return None  # the connector refuses with plain words: privacy has no default
        return TikTokOptions(
            privacy_level=chosen.privacy_level,
            allow_comment=chosen.allow_comment,
            allow_duet=chosen.allow_duet,
            allow_stitch=chosen.allow_stitch,
            photo_title=variant.title,
        )

    def compose_failures(
        self, *, variant: PostFacts, media: Sequence[MediaFacts]
    ) -> list[RuleFailure]:
        return tiktok_creator_failures(variant=variant, media=media)

    def compose_panel(self, *, accounts: Sequence[ChannelAccount]) -> ComposePanel | None:
        """The creator's settings of each account (§1.6), privacy options in plain words."""
        labels = dict(PrivacyLevel.choices)
        panels = []
        for account in accounts:
            result = tiktok_creator_info_for(account=account)
            levels = result.info.privacy_level_options if result.info else ()
            panels.append(
                {"result": result, "privacy_labels": [str(labels.get(v, v)) for v in levels]}
            )
        return ComposePanel("channels/tiktok_creator.html", {"panels": panels})
