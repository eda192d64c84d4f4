"""The city screens as a channel kind (registered in ``channels/registry.py``).

A display group is a screens channel account (``DisplayGroup.account``): the account's
grants say who drafts, approves and schedules its slides; a slide is a variant of a content
item for that account. Scheduling it puts it into the group's playlist for its time, and
the first play a display reports records it published (``screens.channel``). What it
reports: plays, the displays that played, and seconds on screen, from proof of play
(``screens.measures``).
"""

from __future__ import annotations

from quartieri.channels.base import (
    Appearance,
    Capability,
    MetricDefinition,
    MetricKind,
    MetricScope,
)
from quartieri.channels.kinds.own import OwnChannelKind
from quartieri.channels.registry import Platform

PROOF_OF_PLAY = "proof of play sent by each display's player (docs/screens.md)"


class ScreensKind(OwnChannelKind):
    slug = Platform.SCREENS
    label = Platform.SCREENS.label
    appearance = Appearance(colour="#00725f", icon="it-presentation")
    rules_label = "Screens"
    preview_template = "channels/preview/screens.html"  # a 16:9 slide
    capabilities = frozenset({Capability.DELIVERS, Capability.METRICS})
    delivery_path = "quartieri.screens.kind.DELIVERY"
    # Per slide (a post of the channel): counted by the platform itself, not read from a
    # third party; the measure source (screens.measures) reports them by day and area.
    metrics = {
        (MetricScope.POST, "plays"): MetricDefinition("plays", MetricKind.TOTAL, PROOF_OF_PLAY),
        (MetricScope.POST, "displays"): MetricDefinition(
            "displays", MetricKind.TOTAL, PROOF_OF_PLAY
        ),
        (MetricScope.POST, "seconds_on_screen"): MetricDefinition(
            "seconds_on_screen", MetricKind.TOTAL, PROOF_OF_PLAY
        ),
    }


class ScreensDelivery:
    """``channels.base.Delivery`` of the screens: the slide joins its group's playlist."""

    # The channel's code is imported when used: the registry imports this module whenever
    # the kind is asked for (system checks, forms), and that code pulls in campaigns' services.
    def schedule(self, *, variant_id: int) -> None:
        from quartieri.screens.channel import variant_deliver

        variant_deliver(variant_id=variant_id)

    def withdraw(self, *, variant_id: int) -> bool:
        from quartieri.screens.channel import variant_withdraw

        return variant_withdraw(variant_id=variant_id)


DELIVERY = ScreensDelivery()
