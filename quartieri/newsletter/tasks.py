"""Newsletter tasks: thin wrappers taking ids, on the ``newsletter`` queue; safe twice."""

from __future__ import annotations

from django.tasks import TaskContext, task

from quartieri.newsletter.bounces import bounces_read_configured
from quartieri.newsletter.mail import confirmation_send
from quartieri.newsletter.sending import batch_send


def _worker(context: TaskContext[..., str]) -> str:
    # The id the worker's heartbeat beats for: a batch held by a dead worker is taken over.
    worker_ids = context.task_result.worker_ids
    return str(worker_ids[-1]) if worker_ids else f"task-{context.task_result.id}"


@task(queue_name="newsletter", takes_context=True)
def send_batch(context: TaskContext[..., str], *, batch_id: int) -> str:
    return batch_send(batch_id=batch_id, worker=_worker(context))


@task(queue_name="newsletter")
def send_confirmation(*, subscription_id: int) -> str:
    return confirmation_send(subscription_id=subscription_id)


@task(queue_name="newsletter")
def read_bounces() -> int:
    return bounces_read_configured()
