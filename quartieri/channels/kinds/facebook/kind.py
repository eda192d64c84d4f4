"""A Facebook Page (Graph API, platform-apis.md §3): the kind's declaration."""

from __future__ import annotations

from quartieri.channels.base import Capability, SocialKind
from quartieri.channels.registry import Platform
from quartieri.channels.rules import PlatformRules, PostType

# platform-apis.md documents no caption or media limit (§3.2 caption maximum is
# [UNVERIFIED]), so only the universal accessibility rules apply.
RULES = PlatformRules(
    label="Facebook",
    post_types=frozenset({PostType.FEED, PostType.PHOTO, PostType.VIDEO, PostType.REEL}),
)


class FacebookKind(SocialKind):
    slug = Platform.FACEBOOK
    label = Platform.FACEBOOK.label
    capabilities = SocialKind.capabilities | {Capability.RECONCILE}
    connector = "quartieri.publishing.connectors.facebook.client.FacebookConnector"

    def rules(self) -> PlatformRules:
        return RULES

    def default_post_type(self, *, media_kinds: frozenset[str]) -> str:
        return PostType.FEED
