"""The city's own channels: newsletter, city screens, website, posters.

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


class NewsletterKind(OwnChannelKind):
    slug = Platform.NEWSLETTER
    label = Platform.NEWSLETTER.label
    rules_label = "Newsletter"
    preview_template = "channels/preview/newsletter.html"  # an item of the day's issue


class ScreensKind(OwnChannelKind):
    slug = Platform.SCREENS
    label = Platform.SCREENS.label
    rules_label = "Screens"
    preview_template = "channels/preview/screens.html"  # a 16:9 slide


class WebsiteKind(OwnChannelKind):
    slug = Platform.WEBSITE
    label = Platform.WEBSITE.label
    rules_label = "Website"
    preview_template = "channels/preview/website.html"  # an entry of the mini-site's feed


class PostersKind(OwnChannelKind):
    slug = Platform.POSTERS
    label = Platform.POSTERS.label
    rules_label = "Posters"
    preview_template = "channels/preview/posters.html"  # an A3 portrait sheet
