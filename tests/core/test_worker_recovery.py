"""A worker killed mid-task loses no work: the sweeper re-queues it and it finishes once."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from tests.core.probe_tasks import lines
from tests.processes import platform_env, python, spawn, wait_for

__all__ = ["platform_env"]

ENQUEUE = """
import json, sys
from tests.core.probe_tasks import probe
results = [probe.enqueue(marks={marks!r}, name=f"job-{{i}}", seconds={seconds}) for i in range({count})]
print(json.dumps([r.id for r in results]))
"""

STATUSES = """
import json
from tests.core.probe_tasks import probe
print(json.dumps([probe.get_result(i).status for i in {ids!r}]))
"""


def enqueue(env: dict[str, str], marks: Path, *, count: int, seconds: float) -> list[str]:
    code = ENQUEUE.format(marks=str(marks), count=count, seconds=seconds)
    return list(json.loads(python(env, code).stdout))


def statuses(env: dict[str, str], ids: list[str]) -> list[str]:
    return list(json.loads(python(env, STATUSES.format(ids=ids)).stdout))


@pytest.mark.slow
def test_a_task_of_a_killed_worker_is_requeued_and_finishes_once(platform_env, tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()
    # Given a worker running a long task
    first = spawn(platform_env, "worker", "--interval", "0.2")
    [task_id] = enqueue(platform_env, marks, count=1, seconds=4)
    wait_for(lambda: len(lines(marks / "started")) == 1, timeout=30, what="the task to start")

    # When the worker is killed mid-task and another worker starts
    first.send_signal(signal.SIGKILL)
    first.wait()
    second = spawn(platform_env, "worker", "--interval", "0.2")
    try:
        wait_for(lambda: lines(marks / "finished") != [], timeout=60, what="the task to finish")
        wait_for(
            lambda: statuses(platform_env, [task_id]) == ["SUCCESSFUL"],
            timeout=15,
            what="the result to be recorded",
        )
    finally:
        second.terminate()
        second.wait(timeout=30)

    # Then it ran again and finished exactly once
    assert lines(marks / "started") == ["job-0", "job-0"]
    assert lines(marks / "finished") == ["job-0"]


@pytest.mark.slow
def test_several_workers_share_the_queue_and_run_each_task_once(platform_env, tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()
    ids = enqueue(platform_env, marks, count=12, seconds=0.05)
    workers = [spawn(platform_env, "worker", "--interval", "0.2") for _ in range(2)]
    try:
        wait_for(lambda: len(lines(marks / "finished")) == 12, timeout=90, what="all twelve tasks")
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    assert sorted(lines(marks / "finished")) == sorted(f"job-{i}" for i in range(12))
    assert statuses(platform_env, ids) == ["SUCCESSFUL"] * 12
