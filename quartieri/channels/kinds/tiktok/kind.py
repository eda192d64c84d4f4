"""TikTok (Content Posting API, platform-apis.md §1): the kind's declaration."""

from __future__ import annotations

from quartieri.channels.base import Capability, SocialKind
from quartieri.channels.connectors.base import MediaKind
from quartieri.channels.kinds.tiktok.rules import RULES
from quartieri.channels.registry import Platform
from quartieri.channels.rules import PlatformRules, PostType


class TikTokKind(SocialKind):
    slug = Platform.TIKTOK
    label = Platform.TIKTOK.label
    capabilities = SocialKind.capabilities | {Capability.RECONCILE}
    connector = "quartieri.publishing.connectors.tiktok.client.TikTokConnector"

    def rules(self) -> PlatformRules:
        return RULES

    def default_post_type(self, *, media_kinds: frozenset[str]) -> str:
        # A photo post when the item has pictures and no video (§1.3); a video otherwise.
        if media_kinds and MediaKind.VIDEO not in media_kinds:
            return PostType.PHOTO
        return PostType.VIDEO
