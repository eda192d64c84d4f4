"""The website as a channel kind (registered in ``channels/registry.py``), and which of its
variants the mini-sites show.

A website variant passes the same workflow as a social post (draft, review, approval by
someone else, scheduling) and appears in the calendar. At its scheduled time the kind's
delivery (``minisites.release``) builds the campaign's live sites with it and records it
published:

- a **feed entry** is a website variant, scheduled or published, whose time has come;
- a neighbourhood's **site goes live** with its first such entry: a build writes only the
  sites released this way (``sites build --unreleased`` writes the others too, for a
  staging server), and the ``SiteBuild`` row records which variant released each site.

What it reports: page views and daily unique visitors from the sites' cookieless beacon
(``analytics.measures.PageViewSource``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from quartieri.campaigns.models import Campaign, Variant
from quartieri.channels.base import (
    Appearance,
    Capability,
    MetricDefinition,
    MetricKind,
    MetricScope,
)
from quartieri.channels.kinds.own import OwnChannelKind
from quartieri.channels.registry import Platform

RELEASED_STATUSES = (Variant.Status.SCHEDULED, Variant.Status.PUBLISHED)
PLATFORM = Platform.WEBSITE
BEACON = "the mini-sites' own cookieless page-view beacon (docs/analytics.md, contract 2)"


class WebsiteKind(OwnChannelKind):
    slug = Platform.WEBSITE
    label = Platform.WEBSITE.label
    appearance = Appearance(colour="#33485c", icon="it-link")
    rules_label = "Website"
    preview_template = "channels/preview/website.html"  # an entry of the mini-site's feed
    capabilities = frozenset({Capability.DELIVERS, Capability.METRICS})
    delivery_path = "quartieri.minisites.release.RELEASE"
    # Per site and day (the account's scope: the website's sites), counted by the platform.
    metrics = {
        (MetricScope.ACCOUNT, "pageviews"): MetricDefinition("pageviews", MetricKind.DAILY, BEACON),
        (MetricScope.ACCOUNT, "visitors"): MetricDefinition("visitors", MetricKind.DAILY, BEACON),
    }


@dataclass(frozen=True)
class FeedEntry:
    variant_id: int
    neighbourhood_id: int | None
    title: str
    text: str
    link: str
    language: str
    published_at: dt.datetime
    updated_at: dt.datetime


def feed_entries(*, campaign: Campaign, now: dt.datetime) -> list[FeedEntry]:
    """The campaign's website entries whose time has come, oldest first (one query)."""
    variants = (
        Variant.objects.filter(
            content_item__campaign=campaign,
            account__platform=PLATFORM,
            status__in=RELEASED_STATUSES,
            scheduled_at__lte=now,
        )
        .select_related("content_item", "account")
        .order_by("scheduled_at", "pk")
    )
    return [
        FeedEntry(
            variant_id=v.pk,
            neighbourhood_id=v.content_item.neighbourhood_id,
            title=v.title or v.content_item.title,
            text=v.caption,
            link=v.link,
            language=v.account.language,
            published_at=v.scheduled_at or v.updated_at,
            updated_at=v.updated_at,
        )
        for v in variants
    ]


def site_releases(entries: list[FeedEntry]) -> dict[int, int]:
    """{neighbourhood id: id of the first entry that put its site live}."""
    released: dict[int, int] = {}
    for entry in entries:
        if entry.neighbourhood_id is not None:
            released.setdefault(entry.neighbourhood_id, entry.variant_id)
    return released
