"""Publishing's periodic work, called by every worker after each heartbeat.

``quartieri.core.workers.periodic_tick`` calls ``tick`` in every live worker every few
seconds. Each job below runs at most once per its interval in each worker process:

- **tokens**: when an access token expires within ``refresh_margin()``, enqueue
  ``refresh_expiring_tokens`` (every ``PUBLISHING_TOKEN_REFRESH_EVERY_SECONDS``, default
  300). Several workers may each enqueue one: a run is safe in parallel, since each renewal
  locks its credential row and re-checks it is still due.
- **sweep**: ``outbox_sweep`` gives a task again to posts whose task was lost (every
  ``PUBLISHING_SWEEP_EVERY_SECONDS``, default 120). It runs here rather than as a task, so
  that it looks at the queue even while a backlog of publish tasks fills it; two workers
  sweeping at once at worst enqueue a task twice, which the outbox's claim makes harmless.
"""

from __future__ import annotations

import time
from datetime import datetime

from quartieri.channels.connection import credentials_due, refresh_margin, setting_number
from quartieri.publishing.sweep import outbox_sweep
from quartieri.publishing.tasks import refresh_expiring_tokens

# When this process last ran each job (monotonic seconds); per process, like the ticks.
_last_look: dict[str, float] = {}


def tick(*, now: datetime) -> bool:
    """Do the jobs whose time has come; True when one of them enqueued work."""
    renewing = _time_for("tokens", "PUBLISHING_TOKEN_REFRESH_EVERY_SECONDS", 300) and _tokens()
    sweeping = _time_for("sweep", "PUBLISHING_SWEEP_EVERY_SECONDS", 120) and _sweep(now=now)
    return renewing or sweeping


def _time_for(job: str, setting: str, default: float) -> bool:
    last = _last_look.get(job)
    if last is not None and time.monotonic() - last < setting_number(setting, default):
        return False
    _last_look[job] = time.monotonic()
    return True


def _tokens() -> bool:
    if not credentials_due(margin=refresh_margin()).exists():
        return False
    refresh_expiring_tokens.enqueue()
    return True


def _sweep(*, now: datetime) -> bool:
    return outbox_sweep(now=now) > 0
