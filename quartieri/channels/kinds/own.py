"""The city's own channels: city screens, website, posters (the newsletter's kind is
``quartieri.newsletter.kind``).

No third-party limits apply, only the universal accessibility rules, and nothing delivers a
scheduled variant yet: a person marks it published. Each channel's app replaces its kind
here with its own (``quartieri.<app>.kind``, deriving from ``OwnChannelKind``) when it can
deliver: it returns a ``Delivery`` and declares ``Capability.DELIVERS``.
"""

from __future__ import annotations

from typing import ClassVar

from quartieri.channels.base import ChannelKind
from quartieri.channels.registry import Platform
from quartieri.channels.rules import OWN_CHANNEL_POST_TYPES, PlatformRules


class OwnChannelKind(ChannelKind):
    """A channel the city runs itself: text-first, no connector, no OAuth, no options."""

    # The name rule failures give, e.g. "caption: … (Screens)".
    rules_label: ClassVar[str]

    def rules(self) -> PlatformRules:
        return PlatformRules(label=self.rules_label, post_types=OWN_CHANNEL_POST_TYPES)


class ScreensKind(OwnChannelKind):
    slug = Platform.SCREENS
    label = Platform.SCREENS.label
    rules_label = "Screens"


class WebsiteKind(OwnChannelKind):
    slug = Platform.WEBSITE
    label = Platform.WEBSITE.label
    rules_label = "Website"


class PostersKind(OwnChannelKind):
    slug = Platform.POSTERS
    label = Platform.POSTERS.label
    rules_label = "Posters"
