from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from quartieri.core.models import WorkerHeartbeat
from quartieri.core.workers import heartbeat_beat, heartbeat_stop


@pytest.mark.django_db
def test_healthz_is_degraded_without_a_worker():
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["workers"]["alive"] == 0


@pytest.mark.django_db
def test_healthz_is_ok_with_a_live_worker_and_needs_no_login():
    heartbeat_beat(worker_ids=["w1"], started_at=timezone.now())
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["workers"]["alive"] == 1


@pytest.mark.django_db
def test_a_stale_or_stopped_worker_does_not_count(settings):
    heartbeat_beat(worker_ids=["w1"], started_at=timezone.now())
    WorkerHeartbeat.objects.filter(worker_id="w1").update(
        last_seen=timezone.now() - timedelta(seconds=settings.WORKER_STALE_SECONDS + 1)
    )
    heartbeat_beat(worker_ids=["w2"], started_at=timezone.now())
    heartbeat_stop(worker_ids=["w2"])
    assert Client().get("/healthz").status_code == 503


@pytest.mark.django_db
def test_one_beat_keeps_every_thread_id_of_a_worker_alive_and_revives_a_stopped_one(settings):
    heartbeat_beat(worker_ids=["w-t1", "w-t2"], started_at=timezone.now())
    heartbeat_stop(worker_ids=["w-t1", "w-t2"])
    old = timezone.now() - timedelta(seconds=settings.WORKER_STALE_SECONDS + 1)
    WorkerHeartbeat.objects.update(last_seen=old)

    heartbeat_beat(worker_ids=["w-t1", "w-t2", "w-t3"], started_at=timezone.now())

    live = WorkerHeartbeat.objects.filter(stopped_at__isnull=True, last_seen__gt=old)
    assert sorted(live.values_list("worker_id", flat=True)) == ["w-t1", "w-t2", "w-t3"]
    assert Client().get("/healthz").json()["workers"]["alive"] == 3
