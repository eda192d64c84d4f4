"""What a person may do with a post the outbox could not settle on its own.

- **Retry** (``failed`` only): the platform refused the post, or was never reached, or the
  account had to be reconnected: nothing is on the platform, so a new submit cannot make a
  second copy. The entry goes back to ``scheduled`` through ``outbox_schedule`` (new
  version, attempts from zero) for the variant's time, which has passed: it goes at once.
- **Reconcile now** (``unconfirmed`` only): the post may be on the platform, so it is never
  sent again on a person's word; the reconcile task asks the platform, and only a
  platform's "it is not there" may lead to a new submit (``outbox.outbox_reconcile``).

- **It is there** / **it is missing, send again** (``unconfirmed`` only): a post the
  platform's listing cannot show (a TikTok post that is not public, a photo post) stays
  unconfirmed until a person who checked the account says what they saw. "There" settles it
  as published, with the post's address or id if given; "missing" sends it once more, after
  a confirmation that it would be published twice if it is in fact there. Only approvers of
  the account who may also publish on it (``selectors.outbox_settle_refusal``), never while
  a worker is checking the post, and "missing" not before the reconcile wait after the last
  send (a request that timed out may still land). Both are audited with the person's name.

Every other state refuses with the reason (``published``: retrying would post twice;
``submitting``/``submitted``: on its way; ``scheduled``: already waiting; ``cancelled``:
withdrawn). Who may: those who may publish on the entry's account
(``selectors.outbox_recovery_refusal``). A refusal writes nothing and enqueues nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import partial
from typing import Protocol

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from quartieri.accounts.models import User
from quartieri.accounts.services import audit_record, audit_snapshot
from quartieri.campaigns.models import Variant
from quartieri.channels.models import PlatformCredential
from quartieri.channels.selectors import credentials_by_account
from quartieri.publishing.models import OutboxEntry
from quartieri.publishing.outbox import (
    outbox_record_found,
    outbox_record_missing,
    outbox_schedule,
    outbox_take,
    reconcile_delay,
)
from quartieri.publishing.selectors import outbox_recovery_refusal, outbox_settle_refusal
from quartieri.publishing.tasks import reconcile_entry

State = OutboxEntry.State
_SNAPSHOT = ["state", "due_at", "version", "attempts", "publish_id", "last_error"]
_SETTLE_SNAPSHOT = [*_SNAPSHOT, "platform_post_id", "permalink"]


class Refusal(Protocol):
    """Why ``user`` may not act on ``entry`` ("" when they may): the selectors' refusals."""

    def __call__(self, *, user: User, entry: OutboxEntry) -> str: ...


# A post id as platforms give them (digits, Meta's "<page>_<post>", letters): no spaces.
_POST_ID = re.compile(r"[A-Za-z0-9_.:-]{1,200}")


def _refusal_for_state(entry: OutboxEntry) -> str:
    """Why a person may not send this entry again (every state but ``failed``)."""
    reasons = {
        State.PUBLISHED: _("This post is already published: sending it again would post it twice."),
        State.UNCONFIRMED: _(
            "This post may already be on the platform, so it is not sent again: use "
            "“Check on the platform” instead."
        ),
        State.SUBMITTING: _("This post is being sent right now: wait for the outcome."),
        State.SUBMITTED: _(
            "The platform has this post and is processing it: wait for the outcome."
        ),
        State.SCHEDULED: _("This post is already waiting to go out."),
        State.CANCELLED: _("This post was withdrawn: schedule it again from its campaign."),
    }
    return reasons.get(State(entry.state), _("This post cannot be sent again."))


def _entry_for(
    *, actor: User, entry_id: int, refusal: Refusal = outbox_recovery_refusal
) -> OutboxEntry:
    """The entry, once ``refusal`` finds the actor allowed (checked before any lock)."""
    entry = OutboxEntry.objects.select_related("account").get(pk=entry_id)
    reason = refusal(user=actor, entry=entry)
    if reason:
        raise PermissionDenied(reason)
    return entry


def _lock(entry: OutboxEntry) -> OutboxEntry:
    # Variant first, then entry: the order outbox_schedule (and variant_schedule) lock in.
    Variant.objects.select_for_update().filter(pk=entry.variant_id).first()
    return (
        OutboxEntry.objects.select_for_update()
        .select_related("account", "variant")
        .get(pk=entry.pk)
    )


def _account_refusal(entry: OutboxEntry) -> str:
    credential = credentials_by_account(accounts=[entry.account]).get(entry.account_id)
    if credential is None:
        return _("No token is connected for %(account)s: connect the account first.") % {
            "account": entry.account
        }
    if credential.status != PlatformCredential.Status.OK:
        return _("%(account)s must be reconnected first: the platform refuses its token.") % {
            "account": entry.account
        }
    return ""


@transaction.atomic
def outbox_retry(*, actor: User, entry_id: int) -> OutboxEntry:
    """Send a ``failed`` post again; ValidationError says why when that is not safe."""
    entry = _lock(_entry_for(actor=actor, entry_id=entry_id))
    if entry.state != State.FAILED:
        raise ValidationError(_refusal_for_state(entry))
    if entry.variant.status != Variant.Status.SCHEDULED:
        raise ValidationError(
            _(
                "The post was changed after it failed and is no longer scheduled: approve and "
                "schedule it again from its campaign."
            )
        )
    refusal = _account_refusal(entry)
    if refusal:
        raise ValidationError(refusal)
    before = audit_snapshot(obj=entry, fields=_SNAPSHOT)
    outbox_schedule(variant_id=entry.variant_id)
    entry.refresh_from_db()
    audit_record(
        actor=actor,
        action="publishing.outbox.retry",
        target=entry,
        before=before,
        after=audit_snapshot(obj=entry, fields=_SNAPSHOT),
    )
    return entry


@transaction.atomic
def outbox_reconcile_now(*, actor: User, entry_id: int) -> dt.datetime:
    """Ask the platform about an ``unconfirmed`` post now; returns when the check runs.

    Not before ``PUBLISHING_RECONCILE_DELAY_SECONDS`` after the last send: a request that
    timed out may still land, and looking earlier could wrongly find nothing.
    """
    entry = _lock(_entry_for(actor=actor, entry_id=entry_id))
    if entry.state != State.UNCONFIRMED:
        raise ValidationError(
            _(
                "Only a post whose outcome is not confirmed can be checked (this one is “%(state)s”)."
            )
            % {"state": entry.get_state_display()}
        )
    now = timezone.now()
    run_after = max(now, (entry.sent_at or now) + reconcile_delay())
    snapshot = audit_snapshot(obj=entry, fields=_SNAPSHOT)
    audit_record(
        actor=actor,
        action="publishing.outbox.reconcile",
        target=entry,
        before=snapshot,
        after={**snapshot, "reconcile_at": run_after.isoformat()},
    )
    task = reconcile_entry.using(run_after=run_after)
    transaction.on_commit(partial(task.enqueue, entry_id=entry.pk))
    return run_after


def _settling(*, actor: User, entry_id: int) -> OutboxEntry:
    """The unconfirmed entry, taken for the person in the caller's transaction; refuses
    (writing nothing) a person who may not, another state, or a worker checking it now."""
    entry = _lock(_entry_for(actor=actor, entry_id=entry_id, refusal=outbox_settle_refusal))
    if entry.state != State.UNCONFIRMED:
        raise ValidationError(
            _(
                "Only a post whose outcome is not confirmed can be settled (this one is “%(state)s”)."
            )
            % {"state": entry.get_state_display()}
        )
    # Taken as a worker takes it: a reconcile task holding it, or taking it meanwhile, wins.
    if not outbox_take(entry, worker=f"person-{actor.pk}"):
        raise ValidationError(
            _("Quartieri is checking this post on the platform right now: look again in a minute.")
        )
    return entry


def _post_reference(where: str) -> tuple[str, str]:
    """(post id, permalink) from what the person pasted: an http(s) address or an id."""
    where = where.strip()
    if not where:
        return "", ""
    if where.startswith(("http://", "https://")):
        try:
            URLValidator(schemes=["http", "https"])(where)
        except ValidationError:
            pass
        else:
            if len(where) <= 500:
                return "", where
    elif _POST_ID.fullmatch(where):
        return where, ""
    raise ValidationError(
        {
            "where": _(
                "Paste the post's web address (https://…) or its id on the platform, or leave "
                "the field empty."
            )
        }
    )


@transaction.atomic
def outbox_settle_found(*, actor: User, entry_id: int, where: str = "") -> OutboxEntry:
    """A person saw the unconfirmed post on the platform: it is recorded published (with
    its address or id when given) and never checked or sent again."""
    post_id, permalink = _post_reference(where)
    entry = _settling(actor=actor, entry_id=entry_id)
    before = audit_snapshot(obj=entry, fields=_SETTLE_SNAPSHOT)
    note = _("%(person)s found the post on the platform.") % {"person": actor.get_username()}
    outbox_record_found(entry=entry, post_id=post_id, permalink=permalink, note=note)
    audit_record(
        actor=actor,
        action="publishing.outbox.settle_found",
        target=entry,
        before=before,
        after=audit_snapshot(obj=entry, fields=_SETTLE_SNAPSHOT),
    )
    return entry


@transaction.atomic
def outbox_settle_missing(*, actor: User, entry_id: int, confirmed: bool) -> OutboxEntry:
    """A person checked the account and the post is not there: it is sent once more.
    ``confirmed``: they were told that a post in fact there would be published twice."""
    entry = _settling(actor=actor, entry_id=entry_id)
    if not confirmed:
        raise ValidationError(
            {"confirm": _("Confirm that you checked the account and the post is not there.")}
        )
    may_land_until = entry.sent_at + reconcile_delay() if entry.sent_at else None
    if may_land_until is not None and may_land_until > timezone.now():
        raise ValidationError(
            _("The last send was a moment ago and may still land: look again after %(time)s.")
            % {"time": timezone.localtime(may_land_until).strftime("%H:%M:%S")}
        )
    before = audit_snapshot(obj=entry, fields=_SNAPSHOT)
    outbox_record_missing(entry=entry)
    audit_record(
        actor=actor,
        action="publishing.outbox.settle_missing",
        target=entry,
        before=before,
        after=audit_snapshot(obj=entry, fields=_SNAPSHOT),
    )
    return entry
