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
from collections.abc import Mapping
from typing import Any, TypedDict, Unpack

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from quartieri.accounts.models import User
from quartieri.accounts.services import audit_record, audit_snapshot
from quartieri.campaigns import scheduling
from quartieri.campaigns.models import ContentItem, Transition, Variant
from quartieri.campaigns.notices import variant_transition_notify
from quartieri.campaigns.validation import variant_require_valid
from quartieri.channels.base import OptionsError, option_field_name
from quartieri.channels.models import ChannelAccount
from quartieri.channels.registry import kind_for
from quartieri.channels.selectors import Duty, account_allows

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
# What the audit log keeps of a variant before and after a change.
VARIANT_SNAPSHOT = ["status", "scheduled_at", "caption", "title", "hashtags", "mentions", "link"]


def _require(*, user: User, account: ChannelAccount, duty: Duty) -> None:
    reason = account_allows(user=user, account=account, duty=duty)
    if reason:
        raise PermissionDenied(reason)


class StateConflictError(ValidationError):
    """The step does not fit the variant's current state (its status, or a post already on
    its way): nothing wrong with the request itself, so the API answers 409."""


def _require_status(variant: Variant, *allowed: str) -> None:
    if variant.status not in allowed:
        raise StateConflictError(
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
    actor: User | None,
    to: str,
    action: str,
    comment: str = "",
    **fields: Unpack[_MoveFields],
) -> Variant:
    """Change status (and ``fields``), then write the Transition and the audit event: the one
    path of every status change (``actor`` None: the system, e.g. a delivery confirmed)."""
    before = audit_snapshot(obj=variant, fields=VARIANT_SNAPSHOT)
    from_status = variant.status
    variant.status = to
    _assign(variant, fields)
    if fields:
        variant.full_clean()
        variant.save()
    else:  # only the status moved: nothing to validate, one narrow UPDATE
        variant.save(update_fields=["status", "updated_at"])
    Transition.objects.create(
        variant=variant,
        action=action,
        from_status=from_status,
        to_status=to,
        actor=actor,
        comment=comment,
    )
    # Who must hear of it ("to review", "sent back", "published"): in the same transaction.
    variant_transition_notify(variant=variant, action=action, actor=actor, comment=comment)
    audit_record(
        actor=actor,
        action=f"campaigns.variant.{action}",
        target=variant,
        before=before,
        after=audit_snapshot(obj=variant, fields=VARIANT_SNAPSHOT),
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
        after=audit_snapshot(obj=variant, fields=VARIANT_SNAPSHOT),
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
            raise StateConflictError(
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
    before = audit_snapshot(obj=variant, fields=VARIANT_SNAPSHOT)
    _assign(variant, changes)
    variant.last_edited_by = actor
    variant.full_clean()
    variant.save()
    audit_record(
        actor=actor,
        action="campaigns.variant.edit",
        target=variant,
        before=before,
        after=audit_snapshot(obj=variant, fields=VARIANT_SNAPSHOT),
    )
    return variant


@transaction.atomic
def variant_submit(*, actor: User, variant: Variant) -> Variant:
    variant = _locked(variant)
    _require(user=actor, account=variant.account, duty=Duty.DRAFT)
    _require_status(variant, Status.DRAFT)
    variant_require_valid(variant=variant)  # a reviewer never sees what cannot go out
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
    variant_require_valid(variant=variant)
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
    # Every rule again (a setting or a file may have changed since approval): a post the
    # platform would refuse never gets queued.
    variant_require_valid(variant=variant)
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


@transaction.atomic
def variant_record_published(*, variant_id: int, permalink: str = "") -> Variant | None:
    """The system's "mark published", for a kind's delivery that confirmed the post went out
    (the outbox): ``variant_mark_published`` needs a person holding the publish grant, which
    a worker is not. Same Transition and audit event, with no actor ("system"); the
    permalink is the transition's comment. Nothing happens to a variant no longer scheduled
    (edited back to review meanwhile): None."""
    # The audit label names the content item and the account: read them in the same query.
    variant = (
        Variant.objects.select_related("content_item", "account")
        .select_for_update(of=("self",))
        .get(pk=variant_id)
    )
    if variant.status != Status.SCHEDULED:
        return None
    return _move(
        variant=variant, actor=None, to=Status.PUBLISHED, action="publish", comment=permalink
    )


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
