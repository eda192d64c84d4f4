"""Settings of the worker processes in test_outbox_reliability: the real settings with the
outbox's waits shortened so that a run with injected faults takes seconds, not hours."""

from quartieri.settings import *  # noqa: F403

PUBLISHING_POLL_DELAYS = (0, 0.2, 0.4)
PUBLISHING_POLL_TASK_SECONDS = 0.5
PUBLISHING_RECONCILE_DELAY_SECONDS = 1
PUBLISHING_RETRY_SECONDS = 0.5
PUBLISHING_RATE_LIMIT_PAUSE_SECONDS = 1
PUBLISHING_HTTP_TIMEOUT_SECONDS = 1.0
PUBLISHING_MEDIA_URL = "https://media.example.org/"
# The fakes' own app keys.
TIKTOK_CLIENT_KEY = "fake-client-key"
TIKTOK_CLIENT_SECRET = "fake-client-secret"  # noqa: S105
# The daily insights pull would add read calls to the fakes the counts are taken from.
INSIGHTS_DAILY = False
# The outbox sweep runs often and soon, so that it looks at a queue full of waiting tasks
# while workers are killed: it must give a task only to a post whose task was lost.
PUBLISHING_SWEEP_EVERY_SECONDS = 2
PUBLISHING_SWEEP_GRACE_SECONDS = 5
