"""Publishing tasks: thin wrappers taking ids, on the ``publishing`` queue.

Each is safe to run twice (the outbox services claim the entry by state and version), which
is what lets the sweeper re-queue the task of a killed worker.
"""

from __future__ import annotations

from dataclasses import asdict

from django.tasks import TaskContext, task

from quartieri.channels.connection import credential_refresh_expiring
from quartieri.publishing.outbox import (
    outbox_poll,
    outbox_publish,
    outbox_reconcile,
)


def _worker(context: TaskContext[..., str]) -> str:
    # The backend's worker id is what heartbeats know: a claim by a dead worker is taken over.
    worker_ids = context.task_result.worker_ids
    return str(worker_ids[-1]) if worker_ids else ""


@task(queue_name="publishing", takes_context=True)
def publish_entry(context: TaskContext[..., str], *, entry_id: int, version: int) -> str:
    return outbox_publish(entry_id=entry_id, version=version, worker=_worker(context))


@task(queue_name="publishing", takes_context=True)
def poll_entry(context: TaskContext[..., str], *, entry_id: int) -> str:
    return outbox_poll(entry_id=entry_id, worker=_worker(context))


@task(queue_name="publishing", takes_context=True)
def reconcile_entry(context: TaskContext[..., str], *, entry_id: int) -> str:
    return outbox_reconcile(entry_id=entry_id, worker=_worker(context))


@task(queue_name="publishing")
def refresh_expiring_tokens() -> dict[str, int]:
    """Renew tokens expiring soon (run it every few minutes: docs/operations.md)."""
    return asdict(credential_refresh_expiring())
