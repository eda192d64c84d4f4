"""What a task queue still holds: the tasks that wait, wait for their time, or run.

Django's task API can enqueue a task and look one up by id, but cannot list what a queue
holds. A sweeper that must tell "this work is waiting its turn" from "this work's task was
lost" (``quartieri.publishing.sweep.outbox_sweep``) needs that list, so it is read here
from each backend quartieri runs on: the database (django-tasks-db), RQ on Redis, and
Django's in-memory dummy backend used by the tests.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.tasks import Task
from django.tasks.backends.dummy import DummyBackend
from django.tasks.backends.immediate import ImmediateBackend
from django.tasks.base import TaskResultStatus

_PENDING = (TaskResultStatus.READY, TaskResultStatus.RUNNING)


@dataclass(frozen=True)
class PendingTask:
    path: str  # the task function's module path, e.g. quartieri.publishing.tasks.poll_entry
    kwargs: dict[str, Any]


class UnknownBackendError(LookupError):
    """The task backend cannot list what it holds."""


def pending_tasks(*, tasks: Collection[Task[Any, Any]]) -> list[PendingTask]:
    """Every task of ``tasks`` that is waiting (now or for its time) or running.

    All must share one backend and queue. Raises ``UnknownBackendError`` for a backend this
    module cannot read: a caller must not take "nothing listed" for "nothing pending".
    """
    first = next(iter(tasks))
    paths = {task.module_path for task in tasks}
    backend = first.get_backend()
    if isinstance(backend, ImmediateBackend):
        return []  # it runs a task as it is enqueued: nothing ever waits
    if isinstance(backend, DummyBackend):
        return [
            PendingTask(result.task.module_path, dict(result.kwargs))
            for result in backend.results
            if result.status in _PENDING and result.task.module_path in paths
        ]
    kind = type(backend).__module__.split(".")[0]
    if kind == "django_tasks_db":
        return _db_pending(paths=paths, queue_name=first.queue_name)
    if kind == "django_tasks_rq":
        return _rq_pending(paths=paths, queue_name=first.queue_name)
    raise UnknownBackendError(f"cannot list the tasks held by {type(backend).__qualname__}")


def _db_pending(*, paths: set[str], queue_name: str) -> list[PendingTask]:
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(
        queue_name=queue_name, status__in=_PENDING, task_path__in=paths
    ).values_list("task_path", "args_kwargs")
    return [PendingTask(path, dict(args_kwargs["kwargs"])) for path, args_kwargs in rows]


def _rq_pending(*, paths: set[str], queue_name: str) -> list[PendingTask]:
    """Jobs in the queue, in its scheduled registry (waiting for their time), in the
    intermediate queue (just taken by a worker) and in the started registry."""
    import django_rq
    from rq.job import Job

    queue = django_rq.get_queue(queue_name)
    ids = {
        *queue.get_job_ids(),
        *queue.scheduled_job_registry.get_job_ids(cleanup=False),
        *queue.intermediate_queue.get_job_ids(),
        *queue.started_job_registry.get_job_ids(cleanup=False),
    }
    jobs = Job.fetch_many(sorted(ids), connection=queue.connection, serializer=queue.serializer)
    return [
        PendingTask(job.func_name, dict(job.kwargs))
        for job in jobs
        if job is not None and job.func_name in paths
    ]
