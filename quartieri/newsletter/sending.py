"""Sending an issue: batches, the per-recipient ledger, and the SMTP hand-off.

Exactly once, step by step (docs/newsletter.md, "Exactly once"):

1. ``send_start`` snapshots the audience (eligible subscribers up to the highest id at that
   moment) into ``SendBatch`` ranges and enqueues one task per batch.
2. A task claims its batch by compare-and-swap: pending, or running under a worker whose
   heartbeat has stopped. Reservations a dead run left (rows written, never confirmed) are
   settled from that run's send journal (journal.py): sent again when no byte of their end
   of data was written, ``unconfirmed`` when the dot was written (the server has them),
   what the server answered when the reply was journaled, and ``uncertain`` only for the
   instant between a journal line and its socket write, or when the journal is on another
   machine: those are **never sent again** automatically (we err towards "never twice";
   staff see the count and may resend them deliberately, issues.issue_resend_uncertain).
3. Then, ``NEWSLETTER_RESERVE`` recipients at a time: the ledger rows are inserted and
   committed (the unique (issue, subscriber) constraint makes a second writer's insert a
   no-op, and only rows carrying this worker's id are sent), the messages go out over the
   SMTP pool, journaled around each end of data, and each row is confirmed
   ``sent``/``failed`` or deleted when the server certainly does not have the message (4xx,
   connection lost before the dot), so that it is tried again. A pause is seen between two
   reservations.
4. When the last batch is done the issue is sent, and the list's variants it carried are
   recorded published (``campaigns.services.variant_record_published``).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from quartieri.campaigns.models import Variant
from quartieri.campaigns.services import variant_record_published
from quartieri.core.workers import live_worker_ids
from quartieri.lib.loop_thread import LoopThread
from quartieri.newsletter.filters import segment_queryset
from quartieri.newsletter.journal import (
    Journal,
    JournalError,
    Settled,
    journal_path,
    journal_read,
    journal_retire,
    settlement,
)
from quartieri.newsletter.message import MessageTemplate, Personal
from quartieri.newsletter.models import Delivery, Issue, SendBatch, Subscriber, Subscription
from quartieri.newsletter.services import rate_take
from quartieri.newsletter.smtp import Outcome, Outgoing, Pool, Result, SmtpServer, smtp_servers

logger = logging.getLogger(__name__)
State = Delivery.State
MAX_TRIES = 3  # per recipient and batch run, for answers that say "try again later"


def eligible(issue: Issue) -> QuerySet[Subscription]:
    """Confirmed subscriptions of the issue's list whose person is confirmed (neither
    bounced, complained nor unsubscribed), in the issue's segment if it has one."""
    subscriptions = Subscription.objects.filter(
        newsletter_list_id=issue.newsletter_list_id,
        status=Subscription.Status.CONFIRMED,
        subscriber__status=Subscriber.Status.CONFIRMED,
    )
    if issue.segment is not None:
        subscriptions = subscriptions.filter(
            subscriber__in=segment_queryset(issue.segment.filters).values("pk")
        )
    return subscriptions


def _enqueue_batches(batch_ids: Iterable[int]) -> None:
    from quartieri.newsletter.tasks import send_batch

    for batch_id in batch_ids:
        transaction.on_commit(partial(send_batch.enqueue, batch_id=batch_id))


def batches_create(*, issue: Issue) -> list[SendBatch]:
    """Split the audience into id ranges of NEWSLETTER_BATCH_SIZE (inside send_start)."""
    ids = list(eligible(issue).order_by("subscriber_id").values_list("subscriber_id", flat=True))
    size, now = settings.NEWSLETTER_BATCH_SIZE, timezone.now()
    batches = [
        SendBatch(
            issue=issue,
            first_subscriber_id=ids[start],
            last_subscriber_id=ids[min(start + size, len(ids)) - 1],
            touched_at=now,
        )
        for start in range(0, len(ids), size)
    ]
    SendBatch.objects.bulk_create(batches)
    issue.audience_size = len(ids)
    issue.last_subscriber_id = ids[-1] if ids else 0
    created = list(SendBatch.objects.filter(issue=issue).values_list("pk", flat=True))
    _enqueue_batches(created)
    return batches


def batches_for_recipients(*, issue: Issue, subscriber_ids: list[int]) -> list[SendBatch]:
    """Batches of only these subscribers (a resend of the uncertain ones), enqueued."""
    size, now = settings.NEWSLETTER_BATCH_SIZE, timezone.now()
    ids = sorted(subscriber_ids)
    batches = SendBatch.objects.bulk_create(
        [
            SendBatch(
                issue=issue,
                first_subscriber_id=chunk[0],
                last_subscriber_id=chunk[-1],
                recipients=chunk,
                touched_at=now,
            )
            for chunk in (ids[start : start + size] for start in range(0, len(ids), size))
        ]
    )
    _enqueue_batches(
        SendBatch.objects.filter(issue=issue, recipients__isnull=False)
        .exclude(state=SendBatch.State.DONE)
        .values_list("pk", flat=True)
    )
    return batches


def issue_record_sent(*, issue_id: int) -> None:
    """The issue went out: the list's variants it carried are published (the campaigns
    workflow's one transition path; a variant no longer scheduled is left as it is)."""
    link = settings.PUBLIC_URL + reverse("newsletter:issue_detail", args=[issue_id])
    carried = Variant.objects.filter(newsletter_issues=issue_id, status=Variant.Status.SCHEDULED)
    for variant_id in carried.values_list("pk", flat=True):
        variant_record_published(variant_id=variant_id, permalink=link)


def batches_requeue(*, issue: Issue) -> int:
    """Enqueue again the batches not done (resume, or a task that was lost)."""
    ids = list(issue.batches.exclude(state=SendBatch.State.DONE).values_list("pk", flat=True))
    _enqueue_batches(ids)
    return len(ids)


# --- Claiming --------------------------------------------------------------------------
def batch_claim(*, batch_id: int, worker: str) -> SendBatch | None:
    """Take the batch for ``worker`` (compare-and-swap) or None if it is not ours to send."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.WORKER_STALE_SECONDS)
    orphaned = Q(state=SendBatch.State.RUNNING, touched_at__lt=stale) & ~Q(
        claimed_by__in=live_worker_ids(now=now)
    )
    claimable = Q(state=SendBatch.State.PENDING) | Q(claimed_by=worker) | orphaned
    with transaction.atomic():
        taken = (
            SendBatch.objects.filter(pk=batch_id, issue__status=Issue.Status.SENDING)
            .exclude(state=SendBatch.State.DONE)
            .filter(claimable)
            .update(state=SendBatch.State.RUNNING, claimed_by=worker, touched_at=now)
        )
        if not taken:
            return None
        batch = SendBatch.objects.select_related("issue__newsletter_list", "issue__segment").get(
            pk=batch_id
        )
        _settle_reserved(batch, now=now)
    return batch


# --- Settling what a dead run left ----------------------------------------------------------
_SETTLED_STATE = {
    Settled.SENT: State.SENT,
    Settled.UNCONFIRMED: State.UNCONFIRMED,
    Settled.FAILED: State.FAILED,
    Settled.UNCERTAIN: State.UNCERTAIN,
}
_SETTLED_NOTE = {
    Settled.SENT: "journal: 250 read before the worker died",
    Settled.UNCONFIRMED: "journal: end of data written, the worker died before the reply",
    Settled.FAILED: "journal: refused before the worker died",
    Settled.UNCERTAIN: "journal: the worker died as the end of data was being written",
}
_NOT_READ_NOTE = {
    "missing": "worker died; its send journal is not on this machine",
    "held": "worker stopped answering but is still running; not sent again",
}


def _settle_reserved(batch: SendBatch, *, now: datetime) -> None:
    """Settle the reservations left in the batch's range (nothing of the claimer's is in
    flight at claim time): by each dead run's journal, which is then kept aside."""
    reserved = Delivery.objects.filter(
        issue_id=batch.issue_id,
        state=State.RESERVED,
        subscriber_id__gte=batch.first_subscriber_id,
        subscriber_id__lte=batch.last_subscriber_id,
    )
    by_worker: dict[str, list[int]] = defaultdict(list)
    for pk, worker in reserved.values_list("pk", "worker"):
        by_worker[worker].append(pk)
    for worker, keys in by_worker.items():
        path = journal_path(batch_id=batch.pk, worker=worker)
        recorded = journal_read(path)
        fates: dict[Settled, list[int]] = defaultdict(list)
        for key in keys:
            fates[settlement(recorded, key)].append(key)
        for fate, rows in fates.items():
            if fate == Settled.RESEND:
                Delivery.objects.filter(pk__in=rows).delete()
                continue
            note = (
                _SETTLED_NOTE[fate] if recorded.found == "read" else _NOT_READ_NOTE[recorded.found]
            )
            Delivery.objects.filter(pk__in=rows).update(
                state=_SETTLED_STATE[fate], error=note, done_at=now
            )
        logger.warning(
            "Issue %s, batch %s: a dead run of %s left %s reservations: %s",
            batch.issue_id,
            batch.pk,
            worker,
            len(keys),
            {str(fate): len(rows) for fate, rows in fates.items()},
        )
        if recorded.found == "read":
            journal_retire(path)


def _next_recipients(run: _Run, limit: int) -> list[dict[str, Any]]:
    """The next eligible subscribers of the batch without a ledger row, in id order.

    Three simple indexed reads instead of one anti-join: the subscriptions after the
    run's cursor, their people, and the ledger rows they already have. The planner cannot
    turn these into a scan of the whole ledger per chunk, as it did with the anti-join on
    freshly filled PostgreSQL tables (no statistics yet: 73 msg/s instead of hundreds).
    """
    batch = run.batch
    rows: list[dict[str, Any]] = []
    while len(rows) < limit and run.cursor < batch.last_subscriber_id:
        subscriptions = Subscription.objects.filter(
            newsletter_list_id=batch.issue.newsletter_list_id,
            status=Subscription.Status.CONFIRMED,
            subscriber_id__gt=run.cursor,
            subscriber_id__lte=batch.last_subscriber_id,
        )
        if batch.recipients is not None:
            subscriptions = subscriptions.filter(subscriber_id__in=batch.recipients)
        ids = list(
            subscriptions.order_by("subscriber_id").values_list("subscriber_id", flat=True)[:limit]
        )
        if not ids:
            run.cursor = batch.last_subscriber_id
            break
        run.cursor = ids[-1]
        people = Subscriber.objects.filter(pk__in=ids, status=Subscriber.Status.CONFIRMED)
        if batch.issue.segment is not None:
            people = people & segment_queryset(batch.issue.segment.filters)
        written = set(
            Delivery.objects.filter(issue_id=batch.issue_id, subscriber_id__in=ids).values_list(
                "subscriber_id", flat=True
            )
        )
        rows += [
            {
                "subscriber_id": pk,
                "subscriber__email": email,
                "subscriber__name": name,
                "subscriber__language": language,
            }
            for pk, email, name, language in people.order_by("pk").values_list(
                "pk", "email", "name", "language"
            )
            if pk not in written and pk not in run.given_up
        ]
    return rows


_RESERVE_SQL = (
    "INSERT INTO newsletter_delivery (issue_id, subscriber_id, state, worker, server, error,"
    " reserved_at, done_at) VALUES {rows} ON CONFLICT DO NOTHING"
)
_RESERVE_ROW = "(%s, %s, 'reserved', %s, '', '', %s, NULL)"


def _reserve(batch: SendBatch, rows: list[dict[str, Any]], worker: str) -> dict[int, int]:
    """Write the ledger rows (committed before any hand-off); {delivery id: subscriber id}
    of those this worker wrote (a concurrent writer's rows are left to it).

    One multi-row INSERT with ON CONFLICT DO NOTHING (SQLite ≥ 3.24, PostgreSQL): the same as
    ``bulk_create(ignore_conflicts=True)`` without the ORM's per-field work, which took
    most of the time of a reservation (bench/newsletter_send_bench.py), and one statement
    where psycopg's ``executemany`` sends one per row.
    """
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    ids = [int(row["subscriber_id"]) for row in rows]
    sql = _RESERVE_SQL.format(rows=", ".join([_RESERVE_ROW] * len(ids)))
    params = [value for i in ids for value in (batch.issue_id, i, worker, at)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        mine = Delivery.objects.filter(
            issue_id=batch.issue_id, subscriber_id__in=ids, worker=worker, state=State.RESERVED
        ).values_list("pk", "subscriber_id")
        return {pk: int(sid) for pk, sid in mine if sid is not None}


def _confirm(batch: SendBatch, results: list[Result]) -> list[int]:
    """Record what the server said; returns the subscriber ids to try again."""
    now = timezone.now()
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    states = {
        Outcome.SENT: State.SENT,
        Outcome.REFUSED: State.FAILED,
        Outcome.UNKNOWN: State.UNCERTAIN,
    }
    retry: list[int] = []
    for result in results:
        if result.outcome == Outcome.RETRY:
            retry.append(result.key)
            continue
        groups[(str(states[result.outcome]), result.server, result.detail)].append(result.key)
    with transaction.atomic():
        for (state, server, detail), keys in groups.items():
            Delivery.objects.filter(pk__in=keys).update(
                state=state, server=server, error=detail, done_at=now
            )
        retried = list(
            Delivery.objects.filter(pk__in=retry).values_list("subscriber_id", flat=True)
        )
        # The server certainly does not have these: the row goes, the recipient comes back.
        Delivery.objects.filter(pk__in=retry).delete()
        SendBatch.objects.filter(pk=batch.pk).update(touched_at=now)
    return [int(i) for i in retried if i is not None]


def _fail(batch: SendBatch, subscriber_ids: list[int], worker: str, detail: str) -> None:
    now = timezone.now()
    Delivery.objects.bulk_create(
        [
            Delivery(
                issue_id=batch.issue_id,
                subscriber_id=i,
                worker=worker,
                state=State.FAILED,
                error=detail[:300],
                reserved_at=now,
                done_at=now,
            )
            for i in subscriber_ids
        ],
        ignore_conflicts=True,
    )


# --- The batch loop --------------------------------------------------------------------
@dataclass
class _Run:
    batch: SendBatch
    worker: str
    servers: list[SmtpServer]
    templates: dict[str, MessageTemplate]
    tries: dict[int, int]
    loop: LoopThread
    pool: Pool
    journal: Journal
    cursor: int = 0  # the highest subscriber id read so far
    given_up: set[int] = field(default_factory=set)


# --- Rate caps ------------------------------------------------------------------------
# A server's ``rate`` and NEWSLETTER_RATE promise messages per second: at most that many
# are handed over in any one second, whatever the reservation size, the number of servers
# or processes (the counters are shared rows, services.rate_take). A chunk takes its
# permits, per server, before it is read and reserved, and is no larger than they allow.
Clock = Callable[[], float]
Sleep = Callable[[float], None]


def _by_connections(servers: list[SmtpServer], count: int) -> dict[str, int]:
    """``count`` split over the servers as the pool spreads it (by connections)."""
    total = sum(s.connections for s in servers)
    shares = {s.name: count * s.connections // total for s in servers}
    for s in servers[: count - sum(shares.values())]:
        shares[s.name] += 1
    return shares


def _take(servers: list[SmtpServer], want: int, second: int) -> dict[str, int]:
    """Permits of this second, per server, for up to ``want`` messages (maybe none)."""
    if settings.NEWSLETTER_RATE:
        want = rate_take(key="smtp:*", window=second, cap=settings.NEWSLETTER_RATE, want=want)
    capped, free = [s for s in servers if s.rate], [s for s in servers if not s.rate]
    shares = _by_connections(servers, want)
    plan = {s.name: _server_take(s, shares[s.name], second) for s in capped}
    # What a capped server could not take goes to the others: capped ones with slots left
    # this second, then the uncapped ones.
    for s in capped:
        left = want - sum(plan.values()) - sum(shares[f.name] for f in free)
        if left > 0:
            plan[s.name] += _server_take(s, left, second)
    if free:
        plan.update(_by_connections(free, want - sum(plan.values())))
    return plan


def _server_take(server: SmtpServer, want: int, second: int) -> int:
    if want <= 0:
        return 0
    return rate_take(key=f"smtp:{server.name}", window=second, cap=server.rate, want=want)


def _rate_plan(
    servers: list[SmtpServer], want: int, *, clock: Clock = time.time, sleep: Sleep = time.sleep
) -> dict[str, int] | None:
    """How many of the next ``want`` messages each server may take now, waiting for the
    next second while the caps allow none; None when nothing is capped."""
    if not servers or not (settings.NEWSLETTER_RATE or any(s.rate for s in servers)):
        return None
    while True:
        second = int(clock())
        plan = {name: n for name, n in _take(servers, want, second).items() if n}
        if plan:
            return plan
        sleep(max(0.0, second + 1 - clock()))


def _send_planned(run: _Run, outgoing: list[Outgoing], plan: dict[str, int] | None) -> list[Result]:
    if plan is None:
        return run.loop.run(run.pool.send(outgoing, run.journal))
    groups: dict[str, list[Outgoing]] = {}
    start = 0
    for name, count in plan.items():
        groups[name], start = outgoing[start : start + count], start + count
    return run.loop.run(run.pool.send_to(groups, run.journal))


def _chunk(run: _Run) -> bool:
    """Reserve, send and confirm one reservation's worth; False when nothing is left."""
    plan = _rate_plan(run.servers, settings.NEWSLETTER_RESERVE)
    rows = _next_recipients(run, sum(plan.values()) if plan else settings.NEWSLETTER_RESERVE)
    if not rows:
        return False
    # Built before the reservation, so that the rows are committed right before the
    # hand-off: a worker killed in between leaves as few never-sent uncertain rows as can be.
    built = {}
    for row in rows:
        template = run.templates.get(str(row["subscriber__language"])) or run.templates["it"]
        person = Personal(
            int(row["subscriber_id"]), str(row["subscriber__email"]), str(row["subscriber__name"])
        )
        built[person.subscriber_id] = (person.email, template.render(person))
    reserved = _reserve(run.batch, rows, run.worker)
    outgoing = [
        Outgoing(delivery_id, settings.NEWSLETTER_BOUNCE_EMAIL, *built[subscriber_id])
        for delivery_id, subscriber_id in reserved.items()
    ]
    results = _send_planned(run, outgoing, plan)
    again = _confirm(run.batch, results)
    for subscriber_id in again:
        run.tries[subscriber_id] = run.tries.get(subscriber_id, 0) + 1
    given_up = [i for i in again if run.tries[i] >= MAX_TRIES]
    run.given_up.update(given_up)
    if again:
        # The server does not have these: read them again from the lowest one.
        run.cursor = min(run.cursor, min(again) - 1)
    if given_up:
        detail = next((r.detail for r in results if r.outcome == Outcome.RETRY), "")
        _fail(run.batch, given_up, run.worker, f"gave up after {MAX_TRIES} tries: {detail}")
    if again and len(again) == len(outgoing):
        time.sleep(min(5.0, 0.5 * max(run.tries[i] for i in again)))  # the server is busy
    return True


def _still_sending(batch: SendBatch) -> bool:
    return Issue.objects.filter(pk=batch.issue_id, status=Issue.Status.SENDING).exists()


def _release(batch: SendBatch, worker: str) -> None:
    """Give the batch back (paused, or a run that failed): whoever claims it next settles
    what this run left reserved from its journal."""
    SendBatch.objects.filter(pk=batch.pk, claimed_by=worker).update(
        state=SendBatch.State.PENDING, claimed_by="", touched_at=timezone.now()
    )


def _run_chunks(run: _Run) -> str:
    while True:
        if not _still_sending(run.batch):
            return "paused"
        if not _chunk(run):
            return "done"


def configured_servers() -> list[SmtpServer]:
    """The newsletter's SMTP servers, waiting the setting's time for end-of-data replies."""
    return smtp_servers(
        settings.NEWSLETTER_SMTP_URLS, data_timeout=settings.NEWSLETTER_SMTP_DATA_TIMEOUT
    )


def batch_send(*, batch_id: int, worker: str) -> str:
    """The task body: send one batch, or return at once if it is not ours."""
    batch = batch_claim(batch_id=batch_id, worker=worker)
    if batch is None:
        return "not claimed"
    issue = batch.issue
    templates = {lang: MessageTemplate(issue=issue, language=lang) for lang in ("it", "en")}
    servers = configured_servers()
    try:
        journal = Journal(journal_path(batch_id=batch.pk, worker=worker))
    except JournalError:
        _release(batch, worker)
        raise
    try:
        with LoopThread(name=f"newsletter-batch-{batch.pk}") as loop:
            run = _Run(batch, worker, servers, templates, {}, loop, Pool(servers), journal)
            run.cursor = batch.first_subscriber_id - 1
            try:
                outcome = _run_chunks(run)
            finally:
                loop.run(run.pool.close())
    except BaseException:
        # What was handed over is in the journal; the next claim settles it.
        journal.close(remove=False)
        _release(batch, worker)
        raise
    journal.close(remove=True)  # every row of this run is confirmed in the ledger
    if outcome == "paused":
        _release(batch, worker)
    else:
        _batch_done(batch)
    return outcome


def _batch_done(batch: SendBatch) -> None:
    now = timezone.now()
    with transaction.atomic():
        SendBatch.objects.filter(pk=batch.pk).update(state=SendBatch.State.DONE, touched_at=now)
        if not SendBatch.objects.filter(issue_id=batch.issue_id).exclude(state="done").exists():
            finished = Issue.objects.filter(pk=batch.issue_id, status=Issue.Status.SENDING).update(
                status=Issue.Status.SENT, send_finished_at=now
            )
            if finished:
                issue_record_sent(issue_id=batch.issue_id)


# --- Progress --------------------------------------------------------------------------
@dataclass(frozen=True)
class Progress:
    status: str
    audience: int
    sent: int
    unconfirmed: int  # the dot was written, the worker died before the reply: delivered
    failed: int
    uncertain: int
    in_flight: int
    remaining: int
    rate: float  # messages per second over the last RATE_SECONDS
    batches_done: int
    batches: int

    @property
    def done(self) -> int:
        return self.sent + self.unconfirmed + self.failed + self.uncertain

    @property
    def finished(self) -> bool:
        return self.status == Issue.Status.SENT


RATE_SECONDS = 10


def issue_progress(*, issue_id: int) -> Progress:
    issue = Issue.objects.get(pk=issue_id)
    counts = dict(
        Delivery.objects.filter(issue_id=issue_id)
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    since = timezone.now() - timedelta(seconds=RATE_SECONDS)
    recent = Delivery.objects.filter(issue_id=issue_id, done_at__gte=since).count()
    batches = dict(
        SendBatch.objects.filter(issue_id=issue_id)
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    sent, failed = counts.get(State.SENT, 0), counts.get(State.FAILED, 0)
    uncertain, in_flight = counts.get(State.UNCERTAIN, 0), counts.get(State.RESERVED, 0)
    unconfirmed = counts.get(State.UNCONFIRMED, 0)
    return Progress(
        status=issue.status,
        audience=issue.audience_size,
        sent=sent,
        unconfirmed=unconfirmed,
        failed=failed,
        uncertain=uncertain,
        in_flight=in_flight,
        remaining=max(0, issue.audience_size - sent - unconfirmed - failed - uncertain - in_flight),
        rate=recent / RATE_SECONDS,
        batches_done=batches.get(SendBatch.State.DONE, 0),
        batches=sum(batches.values()),
    )
