"""Several database task loops in one worker process (``quartieri worker --threads N``).

Publishing tasks spend their time waiting for platform answers, so one process can overlap
several of them. Each thread runs django-tasks-db's claim-and-run cycle under an id of its
own (``<process id>-t<n>``), not the process's one: the outbox (``publishing.outbox``) signs
its claims with the task's worker id and treats a claim carrying its own id as its own, so
two threads sharing one id could both work on the same post. The process's heartbeat beats
for every thread id (``core.workers.HeartbeatThread``): they fall silent together when the
process dies, and the sweeper re-queues every task it was running.

Signals stay with the main thread, which only waits: a first SIGTERM/SIGINT lets every
thread finish its task and stop; a second exits at once, and the tasks still running go
back to the queue once the heartbeat has stopped.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Any

from django.db import OperationalError, close_old_connections, connections

logger = logging.getLogger(__name__)

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)


@dataclass(frozen=True)
class LoopOptions:
    queues: list[str]
    interval: float
    batch: bool


def thread_worker_ids(worker_id: str, threads: int) -> list[str]:
    """The ids the threads claim tasks under; one thread keeps the process's own id."""
    if threads == 1:
        return [worker_id]
    return [f"{worker_id}-t{number}" for number in range(1, threads + 1)]


class TaskBudget:
    """``--max-tasks`` for the whole process, shared by its threads.

    A thread reserves a slot before it claims a task and gives it back when the queue had
    nothing, so threads racing for the last slot never run more tasks than the limit.
    """

    def __init__(self, limit: int | None) -> None:
        self._free = limit  # None: no limit
        self._lock = threading.Lock()

    def reserve(self) -> bool:
        with self._lock:
            if self._free is None:
                return True
            if self._free <= 0:
                return False
            self._free -= 1
            return True

    def release(self) -> None:
        with self._lock:
            if self._free is not None:
                self._free += 1


class TaskLoop(threading.Thread):
    """Claim a ready task under this thread's id, run it, repeat until told to stop."""

    def __init__(
        self, *, worker_id: str, options: LoopOptions, budget: TaskBudget, stopping: threading.Event
    ) -> None:
        # Daemon: a second signal ends the process without waiting for the task in hand.
        super().__init__(name=f"tasks-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.options = options
        self.budget = budget
        self.stopping = stopping
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._loop()
        except BaseException as error:  # noqa: BLE001
            # Handed to the main thread, which raises it: a process quietly short of a
            # thread would look healthy while serving less than it should.
            logger.exception("Task thread %s failed", self.worker_id)
            self.error = error
            self.stopping.set()
        finally:
            # Django's connections belong to the thread that opened them: close this one.
            connections.close_all()

    def _loop(self) -> None:
        runner = _runner(self.worker_id, self.options)
        logger.info("Task thread %s serves queues %s", self.worker_id, self.options.queues)
        while not self.stopping.is_set() and self.budget.reserve():
            polled, task_result = self._claim()
            if task_result is not None:
                runner.run_task(task_result)  # records success or failure, never raises
                continue
            self.budget.release()
            if self.options.batch and polled:
                logger.info("Task thread %s found the queue empty: done", self.worker_id)
                return
            # An event, not a sleep: a stop request wakes an idle thread at once.
            self.stopping.wait(self.options.interval)

    def _claim(self) -> tuple[bool, Any]:
        """Claim the next ready task (as django-tasks-db's own worker does).

        Returns (polled, task result or None); ``polled`` is False when the database was
        busy, so that ``--batch`` does not take a locked database for an empty queue.
        """
        from django_tasks_db.models import DBTaskResult
        from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

        close_old_connections()
        tasks = DBTaskResult.objects.ready().filter(backend_name="default")
        if "*" not in self.options.queues:
            tasks = tasks.filter(queue_name__in=self.options.queues)
        try:
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()  # SKIP LOCKED where the database has it
                if task_result is not None:
                    task_result.claim(self.worker_id)
        except OperationalError as error:
            if not is_locked_database_exception(error):
                raise
            return False, None
        return True, task_result


def _runner(worker_id: str, options: LoopOptions) -> Any:
    """django-tasks-db's Worker, used only for ``run_task``: it runs a claimed task, records
    the result or the exception and sends the task signals, as a plain worker would."""
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=options.queues,
        interval=options.interval,
        batch=options.batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


@contextlib.contextmanager
def stop_on_signals(stopping: threading.Event) -> Iterator[None]:
    """In the main thread: the first stop signal sets ``stopping``, a second exits now."""
    received: list[int] = []

    def handle(signum: int, frame: FrameType | None) -> None:
        name = signal.strsignal(signum)
        if received:
            logger.warning("Received %s again: exiting; running tasks go back to the queue", name)
            raise SystemExit(1)
        received.append(signum)
        logger.warning("Received %s: finishing the running tasks (again to exit at once)", name)
        stopping.set()

    previous = {number: signal.signal(number, handle) for number in _STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def run_task_threads(
    *, worker_ids: Sequence[str], options: LoopOptions, max_tasks: int | None
) -> None:
    """Run one task loop per id until a signal, an empty queue (batch) or max_tasks stops
    them all; raises the error of a thread that failed outside its tasks."""
    stopping = threading.Event()
    budget = TaskBudget(max_tasks)
    loops = [
        TaskLoop(worker_id=worker_id, options=options, budget=budget, stopping=stopping)
        for worker_id in worker_ids
    ]
    with stop_on_signals(stopping):
        for loop in loops:
            loop.start()
        for loop in loops:
            # Short joins keep the main thread returning to the interpreter, where signal
            # handlers run.
            while loop.is_alive():
                loop.join(timeout=0.5)
    for loop in loops:
        if loop.error is not None:
            raise loop.error
