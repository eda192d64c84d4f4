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
from django.utils import timezone

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
