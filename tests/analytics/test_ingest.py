"""Ingestion: batches, roll-ups, the disk spool when the database is away, exactly once."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from django.utils import timezone

from quartieri.analytics.ingest import (
    Batch,
    EventBuffer,
    LinkHit,
    SinkRejectedError,
    SinkUnavailableError,
    Spool,
)
from quartieri.analytics.sink import DatabaseSink
from quartieri.analytics.tracking import IngestBatch, LinkEvent, Period, Rollup

pytestmark = pytest.mark.django_db


def hit(link_id: int = 1, *, at: float | None = None, bot: bool = False) -> LinkHit:
    return LinkHit(
        at=at if at is not None else timezone.now().timestamp(),
        link_id=link_id,
        kind="click",
        channel="newsletter",
        neighbourhood="isola",
        campaign="quartieri-2021",
        device="mobile",
        country="IT",
        bot=bot,
    )


class FlakySink:
    """The database sink, with the store's availability in the test's hands."""

    def __init__(self) -> None:
        self.real = DatabaseSink(timeout_ms=1000)
        self.down = False
        self.refuse = False
        self.calls = 0

    def write(self, batch: Batch) -> bool:
        self.calls += 1
        if self.down:
            raise SinkUnavailableError("connection refused (injected)")
        if self.refuse:
            raise SinkRejectedError("value too long (injected)")
        return self.real.write(batch)


@pytest.fixture
def sink() -> FlakySink:
    return FlakySink()


@pytest.fixture
def flaky(sink: FlakySink, tmp_path: Any) -> EventBuffer:
    return EventBuffer(
        sink=sink, spool=Spool(tmp_path / "spool"), flush_seconds=1, batch_max=100, background=False
    )


def clicks() -> int:
    return sum(Rollup.objects.filter(period=Period.DAY).values_list("count", flat=True))


def test_events_are_written_in_batches_not_one_transaction_each(
    flaky: EventBuffer, django_assert_max_num_queries: Any
) -> None:
    for _ in range(250):
        flaky.add(hit())
    with django_assert_max_num_queries(3 * 12):  # per batch: a fixed handful of statements
        report = flaky.drain()
    assert report.written == 250
    assert IngestBatch.objects.count() == 3  # 100 + 100 + 50
    assert LinkEvent.objects.count() == 250
    assert clicks() == 250


def test_roll_ups_count_by_hour_and_by_day_in_rome(flaky: EventBuffer) -> None:
    rome = timezone.get_current_timezone()
    late = dt.datetime(2021, 6, 1, 23, 30, tzinfo=rome).timestamp()
    after_midnight = dt.datetime(2021, 6, 2, 0, 30, tzinfo=rome).timestamp()
    flaky.add(hit(at=late))
    flaky.add(hit(at=late + 60))
    flaky.add(hit(at=after_midnight + 0.25, bot=True))
    flaky.drain()
    # The raw events read back at the very moment they were answered.
    assert list(LinkEvent.objects.order_by("at").values_list("at", flat=True)) == [
        dt.datetime.fromtimestamp(t, tz=dt.UTC) for t in (late, late + 60, after_midnight + 0.25)
    ]
    days = {
        timezone.localtime(r.start).date(): (r.count, r.bots)
        for r in Rollup.objects.filter(period=Period.DAY)
    }
    assert days == {dt.date(2021, 6, 1): (2, 0), dt.date(2021, 6, 2): (0, 1)}
    hours = sorted(
        (timezone.localtime(r.start).hour, r.count + r.bots)
        for r in Rollup.objects.filter(period=Period.HOUR)
    )
    assert hours == [(0, 1), (23, 2)]


def test_a_database_outage_spools_to_disk_and_replays_every_event_once(
    flaky: EventBuffer, sink: FlakySink
) -> None:
    # Given hits while the database answers,
    for _ in range(30):
        flaky.add(hit())
    assert flaky.flush_once().written == 30
    # when it goes away, hits keep being accepted and go to disk, batch by batch,
    sink.down = True
    for _ in range(150):
        flaky.add(hit())
    first = flaky.flush_once()
    second = flaky.flush_once()
    assert (first.spooled, second.spooled) == (100, 50)
    assert len(flaky.spool.pending()) == 2
    assert flaky.spool.events_waiting() == 150
    assert clicks() == 30
    # and a flush while it is still away touches no spooled file and loses nothing,
    for _ in range(20):
        flaky.add(hit())
    assert flaky.flush_once().spooled == 20
    assert flaky.spool.events_waiting() == 170
    # then when it is back, the spool is replayed oldest first and every event counts once.
    sink.down = False
    report = flaky.flush_once()
    assert (report.replayed, report.written) == (170, 170)
    assert flaky.spool.pending() == []
    assert clicks() == 200
    assert LinkEvent.objects.count() == 200


def test_a_replay_after_a_crash_between_commit_and_cleanup_counts_once(
    flaky: EventBuffer, sink: FlakySink
) -> None:
    # A process spooled a batch, replayed it (committed), and was killed before deleting the
    # file, which it had claimed: the claim names its pid, which no longer runs.
    batch = Batch(events=[hit() for _ in range(7)])
    path = flaky.spool.put(batch)
    assert sink.real.write(batch) is True
    dead = 2**22 + 12345
    assert not os.path.exists(f"/proc/{dead}")
    os.rename(path, path.with_name(f"{path.name}.claimed-{dead}"))
    # Another process recovers the orphan and replays it: the batch id is known.
    report = flaky.flush_once()
    assert (report.duplicates, report.written) == (7, 0)
    assert flaky.spool.pending() == []
    assert list(flaky.spool.directory.iterdir()) == []
    assert clicks() == 7
    assert IngestBatch.objects.count() == 1


def test_a_batch_the_store_refuses_is_set_aside_not_retried(
    flaky: EventBuffer, sink: FlakySink
) -> None:
    sink.refuse = True
    for _ in range(5):
        flaky.add(hit())
    assert flaky.flush_once().rejected == 5
    sink.refuse = False
    flaky.add(hit())
    assert flaky.flush_once().written == 1
    assert sink.calls == 2  # the refused batch was not tried again
    assert Spool(flaky.spool.directory / "rejected").events_waiting() == 5


def test_two_processes_never_replay_the_same_spooled_batch(tmp_path: Any, sink: FlakySink) -> None:
    spool = Spool(tmp_path / "spool")
    spool.put(Batch(events=[hit()]))
    first = spool.claim_oldest()
    assert first is not None
    assert spool.claim_oldest() is None  # the other process finds nothing left to take
    spool.release(first)
    assert spool.claim_oldest() is not None


def test_at_exit_everything_in_memory_is_written(flaky: EventBuffer) -> None:
    for _ in range(230):
        flaky.add(hit())
    report = flaky.drain()
    assert report.written == 230
    assert len(flaky) == 0
    assert clicks() == 230


def test_a_stopping_process_puts_a_backlog_on_disk_instead_of_hanging(
    flaky: EventBuffer, sink: FlakySink
) -> None:
    flaky._thread_pid = os.getpid()  # as in a web process whose flusher started
    for _ in range(250):
        flaky.add(hit())
    # Given no time left to write (a backlog larger than the stop allows),
    report = flaky.drain_at_exit(write_seconds=0)
    # everything goes to disk at once, nothing is lost, and it is counted once later.
    assert (report.written, report.spooled) == (0, 250)
    assert sink.calls == 0
    assert len(flaky) == 0
    assert flaky.spool.events_waiting() == 250
    # A worker (or the next start) replays it.
    worker = EventBuffer(
        sink=sink, spool=flaky.spool, flush_seconds=1, batch_max=100, background=False
    )
    assert worker.flush_once().replayed == 250
    assert clicks() == 250
