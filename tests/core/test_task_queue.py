"""What a task queue still holds, read from the backend the suite runs on (the database
with SQLite, RQ on Redis with PostgreSQL + Redis) and from Django's in-memory backends."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.tasks.backends.base import BaseTaskBackend
from django.utils import timezone

from quartieri.core.task_queue import UnknownBackendError, pending_tasks
from tests.core.probe_tasks import probe, rendezvous

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def run() -> str:
    """A mark of this test's tasks: a shared Redis may hold other tests' jobs."""
    return uuid.uuid4().hex


def held(run: str) -> set[str]:
    return {
        pending.kwargs["name"]
        for pending in pending_tasks(tasks=[probe])
        if pending.kwargs.get("marks") == run
    }


def done(result_id: str) -> None:
    """The task ran to its end: the backend no longer holds it as waiting or running."""
    if settings.TASK_BACKEND_NAME == "rq":
        import django_rq
        from rq.job import Job

        Job.fetch(result_id, connection=django_rq.get_connection("default")).delete()
    else:
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.filter(id=result_id).update(status="SUCCESSFUL")


def test_a_queue_lists_its_waiting_and_later_tasks_until_they_are_done(run):
    now = probe.enqueue(marks=run, name="now", seconds=0)
    later = probe.using(run_after=timezone.now() + dt.timedelta(hours=1)).enqueue(
        marks=run, name="later", seconds=0
    )
    rendezvous.enqueue(marks=run, name="other", together=1, seconds=0)  # not asked about
    try:
        assert held(run) == {"now", "later"}
        done(now.id)
        assert held(run) == {"later"}
    finally:
        done(later.id)
    assert held(run) == set()


@pytest.mark.skipif(settings.TASK_BACKEND_NAME != "db", reason="the database backend's rows")
def test_a_running_task_is_still_held_and_a_failed_one_is_not(run):
    from django_tasks_db.models import DBTaskResult

    running = probe.enqueue(marks=run, name="running", seconds=0)
    failed = probe.enqueue(marks=run, name="failed", seconds=0)
    DBTaskResult.objects.filter(id=running.id).update(status="RUNNING")
    DBTaskResult.objects.filter(id=failed.id).update(status="FAILED")
    assert held(run) == {"running"}


def test_the_in_memory_backends_are_read_too(settings, run):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    probe.enqueue(marks=run, name="kept", seconds=0)
    assert held(run) == {"kept"}
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    assert held(run) == set()


class OpaqueBackend(BaseTaskBackend):
    """A backend that keeps its tasks to itself."""

    def enqueue(self, task: Any, args: Any, kwargs: Any) -> Any:
        raise NotImplementedError


def test_a_backend_that_cannot_be_read_is_an_error_not_an_empty_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "tests.core.test_task_queue.OpaqueBackend"}}
    with pytest.raises(UnknownBackendError, match="OpaqueBackend"):
        pending_tasks(tasks=[probe])
