"""Everything measurement knows about channels, in one place.

The channels refactor (issue 15) turns each platform into a channel kind that declares what
it reports; until it lands, this module is the only one in the measurement code that maps
campaigns' platforms to what we measure of them, so it becomes the kinds' declarations in
one step. It names platforms only through ``channels.registry.Platform``.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from quartieri.analytics.tracking import Medium
from quartieri.channels.registry import Platform, platform_slugs

# utm_medium of a tracked link by its channel (contract 3: print, email, screen, social).
MEDIUM_BY_CHANNEL: dict[str, str] = {
    Platform.POSTERS: Medium.PRINT,
    Platform.NEWSLETTER: Medium.EMAIL,
    Platform.SCREENS: Medium.SCREEN,
    Platform.TIKTOK: Medium.SOCIAL,
    Platform.INSTAGRAM: Medium.SOCIAL,
    Platform.FACEBOOK: Medium.SOCIAL,
    Platform.WEBSITE: Medium.WEB,
}

# The planner's channel slug (data/audiences/channels.csv) for each platform of campaigns.
PLANNER_CHANNEL: dict[str, str] = {
    Platform.TIKTOK: Platform.TIKTOK.value,
    Platform.INSTAGRAM: Platform.INSTAGRAM.value,
    Platform.FACEBOOK: Platform.FACEBOOK.value,
    Platform.NEWSLETTER: Platform.NEWSLETTER.value,
    Platform.SCREENS: "city-screens",
    Platform.WEBSITE: Platform.WEBSITE.value,
    Platform.POSTERS: Platform.POSTERS.value,
}
PLATFORM_OF_PLANNER_CHANNEL = {planner: platform for platform, planner in PLANNER_CHANNEL.items()}

# Platforms whose reach the platform itself reports (insights pulled by publishing).
INSIGHTS_PLATFORMS = frozenset({Platform.TIKTOK, Platform.INSTAGRAM, Platform.FACEBOOK})


def medium_for(channel: str) -> str:
    """utm_medium of a channel: the table above, "social" for every kind published through
    the outbox (a social platform added later included), else "link"."""
    if channel in MEDIUM_BY_CHANNEL:
        return MEDIUM_BY_CHANNEL[channel]
    return Medium.SOCIAL if channel in platform_slugs() else Medium.LINK


def channel_label(channel: str) -> str | Promise:
    """A channel's name for people (a platform's label, or the slug as given)."""
    if channel in Platform.values:
        return Platform(channel).label
    return channel or _("no channel")
