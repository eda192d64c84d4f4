"""The daily newsletter as a channel kind (registered in ``channels/registry.py``).

A list *is* a channel account of this kind (``NewsletterList.account``): that account's
grants say who drafts, approves and sends its issues, and its variants go through the
campaigns workflow like any post. A scheduled variant joins the issue of its day
(``delivery.DAILY_ISSUE``), and when that issue is sent the variant is recorded published.
The figures the kind reports come from the send's ledger, the bounces and the consent
records (``measures.py``), and clicks from the issue's tracked links (analytics).
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

LEDGER = (
    "quartieri's send ledger: one row per recipient and issue, confirmed by the SMTP "
    "server's reply to the end of data (RFC 5321 §4.1.1.4, §4.2)"
)
BOUNCES = (
    "hard bounces returned for the issue (permanent failures; soft ones are delays the "
    "servers retry): delivery status notifications (RFC 3464) read from the bounce "
    "mailbox, and provider webhooks"
)
CONSENT = (
    "the list's consent records: opt-outs by one click (RFC 8058), the preferences page or "
    "a mailed request, on the day of the issue"
)
LINKS = (
    "redirects of the issue's tracked links, bots excluded; the same link for every "
    "recipient, so clicks are counted in aggregate, never per person (analytics links)"
)


def _total(name: str, source: str) -> MetricDefinition:
    return MetricDefinition(name, MetricKind.TOTAL, source)


class NewsletterKind(OwnChannelKind):
    slug = Platform.NEWSLETTER
    label = Platform.NEWSLETTER.label
    appearance = Appearance(colour="#8a4b00", icon="it-mail")
    rules_label = "Newsletter"
    preview_template = "channels/preview/newsletter.html"  # an item of the day's issue
    capabilities = frozenset({Capability.DELIVERS, Capability.METRICS})
    delivery_path = "quartieri.newsletter.delivery.DAILY_ISSUE"
    # Per issue (the newsletter's "post"): the names are ours, there is no platform.
    metrics = {
        (MetricScope.POST, "sent"): _total(
            "sent",
            LEDGER + "; with the messages whose end of data was written before the "
            "worker died (the send journal)",
        ),
        (MetricScope.POST, "delivered"): _total(
            "delivered",
            "sent minus bounced: what the receiving servers did not return "
            "(whether it reached an inbox or a spam folder is not known to a sender)",
        ),
        (MetricScope.POST, "bounced"): _total("bounced", BOUNCES),
        (MetricScope.POST, "unsubscribed"): MetricDefinition(
            "unsubscribed", MetricKind.DAILY, CONSENT
        ),
        (MetricScope.POST, "clicks"): _total("clicks", LINKS),
    }
