"""Writes of campaigns and their content items, API tokens and the saved plan a campaign
follows. Create and edit campaigns: APPROVE_CONTENT (the comms office owns the campaigns, the
agency fills them); content items: DRAFT_CONTENT."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from decimal import Decimal
from typing import TypedDict, Unpack, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from quartieri.accounts.models import User
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.accounts.services import audit_record, audit_snapshot
from quartieri.campaigns.models import ApiToken, Campaign, ContentItem, Variant
from quartieri.campaigns.selectors import ROME
from quartieri.places.models import Neighbourhood
from quartieri.planner.models import SavedPlan

Status = Variant.Status


def _require_role(actor: User, capability: Capability) -> None:
    if not user_can(actor, capability):
        raise PermissionDenied(
            _("Your role does not allow this (%(capability)s).") % {"capability": capability.value}
        )


_ITEM_SNAPSHOT = [
    "campaign",
    "neighbourhood",
    "tour",
    "playlist",
    "title",
    "master_text_it",
    "master_text_en",
]


class ItemChanges(TypedDict, total=False):
    """What an item edit may change (ids for the links, as the API and the CSV import give
    them)."""

    title: str
    neighbourhood_id: int | None
    tour_id: int | None
    playlist_id: int | None
    master_text_it: str
    master_text_en: str


ITEM_FIELDS = ItemChanges.__optional_keys__


def _check_item_links(item: ContentItem) -> None:
    """A tour or playlist must belong to the item's neighbourhood, when it has one."""
    errors: dict[str, str] = {}
    for name in ("tour", "playlist"):
        linked = getattr(item, name)
        if linked is None or not item.neighbourhood_id:
            continue
        if linked.neighbourhood_id != item.neighbourhood_id:
            errors[name] = _("“%(linked)s” belongs to %(its)s, not to %(chosen)s.") % {
                "linked": linked,
                "its": linked.neighbourhood,
                "chosen": item.neighbourhood,
            }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def content_item_create(
    *,
    actor: User,
    campaign: Campaign,
    title: str,
    neighbourhood_id: int | None = None,
    tour_id: int | None = None,
    playlist_id: int | None = None,
    master_text_it: str = "",
    master_text_en: str = "",
) -> ContentItem:
    """A new idea in ``campaign``; its variants then go through ``variant_create``."""
    _require_role(actor, Capability.DRAFT_CONTENT)
    item = ContentItem(
        campaign=campaign,
        title=title,
        neighbourhood_id=neighbourhood_id,
        tour_id=tour_id,
        playlist_id=playlist_id,
        master_text_it=master_text_it,
        master_text_en=master_text_en,
        created_by=actor,
    )
    _check_item_links(item)
    item.full_clean()
    item.save()
    audit_record(
        actor=actor,
        action="campaigns.item.create",
        target=item,
        after=audit_snapshot(obj=item, fields=_ITEM_SNAPSHOT),
    )
    return item


@transaction.atomic
def content_item_update(
    *, actor: User, item: ContentItem, **changes: Unpack[ItemChanges]
) -> ContentItem:
    """Edit an item's title, links and master texts; its variants keep their own text
    (``variants_generate`` refreshes the ones nobody edited)."""
    _require_role(actor, Capability.DRAFT_CONTENT)
    unknown = set(changes) - ITEM_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    item = ContentItem.objects.select_for_update().get(pk=item.pk)
    before = audit_snapshot(obj=item, fields=_ITEM_SNAPSHOT)
    for name, value in changes.items():
        setattr(item, name, value)
    _check_item_links(item)
    item.full_clean()
    item.save()
    audit_record(
        actor=actor,
        action="campaigns.item.update",
        target=item,
        before=before,
        after=audit_snapshot(obj=item, fields=_ITEM_SNAPSHOT),
    )
    return item


# --- Campaigns ------------------------------------------------------------------------------

_CAMPAIGN_SNAPSHOT = [
    "name",
    "slug",
    "start_date",
    "end_date",
    "neighbourhoods",
    "audiences",
    "objective",
    "budget",
    "status",
]


class CampaignChanges(TypedDict, total=False):
    """What a campaign edit may change (a blank slug is made again from the name)."""

    name: str
    slug: str
    start_date: dt.date
    end_date: dt.date
    neighbourhoods: Iterable[Neighbourhood]
    audiences: Iterable[str]
    objective: str
    budget: Decimal
    status: str


CAMPAIGN_FIELDS = CampaignChanges.__optional_keys__
# First path segments under /campaigns/ that are pages, not campaigns (urls.py).
RESERVED_SLUGS = frozenset({"new", "calendar", "items", "variants"})


def _check_campaign(campaign: Campaign) -> None:
    """Dates in order and a free, usable slug; every problem at once, by field."""
    errors: dict[str, str] = {}
    if campaign.end_date < campaign.start_date:
        errors["end_date"] = _("The last day (%(end)s) is before the first day (%(start)s).") % {
            "end": campaign.end_date,
            "start": campaign.start_date,
        }
    if not campaign.slug:
        errors["slug"] = _("Give a slug: the name has no letters or digits to make one from.")
    elif campaign.slug in RESERVED_SLUGS:
        errors["slug"] = _("“%(slug)s” is a page of the site: choose another slug.") % {
            "slug": campaign.slug
        }
    else:
        other = Campaign.objects.filter(slug=campaign.slug).exclude(pk=campaign.pk).first()
        if other is not None:
            errors["slug"] = _(
                "The slug “%(slug)s” is already used by the campaign “%(name)s”."
            ) % {
                "slug": campaign.slug,
                "name": other.name,
            }
    if errors:
        raise ValidationError(errors)


def _check_posts_inside(campaign: Campaign) -> None:
    """New dates may not leave a scheduled or published post outside the campaign."""
    start = dt.datetime.combine(campaign.start_date, dt.time(0), tzinfo=ROME)
    end = dt.datetime.combine(campaign.end_date + dt.timedelta(days=1), dt.time(0), tzinfo=ROME)
    outside = (
        Variant.objects.filter(content_item__campaign=campaign, scheduled_at__isnull=False)
        .filter(status__in=(Status.SCHEDULED, Status.PUBLISHED))
        .exclude(scheduled_at__gte=start, scheduled_at__lt=end)
        .select_related("account")
        .order_by("scheduled_at")
    )
    first = outside.first()
    if first is None or first.scheduled_at is None:
        return
    field_name = "start_date" if first.scheduled_at < start else "end_date"
    message = _(
        "%(count)s posts are on the calendar outside these dates (first: %(account)s on "
        "%(day)s): move them first."
    ) % {
        "count": outside.count(),
        "account": first.account,
        "day": timezone.localtime(first.scheduled_at).date(),
    }
    raise ValidationError({field_name: message})


@transaction.atomic
def campaign_create(
    *,
    actor: User,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    slug: str = "",
    neighbourhoods: Iterable[Neighbourhood] = (),
    audiences: Iterable[str] = (),
    objective: str = "",
    budget: Decimal = Decimal(0),
    status: str = Campaign.Status.DRAFT,
) -> Campaign:
    """A new campaign; a blank ``slug`` is made from the name."""
    _require_role(actor, Capability.APPROVE_CONTENT)
    campaign = Campaign(
        name=name,
        slug=slug or slugify(name)[:200],
        start_date=start_date,
        end_date=end_date,
        audiences=list(audiences),
        objective=objective,
        budget=budget,
        status=status,
    )
    _check_campaign(campaign)
    campaign.full_clean()
    campaign.save()
    campaign.neighbourhoods.set(list(neighbourhoods))
    audit_record(
        actor=actor,
        action="campaigns.campaign.create",
        target=campaign,
        after=audit_snapshot(obj=campaign, fields=_CAMPAIGN_SNAPSHOT),
    )
    return campaign


@transaction.atomic
def campaign_update(
    *, actor: User, campaign: Campaign, **changes: Unpack[CampaignChanges]
) -> Campaign:
    """Edit a campaign; new dates must still hold every post already on the calendar."""
    _require_role(actor, Capability.APPROVE_CONTENT)
    unknown = set(changes) - CAMPAIGN_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    before = audit_snapshot(obj=campaign, fields=_CAMPAIGN_SNAPSHOT)
    neighbourhoods = changes.pop("neighbourhoods", None)
    for name, value in changes.items():
        setattr(campaign, name, list(cast(Iterable[str], value)) if name == "audiences" else value)
    if "slug" in changes and not changes["slug"]:
        campaign.slug = slugify(campaign.name)[:200]
    _check_campaign(campaign)
    _check_posts_inside(campaign)
    campaign.full_clean()
    campaign.save()
    if neighbourhoods is not None:
        campaign.neighbourhoods.set(list(neighbourhoods))
    audit_record(
        actor=actor,
        action="campaigns.campaign.update",
        target=campaign,
        before=before,
        after=audit_snapshot(obj=campaign, fields=_CAMPAIGN_SNAPSHOT),
    )
    return campaign


def api_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: User | None, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for ``user``: the row, and the token itself (shown once, never stored)."""
    token = secrets.token_urlsafe(32)
    row = ApiToken(user=user, name=name, token_hash=api_token_hash(token))
    row.full_clean()
    row.save()
    audit_record(
        actor=actor,
        action="campaigns.api_token.create",
        target=row,
        after=audit_snapshot(obj=row, fields=["user", "name"]),
    )
    return row, token


def api_token_authenticate(*, token: str) -> User | None:
    """The active user a bearer token belongs to (None if unknown), noting when it was used."""
    row = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=api_token_hash(token), user__is_active=True)
        .first()
    )
    if row is None:
        return None
    # One UPDATE, no audit: using a token is not a change made by a person.
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row.user


@transaction.atomic
def campaign_attach_plan(*, actor: User, campaign: Campaign, plan: SavedPlan | None) -> Campaign:
    """Link ``campaign`` to a saved plan (``None`` unlinks it), with an audit event.

    SAVE_PLAN, not a content capability: linking a plan is a planning decision, and the
    people who may keep plans are the ones who may say which plan a campaign follows.
    """
    _require_role(actor, Capability.SAVE_PLAN)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    before = audit_snapshot(obj=campaign, fields=["plan"])
    campaign.plan = plan
    campaign.save(update_fields=["plan"])
    audit_record(
        actor=actor,
        action="campaigns.campaign.attach_plan",
        target=campaign,
        before=before,
        after=audit_snapshot(obj=campaign, fields=["plan"]),
    )
    return campaign
