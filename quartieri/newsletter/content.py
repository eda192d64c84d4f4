"""The day's content of an issue, read from campaigns.

An issue of a list carries the list's own variants of its day (variants of the list's
channel account that are approved, scheduled or published), then the content items
scheduled that day on the city's other channels, one block per item, each in both
languages. Days are Europe/Rome days (TIME_ZONE).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from quartieri.campaigns.models import Variant
from quartieri.channels.registry import Platform
from quartieri.newsletter.models import NewsletterList

# A variant counts for the day's issue once it is past review.
READY = (Variant.Status.APPROVED, Variant.Status.SCHEDULED, Variant.Status.PUBLISHED)


@dataclass(frozen=True)
class DayItem:
    """One piece of the day's issue, in both languages."""

    title: str
    text_it: str
    text_en: str
    link: str
    neighbourhood: str  # slug, or ""
    campaign: str  # slug
    variant_id: int
    own: bool  # written for the newsletter (its channel account), not another channel


def day_range(date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The day's first instant and the next day's, aware (Europe/Rome)."""
    start = timezone.make_aware(dt.datetime.combine(date, dt.time.min))
    return start, timezone.make_aware(dt.datetime.combine(date + dt.timedelta(days=1), dt.time.min))


def _ready_variants(date: dt.date) -> QuerySet[Variant]:
    start, end = day_range(date)
    return (
        Variant.objects.filter(status__in=READY, scheduled_at__gte=start, scheduled_at__lt=end)
        .select_related("content_item__campaign", "content_item__neighbourhood", "account")
        .order_by("scheduled_at", "pk")
    )


def day_item(variant: Variant, *, own: bool) -> DayItem:
    item = variant.content_item
    # The newsletter's own variant speaks in its account's language; the other language
    # comes from the content item's master text.
    own_text = variant.caption if own else ""
    lang = variant.account.language
    return DayItem(
        title=item.title,
        text_it=(own_text if lang == "it" else "") or item.master_text_it or variant.caption,
        text_en=(own_text if lang == "en" else "") or item.master_text_en or variant.caption,
        link=variant.link,
        neighbourhood=item.neighbourhood.slug if item.neighbourhood else "",
        campaign=item.campaign.slug,
        variant_id=variant.pk,
        own=own,
    )


def day_items(*, newsletter_list: NewsletterList, date: dt.date) -> list[DayItem]:
    """The list's own ready variants of ``date`` first, then the day's other content."""
    variants = list(_ready_variants(date))
    own = [v for v in variants if v.account_id == newsletter_list.account_id]
    seen = {v.content_item_id for v in own}
    others: list[Variant] = []
    for variant in variants:
        if variant.content_item_id not in seen and variant.account.platform != Platform.NEWSLETTER:
            seen.add(variant.content_item_id)
            others.append(variant)
    return [day_item(v, own=True) for v in own] + [day_item(v, own=False) for v in others]
