"""Writes of the campaigns app: drafting variants and moving them through the workflow.

Workflow: draft → in_review → approved → scheduled → published; reject sends in_review back
to draft with the reviewer's comment; editing an approved or scheduled variant sends it back
to in_review. Every check runs here, server-side, before anything is written: a refused
call changes no row, writes no Transition and no audit event.

Who may do what (role capability AND per-account rule):
- draft, edit, submit: DRAFT_CONTENT + grant ``can_draft`` (personal account: its owner);
- approve, reject: APPROVE_CONTENT + grant ``can_approve``, never on a variant one drafted
  or last edited (four eyes); on a personal account only its owner, whatever the grants;
- schedule, mark published: DRAFT_CONTENT + grant ``can_publish``; personal: owner only;
- create and edit campaigns: APPROVE_CONTENT (the comms office owns the campaigns, the
  agency fills them); content items: DRAFT_CONTENT.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypedDict, Unpack, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from quartieri.accounts.models import User
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.accounts.services import audit_record, audit_snapshot
from quartieri.campaigns import scheduling
from quartieri.campaigns.compose import (
    GENERATED_FIELDS,
    Composed,
    compose_variant,
    fields_digest,
    item_media_kinds,
    master_text,
)
from quartieri.campaigns.models import ApiToken, Campaign, ContentItem, Transition, Variant
from quartieri.campaigns.selectors import ROME
from quartieri.campaigns.validation import variant_check_media, variant_validate
from quartieri.channels.base import OptionsError, option_field_name
from quartieri.channels.models import ChannelAccount, Language
from quartieri.channels.registry import kind_for
from quartieri.channels.selectors import Duty, account_allows, user_grants
from quartieri.places.models import Neighbourhood
from quartieri.planner.models import SavedPlan

Status = Variant.Status


class VariantFields(TypedDict, total=False):
    """What a person may write on a variant besides its post type; ``options`` are its
    kind's (``ChannelKind.options``), checked against the kind's schema."""

    title: str
    caption: str
    hashtags: list[str]
    mentions: list[str]
    link: str
    options: Mapping[str, Any]


class VariantChanges(VariantFields, total=False):
    """What an edit may change; status, author and schedule move only through the workflow."""

    post_type: str


class _MoveFields(VariantChanges, total=False):
    scheduled_at: dt.datetime | None
    last_edited_by: User
    review_comment: str


EDITABLE_FIELDS = VariantChanges.__optional_keys__
_SNAPSHOT = ["status", "scheduled_at", "caption", "title", "hashtags", "mentions", "link"]


def _require_role(actor: User, capability: Capability) -> None:
    if not user_can(actor, capability):
        raise PermissionDenied(
            _("Your role does not allow this (%(capability)s).") % {"capability": capability.value}
        )


def _require(*, user: User, account: ChannelAccount, duty: Duty) -> None:
    reason = account_allows(user=user, account=account, duty=duty)
    if reason:
        raise PermissionDenied(reason)


def _require_status(variant: Variant, *allowed: str) -> None:
    if variant.status not in allowed:
        raise ValidationError(
            _("This is not possible while the variant is “%(status)s”.")
            % {"status": variant.get_status_display()}
        )


def _locked(variant: Variant) -> Variant:
    # Re-read under a row lock so two reviewers cannot both move the same variant.
    return Variant.objects.select_for_update().select_related("account").get(pk=variant.pk)


def _options(account: ChannelAccount, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """``given`` as the account's kind's options schema writes them (its defaults filled in);
    ValidationError naming the option (``tiktok_privacy_level``) when they do not fit."""
    kind = kind_for(account.platform)
    try:
        parsed = kind.parse_options(given)
    except OptionsError as error:
        raise ValidationError({option_field_name(kind, error.field): str(error)}) from error
    if parsed is None:
        if given:
            raise ValidationError(
                {"options": _("%(kind)s posts have no options.") % {"kind": kind}}
            )
        return {}
    return parsed.to_json()


def _assign(variant: Variant, fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        setattr(variant, name, _options(variant.account, value) if name == "options" else value)


def _move(
    *,
    variant: Variant,
    actor: User,
    to: str,
    action: str,
    comment: str = "",
    **fields: Unpack[_MoveFields],
) -> Variant:
    """Change status (and ``fields``), then write the Transition and the audit event."""
    before = audit_snapshot(obj=variant, fields=_SNAPSHOT)
    from_status = variant.status
    variant.status = to
    _assign(variant, fields)
    variant.full_clean()
    variant.save()
    Transition.objects.create(
        variant=variant,
        action=action,
        from_status=from_status,
        to_status=to,
        actor=actor,
        comment=comment,
    )
    audit_record(
        actor=actor,
        action=f"campaigns.variant.{action}",
        target=variant,
        before=before,
        after=audit_snapshot(obj=variant, fields=_SNAPSHOT),
    )
    return variant


@transaction.atomic
def variant_create(
    *,
    actor: User,
    content_item: ContentItem,
    account: ChannelAccount,
    post_type: str,
    generated_digest: str = "",
    **fields: Unpack[VariantFields],
) -> Variant:
    """Draft a new variant of ``content_item`` for ``account`` (``generated_digest``: only
    from ``variants_generate``, which wrote the fields)."""
    _require(user=actor, account=account, duty=Duty.DRAFT)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    variant = Variant(
        content_item=content_item,
        account=account,
        post_type=post_type,
        drafted_by=actor,
        last_edited_by=actor,
        generated_digest=generated_digest,
    )
    _assign(variant, {"options": {}, **fields})
    variant.full_clean()
    variant.save()
    Transition.objects.create(
        variant=variant,
        action="create",
        from_status=Status.DRAFT,
        to_status=Status.DRAFT,
        actor=actor,
    )
    audit_record(
        actor=actor,
        action="campaigns.variant.create",
        target=variant,
        after=audit_snapshot(obj=variant, fields=_SNAPSHOT),
    )
    return variant


@transaction.atomic
def variant_update(*, actor: User, variant: Variant, **changes: Unpack[VariantChanges]) -> Variant:
    """Edit a variant; an approved or scheduled one goes back to review (its approval lapses)."""
    variant = _locked(variant)
    _require(user=actor, account=variant.account, duty=Duty.DRAFT)
    _require_status(variant, Status.DRAFT, Status.IN_REVIEW, Status.APPROVED, Status.SCHEDULED)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if variant.status in (Status.APPROVED, Status.SCHEDULED):
        # The approval lapses and so does the slot: once re-approved it is scheduled again
        # (the old time stays in the audit event's "before"). A post already on its way to
        # the platform can no longer be edited.
        if not _withdraw(variant):
            raise ValidationError(
                _("This post is already being published and can no longer be edited.")
            )
        return _move(
            variant=variant,
            actor=actor,
            to=Status.IN_REVIEW,
            action="edit",
            scheduled_at=None,
            last_edited_by=actor,
            **changes,
        )
    before = audit_snapshot(obj=variant, fields=_SNAPSHOT)
    _assign(variant, changes)
    variant.last_edited_by = actor
    variant.full_clean()
    variant.save()
    audit_record(
        actor=actor,
        action="campaigns.variant.edit",
        target=variant,
        before=before,
        after=audit_snapshot(obj=variant, fields=_SNAPSHOT),
    )
    return variant


@transaction.atomic
def variant_submit(*, actor: User, variant: Variant) -> Variant:
    variant = _locked(variant)
    _require(user=actor, account=variant.account, duty=Duty.DRAFT)
    _require_status(variant, Status.DRAFT)
    return _move(variant=variant, actor=actor, to=Status.IN_REVIEW, action="submit")


def _require_reviewer(*, actor: User, variant: Variant) -> None:
    _require(user=actor, account=variant.account, duty=Duty.APPROVE)
    # Four eyes: neither the author nor the last editor reviews, except on a personal
    # account, whose owner is by design its only reviewer.
    wrote_it = actor.pk in (variant.drafted_by_id, variant.last_edited_by_id)
    if wrote_it and not variant.account.is_personal:
        raise PermissionDenied(
            _("You drafted or edited this variant: someone else must review it.")
        )


@transaction.atomic
def variant_approve(*, actor: User, variant: Variant, comment: str = "") -> Variant:
    variant = _locked(variant)
    _require_reviewer(actor=actor, variant=variant)
    _require_status(variant, Status.IN_REVIEW)
    failures = variant_validate(variant)
    if failures:
        raise ValidationError([failure.message for failure in failures])
    return _move(
        variant=variant, actor=actor, to=Status.APPROVED, action="approve", comment=comment
    )


@transaction.atomic
def variant_reject(*, actor: User, variant: Variant, comment: str) -> Variant:
    """Send a variant back to its editor; the comment says what to change (required)."""
    variant = _locked(variant)
    _require_reviewer(actor=actor, variant=variant)
    _require_status(variant, Status.IN_REVIEW)
    comment = comment.strip()
    if not comment:
        raise ValidationError(_("Say what must change: a rejection needs a comment."))
    return _move(
        variant=variant,
        actor=actor,
        to=Status.DRAFT,
        action="reject",
        comment=comment,
        review_comment=comment,
    )


def _require_in_window(*, variant: Variant, at: dt.datetime) -> None:
    if timezone.is_naive(at):
        raise ValidationError(_("The time must carry its time zone."))
    campaign = variant.content_item.campaign
    local_day = timezone.localtime(at).date()  # the campaign's days are Europe/Rome days
    if not campaign.start_date <= local_day <= campaign.end_date:
        raise ValidationError(
            _("%(day)s is outside the campaign (%(start)s – %(end)s).")
            % {"day": local_day, "start": campaign.start_date, "end": campaign.end_date}
        )


def _require_spacing(*, variant: Variant, at: dt.datetime) -> None:
    minutes = variant.account.min_spacing_minutes
    if not minutes:
        return
    gap = dt.timedelta(minutes=minutes)
    clash = (
        Variant.objects.filter(
            account=variant.account,
            status__in=(Status.SCHEDULED, Status.PUBLISHED),
            scheduled_at__gt=at - gap,
            scheduled_at__lt=at + gap,
        )
        .exclude(pk=variant.pk)
        .order_by("scheduled_at")
        .first()
    )
    if clash is not None and clash.scheduled_at is not None:
        raise ValidationError(
            _("%(account)s already posts at %(other)s; keep %(minutes)s minutes between posts.")
            % {
                "account": variant.account,
                "other": timezone.localtime(clash.scheduled_at).strftime("%Y-%m-%d %H:%M"),
                "minutes": minutes,
            }
        )


def _require_future(at: dt.datetime) -> None:
    # A time already gone would reach the outbox due at once: the post would go out now,
    # not when the calendar says.
    now = scheduling.schedule_now()
    if at <= now:
        raise ValidationError(
            _("%(at)s is in the past (it is now %(now)s): choose a later time.")
            % {
                "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M"),
                "now": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
            }
        )


@transaction.atomic
def variant_schedule(
    *, actor: User, variant: Variant, at: dt.datetime, allow_past: bool = False
) -> Variant:
    """Put an approved variant on the calendar (or move a scheduled one) at ``at``.

    ``allow_past`` is for the demo loader only, which replays the 2021 campaign as history.
    """
    variant = _locked(variant)
    _require(user=actor, account=variant.account, duty=Duty.PUBLISH)
    _require_status(variant, Status.APPROVED, Status.SCHEDULED)
    _require_in_window(variant=variant, at=at)
    if not allow_past:
        _require_future(at)
    _require_spacing(variant=variant, at=at)
    variant_check_media(variant=variant)  # files the platform would refuse never get queued
    variant = _move(
        variant=variant, actor=actor, to=Status.SCHEDULED, action="schedule", scheduled_at=at
    )
    # The kind's delivery (the outbox for social kinds) moves in the same transaction, its
    # work starting on commit; a post already on its way refuses to move and the whole
    # reschedule rolls back. A kind that nothing delivers waits for "mark published".
    delivery = kind_for(variant.account.platform).delivery()
    if delivery is not None:
        delivery.schedule(variant_id=variant.pk)
    return variant


def _withdraw(variant: Variant) -> bool:
    """Take the variant off its kind's delivery; False when it is already on its way."""
    delivery = kind_for(variant.account.platform).delivery()
    return delivery is None or delivery.withdraw(variant_id=variant.pk)


@transaction.atomic
def variant_mark_published(*, actor: User, variant: Variant) -> Variant:
    """Record that a scheduled variant went out (by hand, or confirmed by a connector)."""
    variant = _locked(variant)
    _require(user=actor, account=variant.account, duty=Duty.PUBLISH)
    _require_status(variant, Status.SCHEDULED)
    return _move(variant=variant, actor=actor, to=Status.PUBLISHED, action="publish")


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


# --- Generating variants from the master texts (compose.py) ------------------------------


@dataclass
class GenerationResult:
    created: list[Variant] = field(default_factory=list)
    refreshed: list[Variant] = field(default_factory=list)
    unchanged: list[Variant] = field(default_factory=list)
    skipped: list[tuple[ChannelAccount, str]] = field(default_factory=list)


def _current_digest(variant: Variant) -> str:
    return fields_digest({name: getattr(variant, name) for name in GENERATED_FIELDS})


def _refresh_refusal(variant: Variant) -> str:
    """Why regenerating must leave ``variant`` alone ("" when it may be refreshed)."""
    if variant.status != Status.DRAFT:
        return _("it is “%(status)s”: edit it by hand") % {"status": variant.get_status_display()}
    if not variant.generated_digest:
        return _("it was written by hand")
    if _current_digest(variant) != variant.generated_digest:
        return _("it was edited after it was generated")
    return ""


def _refresh(*, actor: User, variant: Variant, composed: Composed) -> Variant:
    before = audit_snapshot(obj=variant, fields=_SNAPSHOT)
    for name, value in composed.fields().items():
        setattr(variant, name, value)
    variant.generated_digest = composed.digest
    variant.last_edited_by = actor  # four eyes: whoever wrote the text does not approve it
    variant.full_clean()
    variant.save()
    audit_record(
        actor=actor,
        action="campaigns.variant.regenerate",
        target=variant,
        before=before,
        after=audit_snapshot(obj=variant, fields=_SNAPSHOT),
    )
    return variant


def _generate_one(
    *,
    actor: User,
    item: ContentItem,
    account: ChannelAccount,
    language: str,
    kinds: set[str],
    existing: list[Variant],
    result: GenerationResult,
) -> None:
    if not master_text(item, language).strip():
        reason = _("the %(language)s master text is empty") % {"language": Language(language).label}
        result.skipped.append((account, reason))
        return
    composed = compose_variant(item=item, account=account, language=language, kinds=kinds)
    if not existing:
        created = variant_create(
            actor=actor,
            content_item=item,
            account=account,
            generated_digest=composed.digest,
            **composed.fields(),
        )
        result.created.append(created)
    for variant in existing:
        if reason := _refresh_refusal(variant):
            result.skipped.append((account, reason))
        elif variant.generated_digest == composed.digest:
            result.unchanged.append(variant)
        else:
            result.refreshed.append(_refresh(actor=actor, variant=variant, composed=composed))


@transaction.atomic
def variants_generate(
    *,
    actor: User,
    item: ContentItem,
    accounts: Iterable[ChannelAccount],
    language: str = "",
) -> GenerationResult:
    """One draft variant of ``item`` per account, from the master text in the account's
    language (``language`` overrides it for all). An account that already has variants of
    the item gets them refreshed only while nobody edited them since they were generated;
    the others are listed in ``skipped`` with the reason, never overwritten.

    Every account is checked before anything is written: one refused, nothing generated.
    """
    accounts = list(accounts)
    grants = user_grants(user=actor)
    for account in accounts:
        reason = account_allows(user=actor, account=account, duty=Duty.DRAFT, grants=grants)
        if reason:
            raise PermissionDenied(reason)
    existing: dict[int, list[Variant]] = defaultdict(list)
    rows = Variant.objects.select_for_update().filter(content_item=item, account__in=accounts)
    for variant in rows.order_by("pk"):
        existing[variant.account_id].append(variant)
    kinds = item_media_kinds(item)
    result = GenerationResult()
    for account in accounts:
        _generate_one(
            actor=actor,
            item=item,
            account=account,
            language=language or account.language,
            kinds=kinds,
            existing=existing[account.pk],
            result=result,
        )
    return result


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
