"""The RQ worker that ``quartieri worker`` runs when tasks go through Redis (``REDIS_URL``).

Two choices differ from RQ's defaults:

- **No work-horse.** Jobs run in the worker process itself (RQ's ``SimpleWorker``), not in
  a forked child: a killed worker then takes its job down with it, and the heartbeat
  sweeper re-queues it, instead of leaving an orphan child that finishes the job while it
  is run again elsewhere.
- **A prompt scheduler hand-over.** Tasks due later (every scheduled post) wait in RQ's
  scheduled registry, and one worker at a time, the one holding the scheduler's lock in
  Redis, moves them to the queue when due. A worker that started while another held the
  lock tries to take it again only at its maintenance round, every 10 minutes by default:
  after the lock holder stops, scheduled posts would wait up to that long. Here the round
  comes every ``RQ_MAINTENANCE_SECONDS`` (30).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rq.worker import SimpleWorker

# RQ waits for a job for worker_ttl minus this many seconds (BaseWorker.dequeue_timeout).
_DEQUEUE_MARGIN = 15


class QuartieriWorker(SimpleWorker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        every = settings.RQ_MAINTENANCE_SECONDS
        kwargs["maintenance_interval"] = every
        kwargs["worker_ttl"] = every + _DEQUEUE_MARGIN
        super().__init__(*args, **kwargs)
