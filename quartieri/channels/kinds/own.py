"""The base of the city's own channels (newsletter, city screens, website, posters).

No third-party limits apply, only the universal accessibility rules. Each channel's app
declares its kind with its own code (``quartieri.<app>.kind``, deriving from
``OwnChannelKind``: newsletter, screens, minisites, posters) and delivers it: it returns a
``Delivery`` and declares ``Capability.DELIVERS``."""

from __future__ import annotations

from typing import ClassVar

from quartieri.channels.base import ChannelKind
from quartieri.channels.rules import OWN_CHANNEL_POST_TYPES, PlatformRules


class OwnChannelKind(ChannelKind):
    """A channel the city runs itself: text-first, no connector, no OAuth, no options."""

    # The name rule failures give, e.g. "caption: … (Screens)".
    rules_label: ClassVar[str]

    def rules(self) -> PlatformRules:
        return PlatformRules(label=self.rules_label, post_types=OWN_CHANNEL_POST_TYPES)
