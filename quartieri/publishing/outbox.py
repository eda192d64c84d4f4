"""The outbox: a scheduled variant goes out on its channel account exactly once.

One ``OutboxEntry`` per (variant, account). Tasks (``publishing.tasks``) take the entry's id
and call the services below; every step is safe to run twice:

- **claim** (``outbox_publish``): a compare-and-swap ``scheduled → submitting`` on the
  entry's ``version`` (plus ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL), committed
  *before* the platform is called. A stale task (the entry was rescheduled or cancelled
  since it was enqueued) or an early one (``due_at`` moved later) does nothing.
- **submit**: the one irreversible call, never retried blindly. Its handle is saved
  (``submitted``) before any polling. A lost answer (``MaybeSubmitted``), an unexpected
  error, or a row found in ``submitting`` by a later run whose worker is dead, make the
  entry ``unconfirmed``: only ``outbox_reconcile`` may send it again, and only when the
  platform says the post does not exist.
- **poll** (``outbox_poll``): one status check (more with ``PUBLISHING_POLL_DELAYS``), then a
  follow-up task after a growing pause instead of a sleep that would hold the worker; bounded
  by ``PUBLISHING_MAX_POLLS``.

A task working on an entry writes its worker id in ``claimed_by`` and clears it when it
hands over; a later run leaves an entry alone only while that worker is alive (heartbeats,
``quartieri.core.workers``), so the work of a killed worker is always picked up.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from quartieri.campaigns.models import Variant
from quartieri.campaigns.notices import variant_failed_notify
from quartieri.campaigns.services import variant_record_published
from quartieri.channels.base import Capability
from quartieri.channels.connection import (
    ReconnectNeededError,
    account_call,
    account_gate,
    account_mark_reconnect_needed,
    account_pause,
    setting_number,
    setting_seconds,
)
from quartieri.channels.connectors.base import (
    Connector,
    MaybeSubmitted,
    PermanentError,
    PublishState,
    RateLimited,
    ReconcileQuery,
    ReconcileResult,
    RetryableError,
    StatusResult,
    SubmitResult,
)
from quartieri.channels.models import AccountState
from quartieri.channels.registry import kind_for
from quartieri.core.workers import live_worker_ids
from quartieri.publishing.models import OutboxEntry
from quartieri.publishing.payload import (
    entry_marker,
    post_link,
    post_request_for,
    reconcile_request_for,
)

logger = logging.getLogger(__name__)

State = OutboxEntry.State


class Step(StrEnum):
    """What one run of an outbox task did: the entry's state after it, or why it left the
    entry alone. A task returns it (the queue keeps it as the task's result)."""

    SCHEDULED = State.SCHEDULED.value
    SUBMITTING = State.SUBMITTING.value
    SUBMITTED = State.SUBMITTED.value
    PUBLISHED = State.PUBLISHED.value
    FAILED = State.FAILED.value
    UNCONFIRMED = State.UNCONFIRMED.value
    CANCELLED = State.CANCELLED.value
    BUSY = "busy"  # another worker holds the entry (or its row lock)
    STALE = "stale"  # the task was for an older version (rescheduled or cancelled since)
    NOT_DUE = "not_due"  # moved later: the task for the new time sends it
    PAUSED = "paused"  # the account is paused: sent again when the pause ends
    RATE_LIMITED = "rate_limited"  # the platform asked to slow down: back to scheduled
    RETRY = "retry"  # the platform could not be reached: tried again after a wait
    POLLING = "polling"  # still processing: a later poll task looks again


def _now_in(entry: OutboxEntry) -> Step:
    return Step(entry.state)


# States in which the platform may already have (or soon have) the post: nothing may move
# or cancel the entry any more.
IN_FLIGHT = frozenset({State.SUBMITTING, State.SUBMITTED, State.UNCONFIRMED, State.PUBLISHED})


# --- Tunables (settings, so that a test platform can shorten them) --------------------------
def poll_delays() -> list[float]:
    """Pauses before each status check made inside one task (the first check is at once).

    One check by default: a worker sleeping between checks publishes nothing else meanwhile
    (bench/publishing_throughput_bench.py measured 1.1 posts/s per worker with 0.6 s of
    sleeps per TikTok post); the next check is a task of its own (``next_poll_after``).
    """
    return [float(d) for d in getattr(settings, "PUBLISHING_POLL_DELAYS", (0,))]


def next_poll_after(polls: int) -> timedelta:
    """The pause before the next poll task: 1, 2, 4 … s, at most PUBLISHING_POLL_TASK_SECONDS."""
    first = setting_number("PUBLISHING_POLL_FIRST_SECONDS", 1)
    cap = setting_number("PUBLISHING_POLL_TASK_SECONDS", 20)
    return timedelta(seconds=min(cap, first * 2 ** min(max(polls - 1, 0), 30)))


def reconcile_delay() -> timedelta:
    """How long after a send the platform is first asked about a post whose outcome is not
    known: a request that timed out may still be on its way, and looking earlier could
    wrongly find nothing and lead to a duplicate."""
    return setting_seconds("PUBLISHING_RECONCILE_DELAY_SECONDS", 60)


# --- Small helpers ----------------------------------------------------------------------------
def _this_process() -> str:
    # Services called outside a worker (tests, the shell) still sign their claims.
    return f"{socket.gethostname()[:30]}-{os.getpid()}-direct"


def _plain(reason: str | Promise, action: str | Promise) -> str:
    return f"{reason} {action}".strip()


def enqueue_task(name: str, *, run_after: datetime | None = None, **kwargs: int) -> None:
    """Enqueue a publishing task once the current transaction commits."""
    from quartieri.publishing import tasks  # tasks import this module

    task = getattr(tasks, name)
    if run_after is not None:
        task = task.using(run_after=run_after)
    transaction.on_commit(partial(task.enqueue, **kwargs))


def enqueue_publish(entry: OutboxEntry, *, run_after: datetime | None = None) -> None:
    enqueue_task(
        "publish_entry",
        run_after=run_after or entry.due_at,
        entry_id=entry.pk,
        version=entry.version,
    )


def _enqueue_reconcile(entry: OutboxEntry) -> None:
    enqueue_task("reconcile_entry", run_after=timezone.now() + reconcile_delay(), entry_id=entry.pk)


def enqueue_poll(entry: OutboxEntry, *, run_after: datetime | None = None) -> None:
    enqueue_task("poll_entry", run_after=run_after or timezone.now(), entry_id=entry.pk)


def _update(entry: OutboxEntry, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.save(update_fields=[*fields, "updated_at"])


_OWN_COLUMNS = [
    field.name
    for field in OutboxEntry._meta.concrete_fields
    if field.name not in {"account", "variant"}
]


def _reread(entry: OutboxEntry) -> None:
    """Re-read the entry's own columns. Its account and variant never change, so the rows
    loaded with it stay: a plain refresh would drop them and every platform call of the
    post would read them again."""
    entry.refresh_from_db(fields=_OWN_COLUMNS)


def _locked(entry_id: int) -> OutboxEntry | None:
    """The entry under a row lock; None when another worker holds it (PostgreSQL)."""
    rows = OutboxEntry.objects.filter(pk=entry_id).select_related("account", "variant")
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    return rows.first()


def held_by_other(entry: OutboxEntry, *, worker: str, live: set[str]) -> bool:
    """Whether another task is working on the entry right now.

    A claim counts while its worker beats its heartbeat and for at most the lease: a task
    that crashed with an exception leaves a live worker behind but no work going on.
    """
    holder = entry.claimed_by
    if not holder or holder == worker or holder not in live:
        return False
    lease = setting_seconds("PUBLISHING_CLAIM_LEASE_SECONDS", 900)
    return entry.claimed_at is not None and entry.claimed_at > timezone.now() - lease


def outbox_take(entry: OutboxEntry, *, worker: str, live: set[str] | None = None) -> bool:
    """Claim ``entry`` (read under its row lock, in the caller's transaction) for ``worker``;
    False, writing nothing, while another live worker is working on it.

    A compare-and-swap on the state and claim read: another taking the entry meanwhile
    wins. ``live``: the live workers when the caller read them already.
    """
    if held_by_other(entry, worker=worker, live=live_worker_ids() if live is None else live):
        return False
    taken = OutboxEntry.objects.filter(
        pk=entry.pk, state=entry.state, claimed_by=entry.claimed_by
    ).update(claimed_by=worker, claimed_at=timezone.now())
    return bool(taken)


def _take(*, entry_id: int, state: str, worker: str) -> OutboxEntry | None:
    """Take an entry in ``state`` for this worker, unless a live worker is working on it."""
    live = live_worker_ids()
    with transaction.atomic():
        entry = _locked(entry_id)
        if entry is None or entry.state != state:
            return None
        if not outbox_take(entry, worker=worker, live=live):
            return None
        _reread(entry)
        return entry


# --- Schedule and cancel ------------------------------------------------------------------------
@transaction.atomic
def outbox_schedule(*, variant_id: int) -> OutboxEntry | None:
    """Create or move the outbox entry of a scheduled variant and enqueue its publish task.

    Returns None for channels the outbox does not publish to (newsletter, screens …).
    Raises ValidationError when the post is already on its way (it can no longer move), or
    when its link cannot be a tracked link (naming why).
    """
    variant = Variant.objects.select_for_update().select_related("account").get(pk=variant_id)
    if Capability.OUTBOX not in kind_for(variant.account.platform).capabilities:
        return None
    if variant.status != Variant.Status.SCHEDULED or variant.scheduled_at is None:
        raise ValidationError(_("Only a scheduled variant can be put in the outbox."))
    _require_post_link(variant)
    entry = (
        OutboxEntry.objects.select_for_update()
        .filter(variant=variant, account=variant.account)
        .first()
    )
    if entry is None:
        entry = OutboxEntry.objects.create(
            variant=variant, account=variant.account, due_at=variant.scheduled_at
        )
        _update(entry, marker=entry_marker(entry))
    elif entry.state in IN_FLIGHT:
        raise ValidationError(
            _("This post is already being published (%(state)s): it can no longer be moved.")
            % {"state": entry.get_state_display()}
        )
    else:
        # The version bump makes every task enqueued for the old time do nothing.
        _update(
            entry,
            due_at=variant.scheduled_at,
            state=State.SCHEDULED,
            version=entry.version + 1,
            attempts=0,
            polls=0,
            last_error="",
            publish_id="",
            claimed_by="",
        )
    enqueue_publish(entry)
    return entry


def _require_post_link(variant: Variant) -> None:
    """Make the post's tracked link now (payload.post_link), so that a refused target is
    said to the person scheduling, not found at sending time."""
    try:
        post_link(variant=variant, account=variant.account)
    except ValueError as error:  # analytics.links.LinkError
        raise ValidationError(
            {"link": _("This link cannot be a tracked link: %(reason)s.") % {"reason": error}}
        ) from None


@transaction.atomic
def outbox_cancel(*, variant_id: int) -> bool:
    """Withdraw a variant's post; False when it is already on its way or out."""
    entry = OutboxEntry.objects.select_for_update().filter(variant_id=variant_id).first()
    if entry is None or entry.state == State.CANCELLED:
        return True
    if entry.state in IN_FLIGHT:
        return False
    _update(entry, state=State.CANCELLED, version=entry.version + 1, claimed_by="")
    return True


class OutboxDelivery:
    """The social kinds' ``channels.base.Delivery``: their scheduled variants go out
    through the outbox (``SocialKind.delivery_path`` names ``OUTBOX``)."""

    def schedule(self, *, variant_id: int) -> None:
        outbox_schedule(variant_id=variant_id)

    def withdraw(self, *, variant_id: int) -> bool:
        return outbox_cancel(variant_id=variant_id)

    def troubles(self, *, variant_ids: Sequence[int]) -> dict[int, str]:
        """Failed and unconfirmed posts, in the outbox's own words (one query)."""
        rows = OutboxEntry.objects.filter(
            variant_id__in=variant_ids, state__in=(State.FAILED, State.UNCONFIRMED)
        ).values_list("variant_id", "state")
        return {variant_id: str(State(state).label) for variant_id, state in rows}


OUTBOX = OutboxDelivery()


# --- Publish -----------------------------------------------------------------------------------
# RQ keeps a task's time in whole seconds (rq.registry.ScheduledJobRegistry.schedule) and may
# start it up to a second early; turned away as "not due", the post would never go out.
_EARLY_START = timedelta(seconds=1)


@dataclass(frozen=True)
class _Claim:
    entry: OutboxEntry | None
    outcome: Step


def _claim(*, entry_id: int, version: int, worker: str) -> _Claim:
    live = live_worker_ids()
    with transaction.atomic():
        entry = _locked(entry_id)
        if entry is None:
            return _Claim(None, Step.BUSY)
        if entry.version != version:
            return _Claim(None, Step.STALE)
        if entry.state == State.SUBMITTING:
            return _Claim(None, _found_submitting(entry, worker=worker, live=live))
        if entry.state == State.SUBMITTED:
            if held_by_other(entry, worker=worker, live=live):
                return _Claim(None, Step.BUSY)
            enqueue_poll(entry)  # a worker died while polling: carry on
            return _Claim(None, _now_in(entry))
        if entry.state != State.SCHEDULED:
            return _Claim(None, _now_in(entry))
        now = timezone.now()
        if entry.due_at > now + _EARLY_START:
            return _Claim(None, Step.NOT_DUE)  # moved later; the task for the new time runs it
        if entry.variant.status != Variant.Status.SCHEDULED:
            # Edited back to review: what is no longer approved must not go out.
            _update(entry, state=State.CANCELLED, version=entry.version + 1)
            return _Claim(None, _now_in(entry))
        gate = account_gate(entry.account)
        if gate == "reconnect":
            _fail(
                entry,
                _("The account needs to be reconnected."),
                _("Reconnect the account, then schedule the post again."),
            )
            return _Claim(None, _now_in(entry))
        if gate == "paused":
            paused_until = AccountState.objects.get(account_id=entry.account_id).paused_until
            assert paused_until is not None  # noqa: S101 (gate checked it)
            _update(entry, due_at=paused_until)
            enqueue_publish(entry)
            return _Claim(None, Step.PAUSED)
        claimed = OutboxEntry.objects.filter(
            pk=entry.pk, state=State.SCHEDULED, version=version
        ).update(
            state=State.SUBMITTING,
            claimed_by=worker,
            claimed_at=now,
            sent_at=now,
            attempts=F("attempts") + 1,
        )
        if not claimed:
            return _Claim(None, Step.BUSY)
        _reread(entry)
    # Committed: from here a dead worker leaves a visible "submitting" row.
    return _Claim(entry, _now_in(entry))


def _found_submitting(entry: OutboxEntry, *, worker: str, live: set[str]) -> Step:
    """A row left in submitting: its submit may or may not have reached the platform."""
    if held_by_other(entry, worker=worker, live=live):
        return Step.BUSY  # its worker is alive and still sending
    _update(
        entry,
        state=State.UNCONFIRMED,
        claimed_by="",
        last_error=_(
            "The worker sending this post stopped before the platform answered. Quartieri is "
            "checking on the platform whether it went out; do not post it by hand."
        ),
    )
    _enqueue_reconcile(entry)
    return _now_in(entry)


def outbox_publish(*, entry_id: int, version: int, worker: str = "") -> Step:
    """Claim a due entry and send it; returns what happened (a state or a reason)."""
    worker = worker or _this_process()
    claim = _claim(entry_id=entry_id, version=version, worker=worker)
    if claim.entry is None:
        return claim.outcome
    entry = claim.entry
    try:
        request = post_request_for(entry)
        result = account_call(entry.account, lambda connector: connector.submit(request=request))
    except MaybeSubmitted as error:
        return _unconfirmed(entry, worker, error=str(error), publish_id=error.publish_id)
    except RateLimited as error:
        return _rate_limited(entry, worker, error)
    except ReconnectNeededError as error:
        return _reconnect(entry, worker, str(error))
    except PermanentError as error:
        return _owned_fail(entry, worker, error.reason, error.action)
    except RetryableError as error:
        return _retry_later(entry, worker, str(error))
    except ValueError as error:  # the post itself cannot be built (PostRequest, MediaItem)
        return _owned_fail(
            entry,
            worker,
            _("The post is incomplete: %(problem)s.") % {"problem": error},
            _("Edit the post and schedule it again."),
        )
    except Exception as error:  # noqa: BLE001
        # Unknown outcome: the post may exist, so it is reconciled, never re-sent.
        logger.exception("Submit of outbox entry %s failed unexpectedly", entry.pk)
        return _unconfirmed(entry, worker, error=repr(error), publish_id="")
    return _submitted(entry, worker, result)


def _mine(entry: OutboxEntry, worker: str) -> bool:
    """Re-read the entry; True while this worker still holds it (nobody took over)."""
    _reread(entry)
    return entry.claimed_by == worker


def _submitted(entry: OutboxEntry, worker: str, result: SubmitResult) -> Step:
    with transaction.atomic():
        # The handle is saved and committed before any polling: it is what reconcile needs.
        saved = OutboxEntry.objects.filter(
            pk=entry.pk, claimed_by=worker, state__in=[State.SUBMITTING, State.UNCONFIRMED]
        ).update(
            state=State.SUBMITTED,
            publish_id=result.publish_id,
            platform_post_id=result.platform_post_id,
            permalink=result.permalink,
        )
        _reread(entry)
        if saved and result.state == PublishState.PUBLISHED:
            _published(entry, post_id=result.platform_post_id, permalink=result.permalink)
            return _now_in(entry)
    if not saved:
        logger.warning("Outbox entry %s was taken over during submit", entry.pk)
        return _now_in(entry)
    return _poll_round(entry, worker)


def _unconfirmed(entry: OutboxEntry, worker: str, *, error: str, publish_id: str) -> Step:
    with transaction.atomic():
        if not _mine(entry, worker):
            return _now_in(entry)
        fields: dict[str, Any] = {
            "state": State.UNCONFIRMED,
            "claimed_by": "",
            "last_error": _(
                "The platform did not confirm the post. Quartieri is checking whether it went "
                "out; do not post it by hand."
            ),
        }
        if publish_id:
            fields["publish_id"] = publish_id
        _update(entry, **fields)
        logger.warning("Outbox entry %s unconfirmed: %s", entry.pk, error)
        _enqueue_reconcile(entry)
    return _now_in(entry)


def _rate_limited(entry: OutboxEntry, worker: str, error: RateLimited) -> Step:
    until = account_pause(entry.account, error)
    with transaction.atomic():
        if not _mine(entry, worker):
            return _now_in(entry)
        # Nothing was sent: back in the queue for when the platform accepts posts again.
        _update(
            entry,
            state=State.SCHEDULED,
            due_at=until,
            claimed_by="",
            last_error=_(
                "The platform asked quartieri to slow down; the post will be sent at %(time)s."
            )
            % {"time": timezone.localtime(until).strftime("%Y-%m-%d %H:%M")},
        )
        enqueue_publish(entry)
    return Step.RATE_LIMITED


def _retry_later(entry: OutboxEntry, worker: str, detail: str) -> Step:
    logger.warning("Outbox entry %s: platform unreachable: %s", entry.pk, detail)
    if entry.attempts >= setting_number("PUBLISHING_MAX_ATTEMPTS", 6):
        return _owned_fail(
            entry,
            worker,
            _("The platform could not be reached after %(count)s attempts.")
            % {"count": entry.attempts},
            _("Schedule the post again later."),
        )
    base = setting_number("PUBLISHING_RETRY_SECONDS", 30)
    wait = timedelta(seconds=min(base * 2 ** (entry.attempts - 1), 3600))
    with transaction.atomic():
        if not _mine(entry, worker):
            return _now_in(entry)
        _update(
            entry,
            state=State.SCHEDULED,
            due_at=timezone.now() + wait,
            claimed_by="",
            last_error=_("The platform could not be reached; quartieri will try again."),
        )
        enqueue_publish(entry)
    return Step.RETRY


def _reconnect(entry: OutboxEntry, worker: str, detail: str) -> Step:
    account_mark_reconnect_needed(entry.account, detail)
    return _owned_fail(
        entry,
        worker,
        _("The platform no longer accepts quartieri's access to this account."),
        _("Reconnect the account, then schedule the post again."),
    )


def _owned_fail(
    entry: OutboxEntry, worker: str, reason: str | Promise, action: str | Promise
) -> Step:
    with transaction.atomic():
        if not _mine(entry, worker):
            return _now_in(entry)
        _fail(entry, reason, action)
    return _now_in(entry)


def _fail(entry: OutboxEntry, reason: str | Promise, action: str | Promise) -> None:
    """Settle the entry as failed (inside the caller's transaction) and tell the people the
    post concerns (campaigns.notices: author, last editor, who scheduled it)."""
    _update(entry, state=State.FAILED, claimed_by="", last_error=_plain(reason, action))
    variant_failed_notify(variant_id=entry.variant_id, reason=entry.last_error)


def _published(entry: OutboxEntry, *, post_id: str, permalink: str, note: str = "") -> None:
    """Settle an entry as published and move its variant (inside the caller's transaction)."""
    _update(
        entry,
        state=State.PUBLISHED,
        platform_post_id=post_id or entry.platform_post_id,
        permalink=permalink or entry.permalink,
        published_at=timezone.now(),
        claimed_by="",
        last_error=note,
    )
    variant_record_published(variant_id=entry.variant_id, permalink=entry.permalink)


# --- Poll ----------------------------------------------------------------------------------------
def outbox_poll(*, entry_id: int, worker: str = "") -> Step:
    """Check a submitted post until the platform says published or failed."""
    worker = worker or _this_process()
    entry = _take(entry_id=entry_id, state=State.SUBMITTED, worker=worker)
    if entry is None:
        return Step.BUSY
    return _poll_round(entry, worker)


def _check(publish_id: str) -> Callable[[Connector], StatusResult]:
    def check(connector: Connector) -> StatusResult:
        status = connector.status(publish_id=publish_id)
        if status.state == PublishState.READY:
            # Instagram: the container is ready; finalize checks it again before publishing.
            return connector.finalize(publish_id=publish_id)
        return status

    return check


def _poll_round(entry: OutboxEntry, worker: str) -> Step:
    """A few checks with growing pauses, then hand over to a later poll task."""
    for delay in poll_delays():
        time.sleep(delay)
        OutboxEntry.objects.filter(pk=entry.pk).update(polls=F("polls") + 1)
        try:
            status = account_call(entry.account, _check(entry.publish_id))
        except RetryableError:
            continue
        except RateLimited as error:
            return _handover(entry, worker, run_after=account_pause(entry.account, error))
        except MaybeSubmitted as error:  # Instagram media_publish lost its answer
            return _unconfirmed(entry, worker, error=str(error), publish_id=entry.publish_id)
        except ReconnectNeededError as error:
            account_mark_reconnect_needed(entry.account, str(error))
            return _unconfirmed(entry, worker, error=str(error), publish_id=entry.publish_id)
        except Exception as error:  # noqa: BLE001
            # A refused status read says nothing about the post: a person or reconcile decides.
            logger.exception("Status check of outbox entry %s failed", entry.pk)
            return _unconfirmed(entry, worker, error=repr(error), publish_id=entry.publish_id)
        if status.state == PublishState.PUBLISHED:
            with transaction.atomic():
                if _mine(entry, worker):
                    _published(entry, post_id=status.platform_post_id, permalink=status.permalink)
            return _now_in(entry)
        if status.state == PublishState.FAILED:
            error_ = status.error
            reason = error_.reason if error_ else _("The platform refused the post.")
            action = error_.action if error_ else _("Check the post and schedule it again.")
            return _owned_fail(entry, worker, reason, action)
    _reread(entry)
    if entry.polls >= setting_number("PUBLISHING_MAX_POLLS", 90):
        return _unconfirmed(
            entry, worker, error="still processing after every check", publish_id=entry.publish_id
        )
    return _handover(entry, worker, run_after=timezone.now() + next_poll_after(entry.polls))


def _handover(entry: OutboxEntry, worker: str, *, run_after: datetime) -> Step:
    with transaction.atomic():
        if not _mine(entry, worker):
            return _now_in(entry)
        _update(entry, claimed_by="")
        enqueue_poll(entry, run_after=run_after)
    return Step.POLLING


# --- Reconcile -------------------------------------------------------------------------------------
def outbox_reconcile(*, entry_id: int, worker: str = "") -> Step:
    """Ask the platform whether an unconfirmed post exists, and settle the entry.

    Found and published: ``published`` with the handle found. Still processing (a handle is
    known): back to polling. Not there: back to ``scheduled`` for a fresh submit, the only
    path that sends a post twice, and only on the platform's word that there is no first.
    """
    worker = worker or _this_process()
    entry = _take(entry_id=entry_id, state=State.UNCONFIRMED, worker=worker)
    if entry is None:
        return Step.BUSY
    try:
        # The post as it was sent: whether the listing can show it depends on it.
        query = ReconcileQuery(
            publish_id=entry.publish_id,
            marker=entry.marker,
            since=entry.sent_at,
            request=reconcile_request_for(entry),
        )
        result = account_call(entry.account, lambda connector: connector.reconcile(query=query))
    except (RetryableError, RateLimited) as error:
        logger.warning("Reconcile of outbox entry %s postponed: %s", entry.pk, error)
        return _release_and_retry_reconcile(entry, worker)
    except ReconnectNeededError as error:
        account_mark_reconnect_needed(entry.account, str(error))
        return _leave_for_person(
            entry, worker, _("Reconnect the account, then check whether the post went out.")
        )
    except Exception as error:  # noqa: BLE001 (PermanentError, or no marker to look for)
        logger.warning("Reconcile of outbox entry %s impossible: %s", entry.pk, error)
        return _leave_for_person(
            entry, worker, _("Quartieri cannot tell whether the post went out: check the account.")
        )
    if not (result.found or result.conclusive):
        return _leave_for_person(
            entry,
            worker,
            str(result.reason)
            or _(
                "The platform shows too many recent posts for quartieri to be sure this one "
                "is not among them: check the account, and schedule the post again only if "
                "it is missing."
            ),
        )
    return _settle(entry, worker, result)


def _settle(entry: OutboxEntry, worker: str, result: ReconcileResult) -> Step:
    with transaction.atomic():
        if not _mine(entry, worker):
            return _now_in(entry)
        if result.found and result.state in (None, PublishState.PUBLISHED):
            note = (
                _("The post appears %(count)s times on the platform: remove the extra copies.")
                % {"count": result.matches}
                if result.matches > 1
                else ""
            )
            _published(
                entry, post_id=result.platform_post_id, permalink=result.permalink, note=note
            )
        elif entry.publish_id and result.state in (PublishState.PROCESSING, PublishState.READY):
            _update(entry, state=State.SUBMITTED, claimed_by="", last_error="")
            enqueue_poll(entry)
        elif not result.found:
            # The platform says there is no such post: a fresh submit cannot duplicate it.
            _resubmit(entry)
        else:
            return _leave_for_person(
                entry,
                worker,
                _("Quartieri cannot tell whether the post went out: check the account."),
            )
    return _now_in(entry)


def _resubmit(entry: OutboxEntry) -> None:
    """Back to ``scheduled`` for a fresh submit now (inside the caller's transaction)."""
    _update(
        entry,
        state=State.SCHEDULED,
        due_at=timezone.now(),
        publish_id="",
        claimed_by="",
        last_error="",
    )
    enqueue_publish(entry)


# A person settles an unconfirmed post (publishing.recovery): the caller holds the entry,
# taken from ``unconfirmed`` by ``outbox_take`` in its transaction.
def outbox_record_found(*, entry: OutboxEntry, post_id: str, permalink: str, note: str) -> None:
    """A person found the post on the platform: published, never checked or sent again."""
    _published(entry, post_id=post_id, permalink=permalink, note=note)


def outbox_record_missing(*, entry: OutboxEntry) -> None:
    """A person found no such post on the platform: sent once more, now."""
    _resubmit(entry)


def _release_and_retry_reconcile(entry: OutboxEntry, worker: str) -> Step:
    with transaction.atomic():
        if _mine(entry, worker):
            _update(entry, claimed_by="")
            _enqueue_reconcile(entry)
    return _now_in(entry)


def _leave_for_person(entry: OutboxEntry, worker: str, message: str) -> Step:
    with transaction.atomic():
        if _mine(entry, worker):
            _update(entry, claimed_by="", last_error=message)
    return _now_in(entry)
