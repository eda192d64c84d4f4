"""The mini-sites' periodic work, called by every worker after each heartbeat (core.workers).

A website or posters variant is released by the task its delivery enqueued for its time
(``release.py``). Should that task be lost, the tick enqueues another for a variant overdue
by ``release.OVERDUE``: one indexed query when nothing is overdue, made at most once a
minute per process. It enqueues rather than builds: the tick runs in the heartbeat thread,
which must keep beating while a build runs. Two tasks at once are harmless (the release
takes a lock and releases only what is still scheduled).
"""

from __future__ import annotations

import time
from datetime import datetime

from quartieri.minisites.release import OVERDUE, releases_due
from quartieri.minisites.tasks import release_due_task

EVERY_SECONDS = 60
_last_look: list[float] = []  # when this process last looked (monotonic seconds)


def tick(*, now: datetime) -> bool:
    """Enqueue a release when a variant is overdue; True when it did."""
    if _last_look and time.monotonic() - _last_look[0] < EVERY_SECONDS:
        return False
    _last_look[:] = [time.monotonic()]
    if not releases_due(now=now - OVERDUE).exists():
        return False
    release_due_task.enqueue()
    return True
