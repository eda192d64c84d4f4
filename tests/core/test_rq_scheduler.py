"""With Redis, a task due later still runs on time when the worker holding RQ's scheduler
stops: another worker takes the scheduler over within RQ_MAINTENANCE_SECONDS, not RQ's
default ten minutes (quartieri.core.rq_worker)."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.core.probe_tasks import lines
from tests.processes import platform_env, python, spawn, wait_for

__all__ = ["platform_env"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(settings.TASK_BACKEND_NAME != "rq", reason="RQ's scheduler"),
]

LATER = """
import datetime as dt
from django.utils import timezone
from tests.core.probe_tasks import probe
at = timezone.now() + dt.timedelta(seconds=1)
probe.using(run_after=at).enqueue(marks={marks!r}, name={name!r}, seconds=0)
"""

RQ_WORKERS = """
import django_rq
from rq import Worker
print(Worker.count(connection=django_rq.get_connection("default")))
"""


def test_a_task_due_later_runs_soon_after_the_scheduling_worker_stops(platform_env, tmp_path):
    env = {**platform_env, "QUARTIERI_RQ_MAINTENANCE_SECONDS": "2"}
    marks = tmp_path / "marks"
    marks.mkdir()
    first = spawn(env, "worker", "--interval", "0.2")
    python(env, LATER.format(marks=str(marks), name="before"))
    wait_for(lambda: lines(marks / "finished") == ["before"], timeout=60, what="the first task")
    # A second worker starts while the first holds the scheduler, so it cannot take it.
    second = spawn(env, "worker", "--interval", "0.2")
    try:
        wait_for(
            lambda: python(env, RQ_WORKERS).stdout.strip() == "2",
            timeout=60,
            what="the second worker to start",
        )
        first.terminate()
        first.wait(timeout=30)
        python(env, LATER.format(marks=str(marks), name="after"))
        # RQ's default would leave it waiting for up to ten minutes.
        wait_for(
            lambda: lines(marks / "finished") == ["before", "after"],
            timeout=20,
            what="the task due after the first worker stopped",
        )
    finally:
        second.terminate()
        second.wait(timeout=30)
