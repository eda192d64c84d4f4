"""The newsletter as a channel kind: every piece of glue with campaigns, in one module.

A list *is* a channel account of platform ``newsletter`` (found by handle: no ForeignKey
while accounts move to the ``channels`` app); who may draft, approve and send an issue is
what that account's grants allow; the daily issue is made of the day's approved or
scheduled variants of that account plus the campaign content scheduled that day on the
city's other channels. When ``channels`` lands, this module becomes the kind's declaration.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from quartieri.accounts.models import User
from quartieri.campaigns.models import ChannelAccount, Platform, Variant
from quartieri.channels.selectors import Duty, account_allows
from quartieri.newsletter.models import NewsletterList

ROME = ZoneInfo("Europe/Rome")
# A variant counts for the day's issue once it is past review.
_READY = (Variant.Status.APPROVED, Variant.Status.SCHEDULED, Variant.Status.PUBLISHED)

__all__ = ["Duty", "DayItem", "day_items", "list_account", "list_allows"]


def list_account(newsletter_list: NewsletterList) -> ChannelAccount | None:
    return ChannelAccount.objects.filter(
        platform=Platform.NEWSLETTER, handle=newsletter_list.account_handle
    ).first()


def list_allows(*, user: User, newsletter_list: NewsletterList, duty: Duty) -> str:
    """Empty when ``user`` may do ``duty`` on the list's channel account, else why not."""
    account = list_account(newsletter_list)
    if account is None:
        return f"No newsletter channel account with handle {newsletter_list.account_handle!r}."
    return account_allows(user=user, account=account, duty=duty)


@dataclass(frozen=True)
class DayItem:
    """One piece of the day's issue, in both languages."""

    title: str
    text_it: str
    text_en: str
    link: str
    neighbourhood: str  # slug, or ""
    campaign: str  # slug
    own: bool  # written for the newsletter (its channel account), not another channel


def _day_range(date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(date, dt.time.min, tzinfo=ROME)
    return start, start + dt.timedelta(days=1)


def _ready_variants(date: dt.date) -> QuerySet[Variant]:
    start, end = _day_range(date)
    return (
        Variant.objects.filter(status__in=_READY, scheduled_at__gte=start, scheduled_at__lt=end)
        .select_related("content_item__campaign", "content_item__neighbourhood", "account")
        .order_by("scheduled_at", "pk")
    )


def _item(variant: Variant, *, own: bool) -> DayItem:
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
        own=own,
    )


def day_items(*, newsletter_list: NewsletterList, date: dt.date) -> list[DayItem]:
    """The list's own ready variants of ``date`` first, then the day's other content."""
    variants = list(_ready_variants(date))
    own = [
        v
        for v in variants
        if v.account.platform == Platform.NEWSLETTER
        and v.account.handle == newsletter_list.account_handle
    ]
    seen = {v.content_item_id for v in own}
    others: list[Variant] = []
    for variant in variants:
        if variant.content_item_id not in seen and variant.account.platform != Platform.NEWSLETTER:
            seen.add(variant.content_item_id)
            others.append(variant)
    return [_item(v, own=True) for v in own] + [_item(v, own=False) for v in others]
