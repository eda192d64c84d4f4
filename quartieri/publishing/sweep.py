"""The outbox sweep: a post whose task was lost gets one again.

A task is lost when its process died between a commit and the enqueue after it, or when it
ended with an unexpected exception (the backend does not retry it). Every worker runs the
sweep every few minutes (``publishing.periodic``; ``quartieri publishing sweep-outbox`` by hand);
the tasks it enqueues are the outbox's own (``publishing.outbox``), each claiming its entry
by state and version first, so enqueueing twice is harmless.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.tasks import Task
from django.utils import timezone

from quartieri.channels.connection import setting_seconds
from quartieri.core.task_queue import pending_tasks
from quartieri.core.workers import live_worker_ids
from quartieri.publishing.models import OutboxEntry
from quartieri.publishing.outbox import enqueue_poll, enqueue_publish, enqueue_task, held_by_other

logger = logging.getLogger(__name__)

State = OutboxEntry.State


def sweep_grace() -> timedelta:
    """How long an entry stays untouched before the sweep looks for its task (and the
    staff pages call a scheduled post late)."""
    return setting_seconds("PUBLISHING_SWEEP_GRACE_SECONDS", 300)


# The task that moves an entry on from each state in which it waits for a worker (the other
# states are final). A publish task counts only for the entry's current version (an older
# one does nothing); one finding a post already sent polls it.
NEXT_TASKS = {
    State.SCHEDULED: ("publish_entry",),
    State.SUBMITTING: ("publish_entry",),
    State.SUBMITTED: ("poll_entry", "publish_entry"),
    State.UNCONFIRMED: ("reconcile_entry",),
}


def outbox_sweep(*, now: datetime | None = None) -> int:
    """Enqueue again the next task of every entry whose task was lost; returns how many.

    A task is lost when its process died between a commit and the enqueue after it, or
    when it ended with an unexpected exception (the backend does not retry it). An entry
    untouched for ``PUBLISHING_SWEEP_GRACE_SECONDS`` is looked up in the task queue: while
    a task that moves it on waits there (however long the queue, e.g. a backlog of
    thousands of posts due at once) or runs, nothing is added. An ``unconfirmed`` entry
    with no check pending (a person was asked to look) is checked again every
    ``PUBLISHING_RECHECK_SECONDS``. Enqueueing twice is harmless: each task claims its
    entry by state and version first. Every worker runs this every few minutes
    (``publishing.periodic``).
    """
    now = now or timezone.now()
    quiet = _quiet_entries(now=now)
    if not quiet.exists():
        return 0
    # The queue is read before the entries: an entry whose task ran in between has been
    # touched since, and is no longer quiet.
    waiting = _waiting_tasks()
    live = live_worker_ids(now=now)
    enqueued = 0
    for entry in quiet:
        names = NEXT_TASKS[State(entry.state)]
        if held_by_other(entry, worker="", live=live) or any(
            _task_key(name, entry) in waiting for name in names
        ):
            continue
        logger.warning("Outbox entry %s (%s) had no task: enqueued again", entry.pk, entry.state)
        _enqueue_next(entry, names[0])
        enqueued += 1
    logger.info("Outbox sweep: %s task(s) enqueued again, %s waiting", enqueued, len(waiting))
    return enqueued


def _quiet_entries(*, now: datetime) -> QuerySet[OutboxEntry]:
    grace = now - sweep_grace()
    recheck = now - setting_seconds("PUBLISHING_RECHECK_SECONDS", 3600)
    moving = [state for state in NEXT_TASKS if state != State.UNCONFIRMED]
    # Only what the sweep reads: in a backlog these are thousands of rows, every sweep.
    return (
        OutboxEntry.objects.filter(
            Q(state__in=moving, updated_at__lt=grace)
            | Q(state=State.UNCONFIRMED, updated_at__lt=min(grace, recheck))
        )
        .only("state", "version", "due_at", "claimed_by", "claimed_at")
        .order_by("pk")
    )


def _task_key(name: str, entry: OutboxEntry) -> tuple[str, int, int | None]:
    return (name, entry.pk, entry.version if name == "publish_entry" else None)


def _waiting_tasks() -> set[tuple[str, int, int | None]]:
    from quartieri.publishing import tasks  # tasks import this module

    movers: list[Task[Any, Any]] = [tasks.publish_entry, tasks.poll_entry, tasks.reconcile_entry]
    keys: set[tuple[str, int, int | None]] = set()
    for pending in pending_tasks(tasks=movers):
        name = pending.path.rsplit(".", 1)[1]
        version = pending.kwargs.get("version") if name == "publish_entry" else None
        keys.add((name, int(pending.kwargs["entry_id"]), version))
    return keys


def _enqueue_next(entry: OutboxEntry, name: str) -> None:
    # Each runs at once, except a publish due later, which waits for its time.
    if name == "publish_entry":
        enqueue_publish(entry)
    elif name == "poll_entry":
        enqueue_poll(entry)
    else:
        enqueue_task("reconcile_entry", entry_id=entry.pk)
