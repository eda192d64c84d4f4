"""Reads of the campaigns app."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import (
    CharField,
    Count,
    OuterRef,
    Prefetch,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from quartieri.accounts.models import User
from quartieri.campaigns.models import Campaign, ContentItem, MediaAsset, Transition, Variant
from quartieri.channels.base import ReportsTrouble
from quartieri.channels.models import AccountGrant
from quartieri.channels.registry import kind_for
from quartieri.channels.selectors import Duty, account_allows
from quartieri.planner.models import SavedPlan


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.annotate(variant_count=Count("items__variants")).order_by(
        "-start_date", "name"
    )


def variant_list(*, campaign: Campaign) -> QuerySet[Variant]:
    """A campaign's variants with account, item, author and timeline: a fixed number of
    queries whatever the number of variants (the staff list must not grow N+1)."""
    timeline = Transition.objects.select_related("actor").order_by("at", "pk")
    return (
        Variant.objects.filter(content_item__campaign=campaign)
        .select_related("content_item", "account", "drafted_by")
        .prefetch_related(Prefetch("transitions", queryset=timeline))
        .order_by("scheduled_at", "content_item__title", "pk")
    )


def variant_delivery_troubles(*, variants: Sequence[Variant]) -> dict[int, str]:
    """Variant id → what its kind's delivery reports going wrong (the outbox: "failed",
    "not confirmed"), so that the campaign page says what the outbox says. One query per
    delivery that reports trouble, whatever the number of variants."""
    by_delivery: dict[int, tuple[ReportsTrouble, list[int]]] = {}
    for variant in variants:
        if variant.status != Variant.Status.SCHEDULED:
            continue
        delivery = kind_for(variant.account.platform).delivery()
        if isinstance(delivery, ReportsTrouble):
            by_delivery.setdefault(id(delivery), (delivery, []))[1].append(variant.pk)
    found: dict[int, str] = {}
    for reporter, ids in by_delivery.values():
        found.update(reporter.troubles(variant_ids=ids))
    return found


# The step each status offers, and the duty it needs (services.py enforces the same).
_NEXT_STEP = {
    Variant.Status.DRAFT: ("submit", Duty.DRAFT),
    Variant.Status.IN_REVIEW: ("review", Duty.APPROVE),
    Variant.Status.APPROVED: ("schedule", Duty.PUBLISH),
    Variant.Status.SCHEDULED: ("publish", Duty.PUBLISH),
}


def variant_next_step(*, user: User, variant: Variant, grants: dict[int, AccountGrant]) -> str:
    """The workflow step ``user`` may take on ``variant`` now ("" if none), for the page.

    Only a hint for what to show: the services check again, and have the last word.
    """
    step = _NEXT_STEP.get(Variant.Status(variant.status))
    if step is None:
        return ""
    name, duty = step
    if name == "publish" and kind_for(variant.account.platform).delivery() is not None:
        # Its kind delivers it at its time (the outbox, the newsletter issue…): marking it
        # published by hand would only stop that delivery, and nothing would go out.
        return ""
    if account_allows(user=user, account=variant.account, duty=duty, grants=grants):
        return ""
    wrote_it = user.pk in (variant.drafted_by_id, variant.last_edited_by_id)
    if duty == Duty.APPROVE and wrote_it and not variant.account.is_personal:
        return ""
    return name


# --- Editorial calendar -------------------------------------------------------------------

ROME = ZoneInfo("Europe/Rome")


def calendar_base() -> QuerySet[Variant]:
    """The variants the calendar may show, with what an entry names joined (one query, and
    one for their media).
    ``campaigns.filters.CalendarFilterSet`` narrows it to the page's filters."""
    # The entries' thumbnails: one more query for all their media, whatever their number,
    # in pk order (an entry shows its first file) and only what a thumbnail needs.
    thumbnails = MediaAsset.objects.only("pk", "thumbnail").order_by("pk")
    return Variant.objects.select_related("content_item__campaign", "account").prefetch_related(
        Prefetch("media", queryset=thumbnails)
    )


def calendar_variants(
    *, first_day: dt.date, last_day: dt.date, variants: QuerySet[Variant]
) -> list[Variant]:
    """Scheduled ``variants`` whose Europe/Rome day falls in ``first_day``–``last_day``: one
    query, whatever their number (account, item and campaign come joined)."""
    start = dt.datetime.combine(first_day, dt.time(0), tzinfo=ROME)  # midnight always exists
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tzinfo=ROME)
    return list(
        variants.filter(scheduled_at__gte=start, scheduled_at__lt=end).order_by(
            "scheduled_at", "pk"
        )
    )


def calendar_unscheduled(*, variants: QuerySet[Variant]) -> list[Variant]:
    """Approved variants still waiting for a time: one query, listed so they can be placed."""
    return list(
        variants.filter(scheduled_at__isnull=True, status=Variant.Status.APPROVED).order_by(
            "content_item__campaign__start_date", "content_item__title", "pk"
        )
    )


def calendar_spacing_warnings(*, variants: list[Variant]) -> dict[int, str]:
    """Variant id → warning, for posts closer to the previous one on the same account than
    that account's ``min_spacing_minutes``. Pure Python over rows already loaded (no query):
    the services refuse such a schedule, but a spacing raised later, or data loaded by an
    administrator, can still leave two posts too close."""
    by_account: dict[int, list[tuple[dt.datetime, Variant]]] = defaultdict(list)
    for variant in variants:
        if variant.scheduled_at is not None and variant.account.min_spacing_minutes:
            by_account[variant.account_id].append((variant.scheduled_at, variant))
    warnings: dict[int, str] = {}
    for posts in by_account.values():
        posts.sort(key=lambda post: (post[0], post[1].pk))
        for (before_at, previous), (at, current) in itertools.pairwise(posts):
            minutes = current.account.min_spacing_minutes
            gap = at - before_at
            if gap < dt.timedelta(minutes=minutes):
                message = _(
                    "Only %(gap)s minutes after another post on %(account)s "
                    "(keep %(minutes)s minutes between posts)."
                ) % {
                    "gap": int(gap.total_seconds() // 60),
                    "account": current.account,
                    "minutes": minutes,
                }
                warnings[previous.pk] = warnings.get(previous.pk) or message
                warnings[current.pk] = message
    return warnings


# --- Saved plan of a campaign -------------------------------------------------------------


@dataclass(frozen=True)
class PlanSummary:
    pk: int
    name: str
    total_reach: int
    channels: list[str]


def plan_summary(*, plan: SavedPlan) -> PlanSummary:
    """The figures a campaign page shows of its saved plan: reach and recommended channels."""
    channels = [channel.name or channel.channel for channel in plan.plan().recommended]
    return PlanSummary(pk=plan.pk, name=plan.name, total_reach=plan.total_reach, channels=channels)


def plan_choices() -> QuerySet[SavedPlan]:
    """Saved plans a campaign may be linked to, newest first.

    Not sliced: the form validates the chosen plan against this queryset (a city keeps tens
    of plans, not thousands)."""
    return SavedPlan.objects.order_by("-created_at", "-pk")


# --- REST API (api*.py), iCal feed and CSV plan (feeds.py, csvplan.py) ---------------


def api_campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.prefetch_related("neighbourhoods").order_by("-start_date", "name", "pk")


def api_content_item_list(*, campaign: str | None) -> QuerySet[ContentItem]:
    items = ContentItem.objects.select_related("campaign", "neighbourhood")
    if campaign:
        items = items.filter(campaign__slug=campaign)
    return items.order_by("campaign__start_date", "title", "pk")


def _api_variants() -> QuerySet[Variant]:
    # Everything a variant's JSON names comes joined: one query per page, whatever its size.
    # (The media ids come in one more query per page.)
    return Variant.objects.select_related(
        "content_item__campaign", "content_item__neighbourhood", "account"
    ).prefetch_related("media")


def api_variant_list(
    *,
    campaign: str | None = None,
    account_id: int | None = None,
    platform: str | None = None,
    neighbourhood: str | None = None,
    status: str | None = None,
) -> QuerySet[Variant]:
    variants = _api_variants()
    if campaign:
        variants = variants.filter(content_item__campaign__slug=campaign)
    if account_id:
        variants = variants.filter(account_id=account_id)
    if platform:
        variants = variants.filter(account__platform=platform)
    if neighbourhood:
        variants = variants.filter(content_item__neighbourhood__slug=neighbourhood)
    if status:
        variants = variants.filter(status=status)
    return variants.order_by("scheduled_at", "content_item__title", "pk")


def api_variant_calendar(
    *, since: dt.datetime, until: dt.datetime, campaign: str | None = None
) -> QuerySet[Variant]:
    """Variants on the calendar (scheduled or published) with ``since <= at < until``."""
    variants = _api_variants().filter(
        status__in=(Variant.Status.SCHEDULED, Variant.Status.PUBLISHED),
        scheduled_at__gte=since,
        scheduled_at__lt=until,
    )
    if campaign:
        variants = variants.filter(content_item__campaign__slug=campaign)
    return variants.order_by("scheduled_at", "pk")


def api_media() -> QuerySet[MediaAsset]:
    """Media files, each with ``carried_by``: the ids of the variants carrying it, joined by
    commas (None for none), read in the files' own query: no query per file."""
    # (django-stubs cannot see an annotation of the auto-created through model: misc.)
    carriers = (
        Variant.media.through.objects.filter(mediaasset_id=OuterRef("pk"))
        .values("mediaasset_id")
        .annotate(ids=StringAgg(Cast("variant_id", CharField()), delimiter=Value(",")))
        .values("ids")  # type: ignore[misc]
    )
    return MediaAsset.objects.annotate(carried_by=Subquery(carriers))


def campaign_scheduled_variants(*, campaign: Campaign) -> QuerySet[Variant]:
    """A campaign's variants on the calendar (scheduled or published), for the iCal feed."""
    return (
        _api_variants()
        .filter(
            content_item__campaign=campaign,
            status__in=(Variant.Status.SCHEDULED, Variant.Status.PUBLISHED),
            scheduled_at__isnull=False,
        )
        .order_by("scheduled_at", "pk")
    )
