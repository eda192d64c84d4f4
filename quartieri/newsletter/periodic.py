"""Called by every worker after each heartbeat (quartieri.core.workers.periodic_tick).

- **The daily send**: a list with a send time gets its approved issue of the day started
  at that time. ``issue_send_start`` moves the issue approved → sending under a row lock,
  so with many workers the issue starts once.
- **Lost batch tasks**: a batch of a sending issue untouched for
  NEWSLETTER_BATCH_STALE_SECONDS whose worker is not alive gets its task again (a task
  lost between a commit and its enqueue, or a pause released after the resume's tasks
  looked). Running a batch task twice is harmless: the claim is a compare-and-swap.
- **The bounce mailbox**, every BOUNCE_EVERY_SECONDS when one is configured.
- **Old send journals** (journal.py) of this machine, once an hour: those untouched for
  NEWSLETTER_JOURNAL_KEEP_DAYS whose writer is gone.

Each check is one cheap read when there is nothing to do.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from quartieri.core.task_queue import UnknownBackendError, pending_tasks
from quartieri.core.workers import live_worker_ids
from quartieri.newsletter.issues import issue_send_start
from quartieri.newsletter.journal import journals_prune
from quartieri.newsletter.models import Issue, SendBatch

logger = logging.getLogger(__name__)
BOUNCE_EVERY_SECONDS = 300
JOURNAL_PRUNE_EVERY_SECONDS = 3600


def _daily(now: datetime) -> list[int]:
    local = timezone.localtime(now)
    due = Issue.objects.filter(
        status=Issue.Status.APPROVED,
        date=local.date(),
        newsletter_list__send_time__isnull=False,
        newsletter_list__send_time__lte=local.time(),
    ).values_list("pk", flat=True)
    started = []
    for issue in Issue.objects.filter(pk__in=list(due)):
        try:
            issue_send_start(actor=None, issue=issue)
        except Exception:  # noqa: BLE001 (another worker started it; or log and go on)
            logger.info("Daily send of issue %s not started here", issue.pk, exc_info=True)
            continue
        started.append(issue.pk)
    return started


def _lost_batches(now: datetime) -> list[int]:
    from quartieri.newsletter.tasks import send_batch

    stale = now - timedelta(seconds=settings.NEWSLETTER_BATCH_STALE_SECONDS)
    candidates = list(
        SendBatch.objects.filter(issue__status=Issue.Status.SENDING, touched_at__lt=stale)
        .exclude(state=SendBatch.State.DONE)
        .values_list("pk", "claimed_by")
    )
    if not candidates:
        return []
    live = live_worker_ids(now=now)
    try:
        queued = {t.kwargs.get("batch_id") for t in pending_tasks(tasks=[send_batch])}
    except UnknownBackendError:
        queued = set()
    lost = [pk for pk, holder in candidates if holder not in live and pk not in queued]
    with transaction.atomic():
        # Back to pending (a dead holder's reservations become uncertain at the next
        # claim) and touched, so the next ticks leave them to the new task for a while.
        SendBatch.objects.filter(pk__in=lost).exclude(state=SendBatch.State.DONE).update(
            state=SendBatch.State.PENDING, claimed_by="", touched_at=now
        )
        for pk in lost:
            transaction.on_commit(partial(send_batch.enqueue, batch_id=pk))
    return lost


def _bounces(now: datetime) -> None:
    from quartieri.newsletter.tasks import read_bounces

    if not settings.NEWSLETTER_BOUNCE_IMAP_URL:
        return
    # At most one enqueue per interval per cache; the task itself is safe to run twice.
    if cache.add("newsletter:bounces", now.isoformat(), BOUNCE_EVERY_SECONDS):
        read_bounces.enqueue()


def _journals(now: datetime) -> None:
    # Per machine (the journals are local): the cache may be shared, so once an hour per
    # cache, and a machine left out one hour is pruned another.
    if cache.add("newsletter:journals", now.isoformat(), JOURNAL_PRUNE_EVERY_SECONDS):
        journals_prune(older_than_seconds=settings.NEWSLETTER_JOURNAL_KEEP_DAYS * 86400)


def tick(*, now: datetime) -> None:
    _daily(now)
    _lost_batches(now)
    _bounces(now)
    _journals(now)
