"""The daily trigger of the insights pull, called by every worker after each heartbeat.

``quartieri.core.workers.periodic_tick`` calls ``tick`` in every live worker every few
seconds. From ``INSIGHTS_HOUR`` (Europe/Rome) on, the first worker to insert the day's
``InsightsRun`` row enqueues ``pull_insights``; the others find the row and do nothing, so
the pull runs once a day however many workers and machines there are. A run claimed by the
``insights pull`` command (cron) counts too. If no worker runs all day, the day is skipped:
post figures are running totals and account figures are re-read over several days, so the
next run fills the gap.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from quartieri.analytics.models import InsightsRun
from quartieri.analytics.services import insights_run_claim
from quartieri.analytics.tasks import pull_insights
from quartieri.analytics.upkeep import measure_tick

logger = logging.getLogger(__name__)


def tick(*, now: datetime) -> bool:
    """Enqueue today's pull if it is time and nobody has; True when this call did."""
    _measure_tick(now)
    local = timezone.localtime(now)
    if not settings.INSIGHTS_DAILY or local.hour < settings.INSIGHTS_HOUR:
        return False
    # A plain read first: on SQLite a transaction takes the write lock, and this runs
    # every few seconds in every worker.
    if InsightsRun.objects.filter(day=local.date()).exists():
        return False
    with transaction.atomic():
        run, created = insights_run_claim(
            day=local.date(),
            trigger=InsightsRun.Trigger.WORKER,
            claimed_by=f"{socket.gethostname()[:30]}-{os.getpid()}",
            now=now,
        )
        if created:
            transaction.on_commit(partial(pull_insights.enqueue, run_id=run.pk))
    return created


def _measure_tick(now: datetime) -> None:
    """The measurement upkeep (analytics/upkeep.py): salts, retention. Its failure must not
    keep the insights pull from its turn."""
    try:
        measure_tick(now=now)
    except Exception:  # noqa: BLE001
        logger.exception("Analytics upkeep failed")
