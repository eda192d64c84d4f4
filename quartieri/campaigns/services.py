"""Writes of the campaigns app: drafting variants and moving them through the workflow.

Workflow: draft → in_review → approved → scheduled → published; reject sends in_review back
to draft with the reviewer's comment; editing an approved or scheduled variant sends it back
to in_review. Every check runs here, server-side, before anything is written: a refused
call changes no row, writes no Transition and no audit event.

Who may do what (role capability AND per-account rule):
- draft, edit, submit: DRAFT_CONTENT + grant ``can_draft`` (personal account: its owner);
- approve, reject: APPROVE_CONTENT + grant ``can_approve``, never on a variant one drafted
  or last edited (four eyes); on a personal account only its owner, whatever the grants;
- schedule, mark published: DRAFT_CONTENT + grant ``can_publish``; personal: owner only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from quartieri.accounts.models import User
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.accounts.services import audit_record, audit_snapshot
from quartieri.campaigns.models import (
    ApiToken,
    Campaign,
    ChannelAccount,
    ContentItem,
    Transition,
    Variant,
)
from quartieri.campaigns.selectors import Duty, account_allows
from quartieri.campaigns.validation import variant_validate
from quartieri.planner.models import SavedPlan
from quartieri.publishing.outbox import outbox_cancel, outbox_schedule

Status = Variant.Status

# What an edit may change; status, author and schedule move only through the workflow.
EDITABLE_FIELDS = frozenset(
    {
        "post_type",
        "title",
        "caption",
        "hashtags",
        "mentions",
        "link",
        "tiktok_privacy_level",
        "tiktok_allow_comment",
        "tiktok_allow_duet",
        "tiktok_allow_stitch",
    }
)
_SNAPSHOT = ["status", "scheduled_at", "caption", "title", "hashtags", "mentions", "link"]


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


def _move(
    *, variant: Variant, actor: User, to: str, action: str, comment: str = "", **fields: Any
) -> Variant:
    """Change status (and ``fields``), then write the Transition and the audit event."""
    before = audit_snapshot(obj=variant, fields=_SNAPSHOT)
    from_status = variant.status
    variant.status = to
    for name, value in fields.items():
        setattr(variant, name, value)
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
    **fields: Any,
) -> Variant:
    """Draft a new variant of ``content_item`` for ``account``."""
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
        **fields,
    )
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
def variant_update(*, actor: User, variant: Variant, **changes: Any) -> Variant:
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
        if not outbox_cancel(variant_id=variant.pk):
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
    for name, value in changes.items():
        setattr(variant, name, value)
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


@transaction.atomic
def variant_schedule(*, actor: User, variant: Variant, at: dt.datetime) -> Variant:
    """Put an approved variant on the calendar (or move a scheduled one) at ``at``."""
    variant = _locked(variant)
    _require(user=actor, account=variant.account, duty=Duty.PUBLISH)
    _require_status(variant, Status.APPROVED, Status.SCHEDULED)
    _require_in_window(variant=variant, at=at)
    _require_spacing(variant=variant, at=at)
    variant = _move(
        variant=variant, actor=actor, to=Status.SCHEDULED, action="schedule", scheduled_at=at
    )
    # The outbox row moves in the same transaction (its task is enqueued on commit); a post
    # already on its way refuses to move and the whole reschedule rolls back.
    outbox_schedule(variant_id=variant.pk)
    return variant


@transaction.atomic
def variant_mark_published(*, actor: User, variant: Variant) -> Variant:
    """Record that a scheduled variant went out (by hand, or confirmed by a connector)."""
    variant = _locked(variant)
    _require(user=actor, account=variant.account, duty=Duty.PUBLISH)
    _require_status(variant, Status.SCHEDULED)
    return _move(variant=variant, actor=actor, to=Status.PUBLISHED, action="publish")


_ITEM_SNAPSHOT = ["campaign", "neighbourhood", "title", "master_text_it", "master_text_en"]


@transaction.atomic
def content_item_create(
    *,
    actor: User,
    campaign: Campaign,
    title: str,
    neighbourhood_id: int | None = None,
    master_text_it: str = "",
    master_text_en: str = "",
) -> ContentItem:
    """A new idea in ``campaign``; its variants then go through ``variant_create``."""
    if not user_can(actor, Capability.DRAFT_CONTENT):
        raise PermissionDenied(
            _("Your role does not allow this (%(capability)s).")
            % {"capability": Capability.DRAFT_CONTENT.value}
        )
    item = ContentItem(
        campaign=campaign,
        title=title,
        neighbourhood_id=neighbourhood_id,
        master_text_it=master_text_it,
        master_text_en=master_text_en,
        created_by=actor,
    )
    item.full_clean()
    item.save()
    audit_record(
        actor=actor,
        action="campaigns.item.create",
        target=item,
        after=audit_snapshot(obj=item, fields=_ITEM_SNAPSHOT),
    )
    return item


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
    if not user_can(actor, Capability.SAVE_PLAN):
        raise PermissionDenied(
            _("Your role does not allow this (%(capability)s).")
            % {"capability": Capability.SAVE_PLAN.value}
        )
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
