"""Upkeep from the workers' tick: retention, once an hour across workers, spool replay."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from quartieri.analytics import ingest, periodic, upkeep
from quartieri.analytics.ingest import Batch, LinkHit
from quartieri.analytics.tracking import Chore, DailySalt, IngestBatch, LinkEvent, Rollup

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 15, 10, 20, tzinfo=dt.UTC)


def hits(at: dt.datetime, n: int) -> list[LinkHit]:
    return [
        LinkHit(at.timestamp(), 1, "click", "newsletter", "", "", "mobile", "IT", False)
        for _ in range(n)
    ]


def test_raw_events_past_retention_go_and_roll_ups_stay(buffer: Any, settings: Any) -> None:
    settings.ANALYTICS_RAW_RETENTION_DAYS = 30
    ingest.events_write_now(
        hits(NOW - dt.timedelta(days=31), 4) + hits(NOW - dt.timedelta(days=29), 2)
    )
    report = upkeep.measurements_prune(now=NOW)
    assert report.link_events == 4
    assert LinkEvent.objects.count() == 2
    assert sum(Rollup.objects.filter(period="day").values_list("count", flat=True)) == 6
    assert IngestBatch.objects.count() == 1  # the batch was written 'now', within retention


def test_the_hourly_chore_runs_once_across_workers(buffer: Any) -> None:
    first = upkeep.measure_tick(now=NOW)  # one worker
    second = upkeep.measure_tick(now=NOW + dt.timedelta(minutes=5))  # another, same hour
    assert first is not None
    assert second is None
    assert Chore.objects.count() == 1
    assert DailySalt.objects.filter(day=timezone.localdate(NOW)).exists()
    assert upkeep.measure_tick(now=NOW + dt.timedelta(hours=1)) is not None


def test_the_tick_replays_this_machines_spool(buffer: Any) -> None:
    buffer.spool.put(Batch(events=hits(NOW, 3)))
    upkeep.measure_tick(now=NOW)
    assert buffer.spool.pending() == []
    assert LinkEvent.objects.count() == 3


def test_a_failing_upkeep_does_not_keep_the_insights_pull_from_its_turn(
    monkeypatch: Any, settings: Any
) -> None:
    settings.INSIGHTS_DAILY, settings.INSIGHTS_HOUR = True, 6

    def broken(*, now: dt.datetime) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(periodic, "measure_tick", broken)
    assert periodic.tick(now=NOW) is True  # the day's pull is claimed all the same
