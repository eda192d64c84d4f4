"""The send journal in one process: what its lines mean for a dead run's rows, a journal
whose writer still runs, one that cannot be written, and its clean-up. The real kills
(SIGKILL at each step of a hand-over) are in test_reliability.py."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from django.utils import timezone

from quartieri.newsletter import journal as journal_module
from quartieri.newsletter.issues import issue_send_start
from quartieri.newsletter.journal import (
    Journal,
    JournalError,
    Recorded,
    Settled,
    journal_path,
    journal_read,
    journals_prune,
    settlement,
)
from quartieri.newsletter.models import Delivery, SendBatch
from quartieri.newsletter.sending import batch_send


def test_what_each_journal_line_means_for_a_dead_runs_row(tmp_path):
    path = tmp_path / "b1-w.log"
    journal = Journal(path)
    journal.before_dot(1)
    journal.before_dot(2)
    journal.dot_written(2)
    for key, outcome in ((3, "sent"), (4, "refused"), (5, "retry"), (6, "unknown")):
        journal.before_dot(key)
        journal.dot_written(key)
        journal.replied(key, outcome)
    journal.close(remove=False)

    recorded = journal_read(path)
    assert {key: settlement(recorded, key) for key in range(8)} == {
        0: Settled.RESEND,  # no line: it never reached a server
        1: Settled.UNCERTAIN,  # journaled, maybe not written: the one unknowable instant
        2: Settled.UNCONFIRMED,  # the dot was written: the server has it
        3: Settled.SENT,
        4: Settled.FAILED,
        5: Settled.RESEND,  # a 4xx: the server does not have it
        6: Settled.UNCERTAIN,  # the connection broke after the dot
        7: Settled.RESEND,
    }
    # Not readable here (another machine): nothing is resent.
    assert settlement(journal_read(tmp_path / "elsewhere.log"), 0) == Settled.UNCERTAIN


def _reserved_by(worker, issue, readers):
    now = timezone.now()
    return [
        Delivery.objects.create(issue=issue, subscriber=reader, worker=worker, reserved_at=now)
        for reader in readers
    ]


def _stale(batch):
    SendBatch.objects.filter(pk=batch.pk).update(
        state="running", claimed_by="stalled", touched_at=timezone.now() - dt.timedelta(hours=1)
    )


def test_a_journal_whose_writer_still_runs_is_not_read_and_nothing_is_sent_twice(
    sink, approved_issue, approver, subscribe_people
):
    # Given a worker that stopped beating but still runs (its journal lock is held), with
    # two reservations and one journal line each,
    readers = subscribe_people(3)
    issue = issue_send_start(actor=approver, issue=approved_issue)
    batch = SendBatch.objects.get(issue=issue)
    rows = _reserved_by("stalled", issue, readers[:2])
    held = Journal(journal_path(batch_id=batch.pk, worker="stalled"))
    _stale(batch)
    try:
        # when another worker takes the batch over,
        assert batch_send(batch_id=batch.pk, worker="alive") == "done"
    finally:
        held.close(remove=True)

    # then the two stay uncertain (never twice), and only the third reader is sent to.
    assert sink.received == {readers[2].email: 1}
    for row in rows:
        row.refresh_from_db()
        assert (row.state, row.error) == (
            "uncertain",
            "worker stopped answering but is still running; not sent again",
        )


def test_a_journal_that_cannot_be_written_stops_the_hand_over_and_loses_nobody(
    sink, approved_issue, approver, subscribe_people, settings, monkeypatch
):
    # One connection, so that the order of the hand-overs is the order of the rows.
    port = settings.NEWSLETTER_SMTP_URLS[0].split(":")[2].split("?")[0]
    settings.NEWSLETTER_SMTP_URLS = [f"smtp://127.0.0.1:{port}?connections=1"]
    readers = subscribe_people(5)
    issue = issue_send_start(actor=approver, issue=approved_issue)
    batch = SendBatch.objects.get(issue=issue)
    real = Journal.before_dot
    calls = []

    def disk_full_at_the_third(self, key):
        calls.append(key)
        if len(calls) == 3:
            raise JournalError("No space left on device")
        real(self, key)

    monkeypatch.setattr(Journal, "before_dot", disk_full_at_the_third)
    with pytest.raises(JournalError):
        batch_send(batch_id=batch.pk, worker="w1")
    monkeypatch.setattr(Journal, "before_dot", real)

    # No end of data went out without its line: two messages, and the batch is free.
    assert sum(sink.received.values()) == 2
    batch.refresh_from_db()
    assert (batch.state, batch.claimed_by) == ("pending", "")
    # The next run settles the first run's rows from its journal and sends the rest.
    assert batch_send(batch_id=batch.pk, worker="w2") == "done"
    assert sink.received == {reader.email: 1 for reader in readers}
    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}


def test_old_journals_are_pruned_unless_their_writer_runs(settings, tmp_path):
    settings.NEWSLETTER_JOURNAL_DIR = tmp_path
    old, held, recent = (tmp_path / f"b{n}-w.log" for n in (1, 2, 3))
    for path in (old, recent):
        Journal(path).close(remove=False)
    writer = Journal(held)
    a_week_ago = time.time() - 8 * 86400
    for path in (old, held):
        os.utime(path, (a_week_ago, a_week_ago))
    try:
        assert journals_prune(older_than_seconds=7 * 86400) == 1
    finally:
        writer.close(remove=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b2-w.log", "b3-w.log"]


def test_a_line_that_is_not_the_journals_is_skipped(tmp_path):
    path = tmp_path / "b1-w.log"
    path.write_bytes(b"D 1\nW 1\ngarbage\nR 1 sent\nD 2\n")
    recorded = journal_read(path)
    assert recorded == Recorded(
        journal_module.Found.READ, before_dot={1, 2}, written={1}, replies={1: "sent"}
    )
