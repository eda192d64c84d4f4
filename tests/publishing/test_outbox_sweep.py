"""The outbox sweep gives a task again to a post whose task was lost, and only to it.

A task is lost when its process dies between the commit and the enqueue after it, or when
it ends with an unexpected exception. The sweep must find those posts among thousands that
wait their turn in a long queue, without giving the waiting ones a second task each time it
runs. Tasks go to Django's DummyBackend, as in test_outbox.py, whose helpers these share.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quartieri.campaigns.models import ContentItem
from quartieri.channels.models import ChannelAccount
from quartieri.core.workers import heartbeat_beat
from quartieri.publishing import periodic, sweep
from quartieri.publishing.models import OutboxEntry
from tests.publishing.conftest import (
    drain,
    queue_backend,
    queued,
    refreshed,
    schedule,
    scheduled_variant,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("outbox_settings")]
State = OutboxEntry.State


def lose_tasks_of(entry: OutboxEntry) -> None:
    """The entry's queued tasks vanish, as when the enqueue died with its process."""
    backend = queue_backend()
    backend.results[:] = [r for r in backend.results if r.kwargs.get("entry_id") != entry.pk]


def untouched(entry: OutboxEntry, *, for_minutes: float = 10, due_then: bool = True) -> None:
    """Nothing has happened to the entry for a while (and it was due then)."""
    then = timezone.now() - dt.timedelta(minutes=for_minutes)
    fields: dict[str, Any] = {"updated_at": then} | ({"due_at": then} if due_then else {})
    OutboxEntry.objects.filter(pk=entry.pk).update(**fields)


def tasks_for(entry: OutboxEntry) -> list[tuple[str, dict[str, Any], dt.datetime | None]]:
    return [task for task in queued() if task[1]["entry_id"] == entry.pk]


def seconds_after(moment: dt.datetime, seconds: float) -> dt.datetime:
    return moment + dt.timedelta(seconds=seconds)


def test_a_backlog_keeps_its_tasks_and_a_lost_task_is_given_again_once(
    current_item, giulia_tiktok, fake_tiktok
):
    waiting = [
        schedule(scheduled_variant(current_item, giulia_tiktok, caption=f"Isola {n}"))
        for n in range(3)
    ]
    lost = schedule(scheduled_variant(current_item, giulia_tiktok, caption="Chiaravalle"))
    lose_tasks_of(lost)
    for entry in [*waiting, lost]:
        untouched(entry)  # all late: the queue is long

    assert sweep.outbox_sweep() == 1
    assert sweep.outbox_sweep() == 0  # now it has a task too
    assert sorted(kwargs["entry_id"] for _name, kwargs, _at in queued()) == sorted(
        entry.pk for entry in [*waiting, lost]
    )
    drain()
    assert {refreshed(entry).state for entry in [*waiting, lost]} == {State.PUBLISHED}
    assert len(fake_tiktok.posts) == 4


def test_a_post_due_later_whose_task_was_lost_gets_one_for_its_time(current_item, giulia_tiktok):
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    later = timezone.now() + dt.timedelta(hours=2)
    OutboxEntry.objects.filter(pk=entry.pk).update(due_at=later)
    lose_tasks_of(entry)
    untouched(entry, due_then=False)

    assert sweep.outbox_sweep() == 1
    assert tasks_for(entry) == [
        ("publish_entry", {"entry_id": entry.pk, "version": entry.version}, later)
    ]


def test_a_task_for_an_older_time_does_not_count(current_item, giulia_tiktok, fake_tiktok):
    variant = scheduled_variant(current_item, giulia_tiktok)
    entry = schedule(variant)
    schedule(variant)  # moved: version 2, and a task for it
    backend = queue_backend()
    backend.results[:] = [r for r in backend.results if r.kwargs["version"] == 1]
    untouched(entry)

    assert sweep.outbox_sweep() == 1
    assert sorted(kwargs["version"] for _name, kwargs, _at in tasks_for(entry)) == [1, 2]
    drain()
    assert refreshed(entry).state == State.PUBLISHED
    assert len(fake_tiktok.posts) == 1


def test_a_post_being_processed_keeps_its_check_and_gets_one_if_lost(
    settings, current_item, giulia_tiktok, fake_tiktok
):
    settings.PUBLISHING_POLL_DELAYS = (0,)
    fake_tiktok.processing_polls = 2
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    drain(steps=1)  # sent; TikTok is processing it; a status check is queued
    assert refreshed(entry).state == State.SUBMITTED
    untouched(entry, due_then=False)
    assert sweep.outbox_sweep() == 0

    lose_tasks_of(entry)
    assert sweep.outbox_sweep() == 1
    assert [name for name, _kwargs, _at in tasks_for(entry)] == ["poll_entry"]
    drain()
    assert refreshed(entry).state == State.PUBLISHED
    assert len(fake_tiktok.posts) == 1


def test_an_unconfirmed_post_left_to_a_person_is_checked_again_hourly_not_every_sweep(
    current_item, giulia_tiktok
):
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    lose_tasks_of(entry)
    OutboxEntry.objects.filter(pk=entry.pk).update(
        state=State.UNCONFIRMED, last_error="Quartieri cannot tell whether the post went out"
    )
    untouched(entry, for_minutes=30)
    assert sweep.outbox_sweep() == 0

    untouched(entry, for_minutes=61)
    assert sweep.outbox_sweep() == 1
    assert [name for name, _kwargs, _at in tasks_for(entry)] == ["reconcile_entry"]


def test_a_post_a_live_worker_is_sending_is_left_to_it(current_item, giulia_tiktok):
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    lose_tasks_of(entry)
    heartbeat_beat(worker_ids=["sending"], started_at=timezone.now())
    OutboxEntry.objects.filter(pk=entry.pk).update(
        state=State.SUBMITTING, claimed_by="sending", claimed_at=timezone.now()
    )
    untouched(entry)

    assert sweep.outbox_sweep() == 0
    assert queued() == []


def test_every_worker_sweeps_every_few_minutes(monkeypatch, settings, current_item, giulia_tiktok):
    monkeypatch.setattr(periodic, "_last_look", {})
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    lose_tasks_of(entry)
    untouched(entry)

    assert periodic.tick(now=timezone.now())
    assert len(tasks_for(entry)) == 1
    lose_tasks_of(entry)
    assert not periodic.tick(now=timezone.now())  # the next sweep is in two minutes
    assert tasks_for(entry) == []
    settings.PUBLISHING_SWEEP_EVERY_SECONDS = 0
    assert periodic.tick(now=timezone.now())
    assert len(tasks_for(entry)) == 1


def test_the_sweep_can_be_run_by_hand(current_item, giulia_tiktok, capsys):
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    lose_tasks_of(entry)
    untouched(entry)

    call_command("publishing", "sweep-outbox", "--format", "json")
    assert json.loads(capsys.readouterr().out) == {"enqueued": 1}
    call_command("publishing", "sweep-outbox")
    assert "Enqueued again the task of 0 post(s)." in capsys.readouterr().out


def test_a_sweep_logs_each_post_it_gave_a_task_again_and_how_many_tasks_wait(
    current_item, giulia_tiktok, sweep_log
):
    waiting = [
        schedule(scheduled_variant(current_item, giulia_tiktok, caption=f"Isola {n}"))
        for n in range(3)
    ]
    lost = schedule(scheduled_variant(current_item, giulia_tiktok, caption="Chiaravalle"))
    # Left to a person to look on the account, and not checked again since.
    left = schedule(scheduled_variant(current_item, giulia_tiktok, caption="Gratosoglio"))
    OutboxEntry.objects.filter(pk=left.pk).update(state=State.UNCONFIRMED)
    for entry in [lost, left]:
        lose_tasks_of(entry)
    for entry in [*waiting, lost, left]:
        untouched(entry, for_minutes=90)

    assert sweep.outbox_sweep(now=timezone.now()) == 2
    # An operator finds the posts by these lines: each one's id and state, then the totals
    # (the three waiting posts' tasks are in the queue).
    assert sweep_log.lines == [
        ("WARNING", f"Outbox entry {lost.pk} (scheduled) had no task: enqueued again"),
        ("WARNING", f"Outbox entry {left.pk} (unconfirmed) had no task: enqueued again"),
        ("INFO", "Outbox sweep: 2 task(s) enqueued again, 3 waiting"),
    ]


@pytest.mark.parametrize(
    ("setting", "grace"), [pytest.param(None, 300, id="default"), pytest.param(60, 60, id="set")]
)
def test_a_post_whose_task_was_lost_is_left_alone_for_the_grace_then_given_one(
    settings, setting, grace, current_item, giulia_tiktok
):
    if setting is not None:
        settings.PUBLISHING_SWEEP_GRACE_SECONDS = setting
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    lose_tasks_of(entry)
    touched = refreshed(entry).updated_at

    # Within the grace its task may still be on its way: the sweep does not look.
    assert sweep.outbox_sweep(now=seconds_after(touched, grace - 0.5)) == 0
    assert queued() == []
    assert sweep.outbox_sweep(now=seconds_after(touched, grace + 0.5)) == 1
    assert [name for name, _kwargs, _at in tasks_for(entry)] == ["publish_entry"]


@pytest.mark.parametrize(
    ("setting", "recheck"),
    [pytest.param(None, 3600, id="default"), pytest.param(600, 600, id="set")],
)
def test_an_unconfirmed_post_is_checked_again_once_the_recheck_time_has_passed(
    settings, setting, recheck, current_item, giulia_tiktok
):
    if setting is not None:
        settings.PUBLISHING_RECHECK_SECONDS = setting
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    lose_tasks_of(entry)
    OutboxEntry.objects.filter(pk=entry.pk).update(state=State.UNCONFIRMED)
    touched = refreshed(entry).updated_at

    assert sweep.outbox_sweep(now=seconds_after(touched, recheck - 0.5)) == 0
    assert sweep.outbox_sweep(now=seconds_after(touched, recheck + 0.5)) == 1
    assert [name for name, _kwargs, _at in tasks_for(entry)] == ["reconcile_entry"]


def crashed_while_sending(
    item: ContentItem, account: ChannelAccount, count: int, *, worker: str
) -> list[OutboxEntry]:
    """Posts whose sending task ended with an exception 20 minutes ago, under a worker
    still alive: its claim is older than the lease, and the task is gone."""
    entries = [
        schedule(scheduled_variant(item, account, caption=f"Baggio {n}")) for n in range(count)
    ]
    then = timezone.now() - dt.timedelta(minutes=20)
    OutboxEntry.objects.filter(pk__in=[entry.pk for entry in entries]).update(
        state=State.SUBMITTING, claimed_by=worker, claimed_at=then, updated_at=then
    )
    return [refreshed(entry) for entry in entries]


def queries_to_sweep(entries: list[OutboxEntry]) -> int:
    for entry in entries:
        lose_tasks_of(entry)
    with CaptureQueriesContext(connection) as queries:
        assert sweep.outbox_sweep(now=timezone.now()) == len(entries)
    return len(queries)


def test_sweeping_a_backlog_takes_as_many_queries_for_ten_posts_as_for_two(
    current_item, giulia_tiktok
):
    # These posts make the sweep read every field it loads (the claim and its time, the
    # version, the due time): one left out of the query would cost a query per post, and a
    # backlog is thousands of posts, every few minutes.
    heartbeat_beat(worker_ids=["crashed"], started_at=timezone.now())
    entries = crashed_while_sending(current_item, giulia_tiktok, 2, worker="crashed")
    two = queries_to_sweep(entries)
    entries += crashed_while_sending(current_item, giulia_tiktok, 8, worker="crashed")
    assert queries_to_sweep(entries) == two


def test_a_post_whose_worker_stopped_beating_before_the_sweep_is_given_a_task_again(
    settings, current_item, giulia_tiktok
):
    settings.WORKER_STALE_SECONDS = 30  # a worker silent this long is dead
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    lose_tasks_of(entry)
    heartbeat_beat(worker_ids=["sending"], started_at=timezone.now())
    OutboxEntry.objects.filter(pk=entry.pk).update(
        state=State.SUBMITTING, claimed_by="sending", claimed_at=timezone.now()
    )
    untouched(entry, due_then=False)
    claimed = refreshed(entry).claimed_at
    assert claimed is not None

    # The worker is judged alive or dead at the sweep's time, not at the clock's.
    assert sweep.outbox_sweep(now=seconds_after(claimed, 10)) == 0
    assert sweep.outbox_sweep(now=seconds_after(claimed, 600)) == 1
    assert [name for name, _kwargs, _at in tasks_for(entry)] == ["publish_entry"]
