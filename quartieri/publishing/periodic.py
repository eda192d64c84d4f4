"""Publishing's periodic work, called by every worker after each heartbeat.

``quartieri.core.workers.periodic_tick`` calls ``tick`` in every live worker every few
seconds. When an access token expires within ``refresh_margin()``, the worker enqueues
``refresh_expiring_tokens``, at most once every ``PUBLISHING_TOKEN_REFRESH_EVERY_SECONDS``
(default 300) per worker process. Several workers may each enqueue one: a run is safe in
parallel, since each renewal locks its credential row and re-checks it is still due.
"""

from __future__ import annotations

import time
from datetime import datetime

from django.conf import settings

from quartieri.publishing.connection import credentials_due, refresh_margin
from quartieri.publishing.tasks import refresh_expiring_tokens

# When this process last looked (monotonic seconds); per process, like the ticks themselves.
_last_look: dict[str, float] = {}


def tick(*, now: datetime) -> bool:
    """Enqueue the renewal of tokens about to expire; True when this call did."""
    every = float(getattr(settings, "PUBLISHING_TOKEN_REFRESH_EVERY_SECONDS", 300))
    last = _last_look.get("tokens")
    if last is not None and time.monotonic() - last < every:
        return False
    _last_look["tokens"] = time.monotonic()
    if not credentials_due(margin=refresh_margin()).exists():
        return False
    refresh_expiring_tokens.enqueue()
    return True
