"""Writes about issues: compose, edit, review, the variants that join and leave an issue,
and start, pause, resume a send and resend its uncertain deliveries.

The workflow is the campaigns one (draft → in review → approved), checked against the
grants of the list's channel account (kind.py): drafting needs ``can_draft``, approving
``can_approve`` and never on an issue one composed or last edited (four eyes), sending
``can_publish``. A change of an approved issue's text (an edit, a variant joining or
leaving) sends it back to review. A refused call writes nothing. Every change is in the
audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypedDict, Unpack

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from quartieri.accounts.models import User
from quartieri.accounts.services import audit_record, audit_snapshot
from quartieri.channels.selectors import Duty
from quartieri.newsletter.content import DayItem, day_items
from quartieri.newsletter.models import Delivery, Issue, NewsletterList, Segment
from quartieri.newsletter.rendering import (
    html_to_text,
    issue_block,
    issue_mjml,
    issue_subject,
    mjml_render,
    mjml_with_block,
    mjml_without_block,
)
from quartieri.newsletter.selectors import list_allows
from quartieri.newsletter.sending import (
    batches_create,
    batches_for_recipients,
    batches_requeue,
    issue_record_sent,
)

Status = Issue.Status
# An issue in these states has gone out, or is going: its content can no longer change.
GONE_OUT = frozenset({Status.SENDING, Status.PAUSED, Status.SENT})
_SNAPSHOT = ["status", "subject_it", "subject_en", "segment", "approved_by", "approved_at"]


def _require(*, actor: User | None, newsletter_list: NewsletterList, duty: Duty) -> None:
    if actor is None:
        return  # the system itself (the daily schedule, a command run without --by)
    reason = list_allows(user=actor, newsletter_list=newsletter_list, duty=duty)
    if reason:
        raise PermissionDenied(reason)


def _require_status(issue: Issue, *allowed: str) -> None:
    if issue.status not in allowed:
        raise ValidationError(
            _("This is not possible while the issue is “%(status)s”.")
            % {"status": issue.get_status_display()}
        )


def _locked(issue: Issue) -> Issue:
    return Issue.objects.select_for_update().select_related("newsletter_list").get(pk=issue.pk)


def _render_into(issue: Issue) -> None:
    errors: dict[str, Any] = {}
    for language in ("it", "en"):
        try:
            html = mjml_render(getattr(issue, f"mjml_{language}"))
        except ValidationError as error:
            errors[f"mjml_{language}"] = error.messages
            continue
        setattr(issue, f"html_{language}", html)
        setattr(issue, f"text_{language}", html_to_text(html))
    if errors:
        raise ValidationError(errors)


def _log(issue: Issue, *, actor: User | None, action: str, before: dict[str, Any] | None) -> None:
    audit_record(
        actor=actor,
        action=f"newsletter.issue.{action}",
        target=issue,
        before=before,
        after=audit_snapshot(obj=issue, fields=_SNAPSHOT),
    )


@transaction.atomic
def issue_compose(*, actor: User | None, newsletter_list: NewsletterList, date: dt.date) -> Issue:
    """A draft issue from the day's content (kind.day_items), in Italian and English."""
    _require(actor=actor, newsletter_list=newsletter_list, duty=Duty.DRAFT)
    items = day_items(newsletter_list=newsletter_list, date=date)
    if not items:
        raise ValidationError(
            _("No approved or scheduled content for %(date)s: nothing to compose.")
            % {"date": date.isoformat()}
        )
    issue = Issue(
        newsletter_list=newsletter_list, date=date, composed_by=actor, last_edited_by=actor
    )
    for language in ("it", "en"):
        setattr(
            issue,
            f"subject_{language}",
            issue_subject(newsletter_list=newsletter_list, date=date, language=language),
        )
        setattr(
            issue,
            f"mjml_{language}",
            issue_mjml(newsletter_list=newsletter_list, date=date, items=items, language=language),
        )
    _render_into(issue)
    issue.save()
    issue.variants.set([item.variant_id for item in items if item.own])
    _log(issue, actor=actor, action="compose", before=None)
    return issue


def _lapse_approval(issue: Issue) -> None:
    if issue.status == Status.APPROVED:
        issue.status, issue.approved_by, issue.approved_at = Status.IN_REVIEW, None, None


def _require_unsent(issue: Issue) -> None:
    if issue.status in GONE_OUT:
        raise ValidationError(
            _("The issue of %(date)s of %(list)s has already been sent.")
            % {"date": issue.date.isoformat(), "list": issue.newsletter_list.name}
        )


def _log_carried(issue: Issue, *, action: str, variant_id: int, before: dict[str, Any]) -> None:
    audit_record(
        actor=None,
        action=f"newsletter.issue.{action}",
        target=issue,
        before=before,
        after={**audit_snapshot(obj=issue, fields=_SNAPSHOT), "variant": variant_id},
    )


def _carry_change(
    issue: Issue,
    *,
    action: str,
    variant_id: int,
    rewrite: Callable[[str, str], str | None],
    refused: str,
) -> Issue:
    """Rewrite the issue's text in both languages (``rewrite(mjml, language)``, None when
    the marks it needs were edited away: ``refused`` is then raised), lapse its approval
    and log ``action``; the caller then adds or removes the variant. Inside the campaigns
    service's transaction (delivery.py)."""
    issue = _locked(issue)
    _require_unsent(issue)
    before = audit_snapshot(obj=issue, fields=_SNAPSHOT)
    for language in ("it", "en"):
        changed = rewrite(getattr(issue, f"mjml_{language}"), language)
        if changed is None:
            raise ValidationError(refused)
        setattr(issue, f"mjml_{language}", changed)
    _render_into(issue)
    _lapse_approval(issue)
    issue.save()
    _log_carried(issue, action=action, variant_id=variant_id, before=before)
    return issue


def issue_variant_join(*, issue: Issue, item: DayItem) -> Issue:
    """The list's variant ``item`` was scheduled on the issue's day: its block joins the
    text, after the day's other items. A ValidationError refuses the schedule."""

    def rewrite(mjml: str, language: str) -> str | None:
        block = issue_block(item=item, newsletter_list=issue.newsletter_list, language=language)
        return mjml_with_block(mjml, block=block)

    refused = _(
        "The issue of %(date)s was edited without the mark of its items: add "
        "“%(item)s” in the issue's editor, or schedule it on another day."
    ) % {"date": issue.date.isoformat(), "item": item.title}
    issue = _carry_change(
        issue, action="join", variant_id=item.variant_id, rewrite=rewrite, refused=refused
    )
    issue.variants.add(item.variant_id)
    return issue


def issue_variant_leave(*, issue: Issue, variant_id: int) -> Issue:
    """The variant left the calendar (or moved to another day): its block leaves the
    text. A ValidationError when the issue has gone out or its marks were edited away."""
    refused = _(
        "The issue of %(date)s carries this item but its text was edited by "
        "hand: take the item out in the issue's editor first."
    ) % {"date": issue.date.isoformat()}
    issue = _carry_change(
        issue,
        action="leave",
        variant_id=variant_id,
        rewrite=lambda mjml, _language: mjml_without_block(mjml, variant_id=variant_id),
        refused=refused,
    )
    issue.variants.remove(variant_id)
    return issue


class IssueChanges(TypedDict, total=False):
    """What an issue edit may change (checked again for callers passing a dict)."""

    subject_it: str
    subject_en: str
    mjml_it: str
    mjml_en: str
    segment: Segment | None


EDITABLE = IssueChanges.__optional_keys__


@transaction.atomic
def issue_update(*, actor: User, issue: Issue, **changes: Unpack[IssueChanges]) -> Issue:
    """Edit the text; an approved issue goes back to review (four eyes covers edits)."""
    issue = _locked(issue)
    _require(actor=actor, newsletter_list=issue.newsletter_list, duty=Duty.DRAFT)
    _require_status(issue, Status.DRAFT, Status.IN_REVIEW, Status.APPROVED)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationError(
            _("These fields cannot be edited: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    before = audit_snapshot(obj=issue, fields=_SNAPSHOT)
    segment = changes.get("segment")
    if isinstance(segment, Segment) and segment.newsletter_list_id != issue.newsletter_list_id:
        raise ValidationError(_("The segment belongs to another list."))
    for name, value in changes.items():
        setattr(issue, name, value)
    _render_into(issue)
    _lapse_approval(issue)
    issue.last_edited_by = actor
    issue.save()
    _log(issue, actor=actor, action="update", before=before)
    return issue


def _step(
    *, actor: User | None, issue: Issue, duty: Duty, source: str, target: str, action: str
) -> Issue:
    """Move the issue from ``source`` to ``target`` for someone holding ``duty`` on the
    list's account, and log ``action`` (submit, pause, resume: one check, one write)."""
    issue = _locked(issue)
    _require(actor=actor, newsletter_list=issue.newsletter_list, duty=duty)
    _require_status(issue, source)
    before = audit_snapshot(obj=issue, fields=_SNAPSHOT)
    issue.status = target
    issue.save(update_fields=["status"])
    _log(issue, actor=actor, action=action, before=before)
    return issue


@transaction.atomic
def issue_submit(*, actor: User, issue: Issue) -> Issue:
    return _step(
        actor=actor,
        issue=issue,
        duty=Duty.DRAFT,
        source=Status.DRAFT,
        target=Status.IN_REVIEW,
        action="submit",
    )


def _require_reviewer(*, actor: User, issue: Issue) -> None:
    _require(actor=actor, newsletter_list=issue.newsletter_list, duty=Duty.APPROVE)
    if actor.pk in (issue.composed_by_id, issue.last_edited_by_id):
        raise PermissionDenied(_("You composed or edited this issue: someone else must review it."))


@transaction.atomic
def issue_approve(*, actor: User, issue: Issue, via: str = "web") -> Issue:
    """Approve an issue in review (or a draft, when named with ``send --approved-by``)."""
    issue = _locked(issue)
    _require_reviewer(actor=actor, issue=issue)
    _require_status(issue, Status.IN_REVIEW, *([Status.DRAFT] if via == "command" else []))
    before = audit_snapshot(obj=issue, fields=_SNAPSHOT)
    issue.status, issue.approved_by, issue.approved_at = Status.APPROVED, actor, timezone.now()
    issue.review_comment = ""
    issue.save(update_fields=["status", "approved_by", "approved_at", "review_comment"])
    _log(issue, actor=actor, action=f"approve.{via}", before=before)
    return issue


@transaction.atomic
def issue_reject(*, actor: User, issue: Issue, comment: str) -> Issue:
    issue = _locked(issue)
    _require_reviewer(actor=actor, issue=issue)
    _require_status(issue, Status.IN_REVIEW)
    if not comment.strip():
        raise ValidationError(_("Say what must change: a rejection needs a comment."))
    before = audit_snapshot(obj=issue, fields=_SNAPSHOT)
    issue.status, issue.review_comment = Status.DRAFT, comment.strip()
    issue.save(update_fields=["status", "review_comment"])
    _log(issue, actor=actor, action="reject", before=before)
    return issue


@transaction.atomic
def issue_send_start(*, actor: User | None, issue: Issue) -> Issue:
    """Start sending an approved issue: snapshot the audience into batches, enqueue them."""
    issue = _locked(issue)
    _require(actor=actor, newsletter_list=issue.newsletter_list, duty=Duty.PUBLISH)
    if issue.status != Status.APPROVED:
        raise ValidationError(
            _(
                "Issue %(id)s is “%(status)s”, not approved: it cannot be sent. Approve it first "
                "(or name an approver with --approved-by)."
            )
            % {"id": issue.pk, "status": issue.get_status_display()}
        )
    before = audit_snapshot(obj=issue, fields=_SNAPSHOT)
    issue.status, issue.send_started_at = Status.SENDING, timezone.now()
    batches = batches_create(issue=issue)
    if not batches:
        issue.status, issue.send_finished_at = Status.SENT, timezone.now()
    issue.save()
    if not batches:
        issue_record_sent(issue_id=issue.pk)
    _log(issue, actor=actor, action="send", before=before)
    return issue


@transaction.atomic
def issue_pause(*, actor: User | None, issue: Issue) -> Issue:
    return _step(
        actor=actor,
        issue=issue,
        duty=Duty.PUBLISH,
        source=Status.SENDING,
        target=Status.PAUSED,
        action="pause",
    )


@transaction.atomic
def issue_resume(*, actor: User | None, issue: Issue) -> Issue:
    issue = _step(
        actor=actor,
        issue=issue,
        duty=Duty.PUBLISH,
        source=Status.PAUSED,
        target=Status.SENDING,
        action="resume",
    )
    batches_requeue(issue=issue)
    return issue


@transaction.atomic
def issue_resend_uncertain(*, actor: User, issue: Issue) -> int:
    """Send the issue again to the people whose delivery is uncertain (a worker died in the
    instant between its journal line and the socket write, or its journal was on another
    machine): some of them may already have it, so an approver decides, and it is in the
    audit log. Their ledger rows go and a batch of only them is sent; people no longer
    eligible (unsubscribed, bounced) are skipped as always. Returns how many."""
    issue = _locked(issue)
    _require(actor=actor, newsletter_list=issue.newsletter_list, duty=Duty.APPROVE)
    _require(actor=actor, newsletter_list=issue.newsletter_list, duty=Duty.PUBLISH)
    _require_status(issue, Status.SENT)
    uncertain = Delivery.objects.filter(
        issue=issue, state=Delivery.State.UNCERTAIN, subscriber__isnull=False
    )
    ids = sorted(int(i) for i in uncertain.values_list("subscriber_id", flat=True) if i)
    if not ids:
        raise ValidationError(
            _("No delivery of this issue is uncertain: there is nothing to resend.")
        )
    before = audit_snapshot(obj=issue, fields=_SNAPSHOT)
    uncertain.delete()
    batches_for_recipients(issue=issue, subscriber_ids=ids)
    issue.status, issue.send_finished_at = Status.SENDING, None
    issue.save(update_fields=["status", "send_finished_at"])
    audit_record(
        actor=actor,
        action="newsletter.issue.resend_uncertain",
        target=issue,
        before=before,
        after={**audit_snapshot(obj=issue, fields=_SNAPSHOT), "resent": len(ids)},
    )
    return len(ids)
