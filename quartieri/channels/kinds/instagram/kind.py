"""Instagram (Graph API with Facebook Login, platform-apis.md §2): the kind's declaration."""

from __future__ import annotations

from quartieri.channels.base import Capability, SocialKind
from quartieri.channels.connectors.base import MediaKind
from quartieri.channels.kinds.instagram import rules
from quartieri.channels.registry import Platform
from quartieri.channels.rules import PlatformRules, PostType


class InstagramKind(SocialKind):
    slug = Platform.INSTAGRAM
    label = Platform.INSTAGRAM.label
    capabilities = SocialKind.capabilities | {Capability.RECONCILE}
    connector = "quartieri.publishing.connectors.instagram.client.InstagramConnector"

    def rules(self) -> PlatformRules:
        return rules.rules()

    def default_post_type(self, *, media_kinds: frozenset[str]) -> str:
        return PostType.REEL if MediaKind.VIDEO in media_kinds else PostType.FEED
