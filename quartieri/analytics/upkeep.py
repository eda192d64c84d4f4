"""Upkeep of the measurement tables: daily salts, raw-event retention, visitor keys.

``measure_tick`` runs from ``analytics.periodic.tick`` in every worker after each
heartbeat. It is one indexed read when there is nothing to do; the hourly chore is claimed
with a unique (name, hour) row so one worker does it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from quartieri.analytics.ingest import spool_replay
from quartieri.analytics.tracking import (
    Chore,
    DailySalt,
    DailyVisitor,
    IngestBatch,
    LinkEvent,
    PageView,
)

logger = logging.getLogger(__name__)

PRUNE_CHORE = "prune"
DELETE_CHUNK = 5000


def daily_salt(*, day: dt.date) -> bytes:
    """The salt of ``day``, made on first use (16 random bytes, never derived)."""
    found = DailySalt.objects.filter(day=day).values_list("salt", flat=True).first()
    if found is not None:
        return bytes(found)
    try:
        with transaction.atomic():
            DailySalt.objects.create(day=day, salt=os.urandom(16))
    except IntegrityError:
        pass  # another process made it first: use theirs
    return bytes(DailySalt.objects.values_list("salt", flat=True).get(day=day))


@dataclass(frozen=True)
class PruneReport:
    link_events: int
    page_views: int
    batches: int
    salts: int
    visitor_keys: int

    def as_json(self) -> dict[str, int]:
        return {
            "link_events": self.link_events,
            "page_views": self.page_views,
            "batches": self.batches,
            "salts": self.salts,
            "visitor_keys": self.visitor_keys,
        }


def measurements_prune(*, now: dt.datetime, retention_days: int | None = None) -> PruneReport:
    """Delete raw events past retention, and salts and visitor keys older than yesterday.

    Roll-ups stay: they hold every figure the dashboards show. A salt is kept for its day
    and the next one (a batch spooled before midnight may still need its day's visitor
    keys), so it is deleted 24 to 48 hours after its day ends.
    """
    days = retention_days or settings.ANALYTICS_RAW_RETENTION_DAYS
    cutoff = now - dt.timedelta(days=days)
    yesterday = timezone.localdate(now) - dt.timedelta(days=1)
    return PruneReport(
        link_events=_delete_in_chunks(LinkEvent.objects.filter(at__lt=cutoff)),
        page_views=_delete_in_chunks(PageView.objects.filter(at__lt=cutoff)),
        batches=_delete_in_chunks(IngestBatch.objects.filter(written_at__lt=cutoff)),
        salts=DailySalt.objects.filter(day__lt=yesterday).delete()[0],
        visitor_keys=_delete_in_chunks(DailyVisitor.objects.filter(day__lt=yesterday)),
    )


def _delete_in_chunks(rows: models.QuerySet[models.Model]) -> int:
    """Short transactions: a big delete must not hold SQLite's write lock for long."""
    deleted = 0
    while True:
        ids = list(rows.values_list("pk", flat=True)[:DELETE_CHUNK])
        if not ids:
            return deleted
        deleted += rows.model._default_manager.filter(pk__in=ids).delete()[0]


def chore_claim(*, name: str, slot: dt.datetime, now: dt.datetime) -> bool:
    """True for the one caller that claims ``name`` for ``slot``."""
    if Chore.objects.filter(name=name, slot=slot).exists():
        return False
    try:
        with transaction.atomic():
            Chore.objects.create(name=name, slot=slot, claimed_at=now)
    except IntegrityError:
        return False
    return True


def measure_tick(*, now: dt.datetime) -> PruneReport | None:
    """Every tick: replay this machine's spool if anything waits there (one directory
    listing when nothing does). Once an hour across all workers: today's salt, pruning."""
    replayed = spool_replay()
    if replayed.written or replayed.duplicates:
        logger.info("Analytics spool replayed: %s events", replayed.written)
    slot = now.replace(minute=0, second=0, microsecond=0)
    if not chore_claim(name=PRUNE_CHORE, slot=slot, now=now):
        return None
    daily_salt(day=timezone.localdate(now))
    report = measurements_prune(now=now)
    Chore.objects.filter(name=PRUNE_CHORE, slot=slot).update(detail=report.as_json())
    # Chore rows themselves: a day's worth is plenty to see that the chore runs.
    Chore.objects.filter(slot__lt=now - dt.timedelta(days=2)).delete()
    if any(report.as_json().values()):
        logger.info("Analytics upkeep: %s", report.as_json())
    return report
