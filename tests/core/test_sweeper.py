from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from quartieri.core.models import WorkerHeartbeat
from quartieri.core.workers import heartbeat_beat, orphaned_tasks_requeue

pytestmark = pytest.mark.skipif(
    settings.TASK_BACKEND_NAME != "db", reason="the sweeper serves the DB task backend"
)


def running_task(*, worker: str, started_seconds_ago: float):
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    return DBTaskResult.objects.create(
        id=uuid.uuid4(),
        status="RUNNING",
        args_kwargs={"args": [], "kwargs": {}},
        task_path="tests.core.probe_tasks.probe",
        worker_ids=[worker],
        queue_name="default",
        backend_name="default",
        run_after=now,
        started_at=now - timedelta(seconds=started_seconds_ago),
    )


def status_of(task) -> str:
    task.refresh_from_db()
    return str(task.status)


@pytest.mark.django_db
def test_a_task_of_a_dead_worker_goes_back_to_ready(settings):
    heartbeat_beat(worker_ids=["dead"], started_at=timezone.now())
    WorkerHeartbeat.objects.filter(worker_id="dead").update(
        last_seen=timezone.now() - timedelta(seconds=settings.WORKER_STALE_SECONDS + 5)
    )
    task = running_task(worker="dead", started_seconds_ago=60)
    assert orphaned_tasks_requeue() == [str(task.id)]
    assert status_of(task) == "READY"
    # A second sweep finds nothing more to do
    assert orphaned_tasks_requeue() == []


@pytest.mark.django_db
def test_a_task_of_a_live_worker_is_left_alone():
    heartbeat_beat(worker_ids=["alive"], started_at=timezone.now())
    task = running_task(worker="alive", started_seconds_ago=3600)
    assert orphaned_tasks_requeue() == []
    assert status_of(task) == "RUNNING"


@pytest.mark.django_db
def test_a_just_claimed_task_of_an_unknown_worker_is_not_robbed(settings):
    fresh = running_task(worker="unknown", started_seconds_ago=1)
    old = running_task(worker="unknown", started_seconds_ago=settings.WORKER_STALE_SECONDS + 5)
    assert orphaned_tasks_requeue() == [str(old.id)]
    assert status_of(fresh) == "RUNNING"
