"""`quartieri worker --threads N`: several tasks at once in one process, and none lost.

The process tests start real workers on a platform of their own (tests/processes.py) and
read the marks the probe tasks leave in a folder (tests/core/probe_tasks.py).
"""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from quartieri.core.models import WorkerHeartbeat
from quartieri.core.worker_threads import TaskBudget, thread_worker_ids
from tests.core.probe_tasks import lines
from tests.processes import platform_env, python, quartieri, spawn, wait_for

__all__ = ["platform_env"]

database_backend_only = pytest.mark.skipif(
    settings.TASK_BACKEND_NAME != "db", reason="task threads serve the database backend"
)

ENQUEUE = """
import json
from tests.core import probe_tasks
task = getattr(probe_tasks, {task!r})
results = [task.enqueue(name=f"job-{{i}}", **{kwargs!r}) for i in range({count})]
print(json.dumps([r.id for r in results]))
"""

STATUSES = """
import json
from django.tasks import default_task_backend
print(json.dumps([default_task_backend.get_result(i).status for i in {ids!r}]))
"""

HEARTBEATS = """
import json
from quartieri.core.models import WorkerHeartbeat
rows = WorkerHeartbeat.objects.all()
print(json.dumps({"rows": rows.count(), "running": rows.filter(stopped_at=None).count()}))
"""


def enqueue(env: dict[str, str], task: str, *, count: int, **kwargs: object) -> list[str]:
    code = ENQUEUE.format(task=task, kwargs=kwargs, count=count)
    return list(json.loads(python(env, code).stdout))


def statuses(env: dict[str, str], ids: list[str]) -> list[str]:
    return list(json.loads(python(env, STATUSES.format(ids=ids)).stdout))


def heartbeats(env: dict[str, str]) -> dict[str, int]:
    return dict(json.loads(python(env, HEARTBEATS).stdout))


def jobs(count: int) -> list[str]:
    return [f"job-{i}" for i in range(count)]


@pytest.fixture
def marks(tmp_path: Path) -> Path:
    folder = tmp_path / "marks"
    folder.mkdir()
    return folder


def stop(worker) -> None:
    worker.terminate()
    worker.wait(timeout=30)


@database_backend_only
@pytest.mark.slow
@pytest.mark.parametrize(
    ("threads", "deadline", "finished"),
    [
        pytest.param(3, 30, 3, id="three_threads_case"),
        # One thread runs them one after another whatever the deadline: only the last one
        # finds the others started. A short deadline keeps the test quick.
        pytest.param(1, 2, 1, id="one_thread_case"),
    ],
)
def test_threads_run_tasks_side_by_side(platform_env, marks, threads, deadline, finished):
    # Given three tasks that finish only when all three have started
    ids = enqueue(
        platform_env, "rendezvous", count=3, marks=str(marks), together=3, seconds=deadline
    )

    # When a worker with that many threads runs them
    worker = spawn(platform_env, "worker", "--threads", str(threads), "--interval", "0.2")
    try:
        wait_for(
            lambda: statuses(platform_env, ids) == ["SUCCESSFUL"] * 3,
            timeout=60,
            what="every task to end",
        )
    finally:
        stop(worker)

    # Then all of them finish with three threads, only the last one with a single thread
    assert sorted(lines(marks / "started")) == jobs(3)
    assert len(lines(marks / "finished")) == finished
    assert len(lines(marks / "gave_up")) == 3 - finished


@database_backend_only
@pytest.mark.slow
def test_running_tasks_of_a_killed_threaded_worker_are_requeued_and_finish_once(
    platform_env, marks
):
    # Given a three-thread worker running three long tasks at once
    first = spawn(platform_env, "worker", "--threads", "3", "--interval", "0.2")
    ids = enqueue(platform_env, "probe", count=3, marks=str(marks), seconds=5)
    wait_for(lambda: len(lines(marks / "started")) == 3, timeout=30, what="three tasks to start")

    # When it is killed mid-task and another worker starts
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert lines(marks / "finished") == []
    second = spawn(platform_env, "worker", "--threads", "3", "--interval", "0.2")
    try:
        wait_for(lambda: len(lines(marks / "finished")) == 3, timeout=60, what="three finishes")
        wait_for(
            lambda: statuses(platform_env, ids) == ["SUCCESSFUL"] * 3,
            timeout=15,
            what="the results to be recorded",
        )
    finally:
        stop(second)

    # Then each ran again and finished exactly once
    assert sorted(lines(marks / "started")) == sorted(jobs(3) * 2)
    assert sorted(lines(marks / "finished")) == jobs(3)


@database_backend_only
@pytest.mark.slow
def test_sigterm_lets_running_tasks_finish_and_exits_cleanly(platform_env, marks):
    # Given a three-thread worker running three tasks
    worker = spawn(platform_env, "worker", "--threads", "3", "--interval", "0.2")
    ids = enqueue(platform_env, "probe", count=3, marks=str(marks), seconds=3)
    wait_for(lambda: len(lines(marks / "started")) == 3, timeout=30, what="three tasks to start")
    assert lines(marks / "finished") == []

    # When it is asked to stop
    worker.send_signal(signal.SIGTERM)

    # Then it finishes them, stops its heartbeats (one per thread) and exits with 0
    assert worker.wait(timeout=30) == 0
    assert sorted(lines(marks / "finished")) == jobs(3)
    assert statuses(platform_env, ids) == ["SUCCESSFUL"] * 3
    assert heartbeats(platform_env) == {"rows": 3, "running": 0}


@database_backend_only
@pytest.mark.slow
def test_a_second_signal_exits_at_once_and_leaves_the_tasks_to_the_sweeper(platform_env, marks):
    # Given a two-thread worker running two long tasks
    worker = spawn(platform_env, "worker", "--threads", "2", "--interval", "0.2")
    ids = enqueue(platform_env, "probe", count=2, marks=str(marks), seconds=60)
    wait_for(lambda: len(lines(marks / "started")) == 2, timeout=30, what="two tasks to start")

    # When it gets a stop signal, then another one
    worker.send_signal(signal.SIGTERM)
    worker.send_signal(signal.SIGINT)

    # Then it exits without waiting for them, its heartbeats stopped: the sweeper of any
    # live worker re-queues the two tasks still marked running
    assert worker.wait(timeout=15) == 1
    assert lines(marks / "finished") == []
    assert statuses(platform_env, ids) == ["RUNNING"] * 2
    assert heartbeats(platform_env) == {"rows": 2, "running": 0}


@database_backend_only
@pytest.mark.slow
def test_batch_and_max_tasks_count_for_the_whole_process(platform_env, marks):
    # Given six quick tasks
    enqueue(platform_env, "probe", count=6, marks=str(marks), seconds=0.2)

    # When a three-thread batch worker may run four of them
    limited = quartieri(
        platform_env, "worker", "--threads", "3", "--batch", "--max-tasks", "4", "--interval", "0"
    )

    # Then it runs exactly four, and a batch worker without a limit runs the rest and exits
    assert limited.returncode == 0, limited.stderr
    assert len(lines(marks / "finished")) == 4
    rest = quartieri(platform_env, "worker", "--threads", "3", "--batch", "--interval", "0")
    assert rest.returncode == 0, rest.stderr
    assert sorted(lines(marks / "finished")) == jobs(6)


@pytest.mark.django_db
def test_threads_on_rq_are_refused_before_the_worker_starts(settings):
    settings.TASK_BACKEND_NAME = "rq"
    with pytest.raises(CommandError) as refused:
        call_command("worker", "--threads", "2")
    message = str(refused.value)
    assert "--threads 2" in message
    assert "Start 2 'quartieri worker' processes instead" in message
    assert "signal handlers" in message
    # No heartbeat: the refused worker never announced itself
    assert not WorkerHeartbeat.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "named"),
    [
        pytest.param(("--threads", "0"), "--threads 0", id="no_threads_case"),
        pytest.param(("--max-tasks", "0"), "--max-tasks 0", id="no_tasks_case"),
    ],
)
def test_wrong_counts_are_refused(args, named):
    with pytest.raises(CommandError, match=named):
        call_command("worker", *args)
    assert not WorkerHeartbeat.objects.exists()


def test_one_thread_keeps_the_process_id_and_several_get_one_each():
    assert thread_worker_ids("host-1-abc", 1) == ["host-1-abc"]
    assert thread_worker_ids("host-1-abc", 3) == ["host-1-abc-t1", "host-1-abc-t2", "host-1-abc-t3"]


def test_the_budget_never_lets_racing_threads_past_the_limit():
    budget = TaskBudget(5)
    taken: list[bool] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(10):
            got = budget.reserve()
            with lock:
                taken.append(got)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert taken.count(True) == 5


def test_a_released_slot_can_be_taken_again():
    budget = TaskBudget(1)
    assert budget.reserve()
    assert not budget.reserve()
    budget.release()
    assert budget.reserve()
    assert TaskBudget(None).reserve()
