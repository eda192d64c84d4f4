"""Reads about the platform itself: health of the database and the workers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from quartieri.core.models import WorkerHeartbeat
from quartieri.core.workers import live_worker_ids


@dataclass(frozen=True)
class Health:
    database: bool
    workers_alive: int
    last_heartbeat: datetime | None

    @property
    def ok(self) -> bool:
        return self.database and self.workers_alive > 0

    def as_json(self) -> dict[str, object]:
        return {
            "status": "ok" if self.ok else "degraded",
            "database": "ok" if self.database else "unreachable",
            "workers": {
                "alive": self.workers_alive,
                "last_heartbeat": (
                    timezone.localtime(self.last_heartbeat).isoformat()
                    if self.last_heartbeat
                    else None
                ),
                "stale_after_seconds": settings.WORKER_STALE_SECONDS,
                "backend": settings.TASK_BACKEND_NAME,
            },
        }


def health_check() -> Health:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        alive = len(live_worker_ids())
        last = (
            WorkerHeartbeat.objects.order_by("-last_seen")
            .values_list("last_seen", flat=True)
            .first()
        )
    except DatabaseError:
        return Health(database=False, workers_alive=0, last_heartbeat=None)
    return Health(database=True, workers_alive=alive, last_heartbeat=last)
