"""Task workers: heartbeats, and the sweeper that recovers the work of a dead worker.

django-tasks-db claims a task by marking it RUNNING with the worker's id and has no lease:
a worker killed mid-task leaves the row RUNNING forever (RQ, for its part, keeps it started
until the job's timeout). Every live worker therefore runs the sweeper after each
heartbeat, so any one survivor re-queues the orphans of the dead.
Tasks are written to be safe to run twice (they take ids and check state), which is what
makes re-running a half-done task correct.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string

from quartieri.core.models import WorkerHeartbeat
from quartieri.core.navigation import app_modules

logger = logging.getLogger(__name__)


def worker_id_new() -> str:
    host = socket.gethostname()[:30]
    return f"{host}-{os.getpid()}-{get_random_string(8)}"


def heartbeat_beat(*, worker_ids: Sequence[str], started_at: datetime) -> None:
    """Mark the ids alive: one UPDATE for those seen before (a worker with many task
    threads beats for each of them every few seconds), a row for each new one."""
    now = timezone.now()
    seen = WorkerHeartbeat.objects.filter(worker_id__in=worker_ids)
    if seen.update(last_seen=now, stopped_at=None) == len(set(worker_ids)):
        return
    for worker_id in set(worker_ids) - set(seen.values_list("worker_id", flat=True)):
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={
                "hostname": socket.gethostname(),
                "pid": os.getpid(),
                "backend": settings.TASK_BACKEND_NAME,
                "started_at": started_at,
                "last_seen": now,
                "stopped_at": None,
            },
        )


def heartbeat_stop(*, worker_ids: Sequence[str]) -> None:
    WorkerHeartbeat.objects.filter(worker_id__in=worker_ids).update(stopped_at=timezone.now())


def live_worker_ids(*, now: datetime | None = None) -> set[str]:
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.WORKER_STALE_SECONDS)
    return set(
        WorkerHeartbeat.objects.filter(last_seen__gte=cutoff, stopped_at__isnull=True).values_list(
            "worker_id", flat=True
        )
    )


def orphaned_tasks_requeue(*, now: datetime | None = None) -> list[str]:
    """Put back in the queue every running task whose worker is no longer alive.

    Returns the ids re-queued. A worker is dead when its heartbeat is older than
    WORKER_STALE_SECONDS or it stopped. On the database backend a task whose worker has no
    heartbeat row at all is only taken once it has been running longer than the stale
    window, so a worker that claimed a task just before its first heartbeat is never robbed.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.WORKER_STALE_SECONDS)
    live = live_worker_ids(now=now)
    known = set(WorkerHeartbeat.objects.values_list("worker_id", flat=True))
    if settings.TASK_BACKEND_NAME == "rq":
        return _requeue_rq_orphans(dead=known - live)
    return _requeue_db_orphans(live=live, known=known, cutoff=cutoff)


def _requeue_db_orphans(*, live: set[str], known: set[str], cutoff: datetime) -> list[str]:
    from django_tasks_db.models import DBTaskResult

    requeued: list[str] = []
    for task_id, worker_ids, started_at in DBTaskResult.objects.running().values_list(
        "id", "worker_ids", "started_at"
    ):
        owner = worker_ids[-1] if worker_ids else ""
        if owner in live or (owner not in known and started_at and started_at > cutoff):
            continue
        # Compare-and-swap: only a row still RUNNING is re-queued, so two sweepers racing
        # over the same orphan put it back once.
        if DBTaskResult.objects.filter(id=task_id, status="RUNNING").update(
            status="READY", started_at=None
        ):
            requeued.append(str(task_id))
            logger.warning("Re-queued task %s left RUNNING by dead worker %s", task_id, owner)
    return requeued


def _requeue_rq_orphans(*, dead: set[str]) -> list[str]:
    """RQ keeps a started job in its StartedJobRegistry until the job's own timeout (an
    hour here) has passed; our heartbeats know sooner that its worker is gone."""
    if not dead:
        return []
    import django_rq
    from rq.job import JobStatus
    from rq.registry import StartedJobRegistry

    requeued: list[str] = []
    for name in settings.TASK_QUEUES:
        queue = django_rq.get_queue(name)
        registry = StartedJobRegistry(queue=queue)
        for job_id in registry.get_job_ids(cleanup=False):
            job = queue.fetch_job(job_id)
            if job is None or job.worker_name not in dead:
                continue
            if job.get_status() != JobStatus.STARTED:
                continue
            registry.remove_executions(job)
            queue.enqueue_job(job)
            requeued.append(job_id)
            logger.warning(
                "Re-queued job %s left started by dead worker %s", job_id, job.worker_name
            )
    return requeued


def periodic_tick(*, now: datetime | None = None) -> None:
    """Give every app's ``periodic.tick(now=…)`` its turn; each worker calls this after
    each heartbeat. An app claims its own runs in the database (e.g. one row per day), so
    work meant to happen once a day happens once across all workers."""
    now = now or timezone.now()
    for module in app_modules("periodic"):
        try:
            module.tick(now=now)
        except Exception:  # noqa: BLE001 (one app's failure must not starve the others)
            logger.exception("Periodic work of %s failed", module.__name__)


class HeartbeatThread(threading.Thread):
    """Beats and sweeps in the background while the worker's other threads run tasks.

    It beats for every id the process claims tasks under (one per task thread,
    ``quartieri.core.worker_threads``): they fall silent together when the process dies,
    so the sweeper re-queues every task the process was running.
    """

    def __init__(self, *, worker_ids: Sequence[str]) -> None:
        super().__init__(name=f"heartbeat-{worker_ids[0]}", daemon=True)
        self.worker_ids = list(worker_ids)
        self.started_at = timezone.now()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.beat_once()
            self.stopping.wait(settings.WORKER_HEARTBEAT_SECONDS)
        connection.close()

    def beat_once(self) -> None:
        close_old_connections()
        try:
            heartbeat_beat(worker_ids=self.worker_ids, started_at=self.started_at)
            orphaned_tasks_requeue()
            periodic_tick()
        except Exception:  # noqa: BLE001
            # A missed beat is survivable (the next one comes in seconds); a dead
            # heartbeat thread would make this live worker look dead, so never let it die.
            logger.exception("Heartbeat of worker %s failed", self.worker_ids[0])

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=settings.WORKER_HEARTBEAT_SECONDS + 5)
        close_old_connections()
        heartbeat_stop(worker_ids=self.worker_ids)
