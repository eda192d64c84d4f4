"""Writes of the analytics app: the daily insights pull and the rows it stores.

``insights_pull`` reads, account by account, the figures of posts published in the last
``INSIGHTS_POST_DAYS`` days and the account's own daily figures, through the account's
connector (``publishing.connection.account_call``: an expired token is refreshed once).
Every call is read-only, so:

- ``RetryableError`` is retried with back-off (``INSIGHTS_READ_ATTEMPTS`` tries);
- ``RateLimited`` pauses the account (the outbox's own pause: the limit is the token's)
  and the pull goes on with the next account; figures read before are kept;
- a dead token marks the account for reconnection (one e-mail, as for publishing);
- a post the platform refuses to describe (deleted, too few viewers…) is counted as
  missing and the others go on.

Rows are upserted on (post, metric, day) and (account, metric, day): running the pull
twice on one day updates the figures and never duplicates them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from quartieri.analytics.metrics import ACCOUNT, POST, metric_definition
from quartieri.analytics.models import AccountMetric, InsightsRun, PostMetric
from quartieri.analytics.selectors import (
    account_skip_reason,
    insights_accounts,
    insights_entries,
)
from quartieri.channels.connection import (
    ReconnectNeededError,
    account_call,
    account_mark_reconnect_needed,
    account_pause,
)
from quartieri.channels.connectors.base import (
    Connector,
    MetricReading,
    PermanentError,
    RateLimited,
    RetryableError,
)
from quartieri.channels.models import ChannelAccount
from quartieri.publishing.models import OutboxEntry

logger = logging.getLogger(__name__)

OK, PARTIAL, FAILED = "ok", "partial", "failed"  # partial: the account's own figures refused
PAUSED, RECONNECT, RATE_LIMITED = "paused", "reconnect", "rate_limited"


@dataclass
class AccountOutcome:
    """What one pull did for one account (shown by the command, kept on the run)."""

    account_id: int
    account: str
    platform: str
    status: str = OK
    post_rows: int = 0  # post figures stored (one per post, metric and day)
    account_rows: int = 0  # account figures stored (one per metric and day)
    missing: int = 0  # posts the platform gave no figures for
    detail: str = ""


@dataclass
class PullReport:
    day: date
    outcomes: list[AccountOutcome] = field(default_factory=list)

    def summary(self) -> list[dict[str, Any]]:
        return [asdict(outcome) for outcome in self.outcomes]

    def as_json(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "accounts": self.summary()}


@dataclass(frozen=True)
class _Window:
    today: date  # post figures are running totals as they stand today (Europe/Rome)
    posts_since: datetime
    first_day: date  # account figures: each complete day from first_day to last_day
    last_day: date
    now: datetime


# --- The pull ------------------------------------------------------------------------------
def insights_pull(
    *, days: int | None = None, account_days: int | None = None, now: datetime | None = None
) -> PullReport:
    """Read and store today's figures for every connected account; safe to run twice."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    account_days = account_days or settings.INSIGHTS_ACCOUNT_DAYS
    window = _Window(
        today=today,
        posts_since=now - timedelta(days=days or settings.INSIGHTS_POST_DAYS),
        first_day=today - timedelta(days=account_days),
        last_day=today - timedelta(days=1),  # today is not over: its figures would be partial
        now=now,
    )
    report = PullReport(day=today)
    for account in insights_accounts():
        outcome = _pull_account(account, window=window)
        report.outcomes.append(outcome)
        level = logging.INFO if outcome.status == OK else logging.WARNING
        logger.log(level, "Insights of %s: %s %s", outcome.account, outcome.status, outcome.detail)
    return report


def _pull_account(account: ChannelAccount, *, window: _Window) -> AccountOutcome:
    outcome = AccountOutcome(account_id=account.pk, account=str(account), platform=account.platform)
    reason, until = account_skip_reason(account=account, now=window.now)
    if reason == PAUSED:
        outcome.status = PAUSED
        outcome.detail = _("Skipped: the account is paused by a rate limit until %(until)s.") % {
            "until": _local(until)
        }
    elif reason == RECONNECT:
        outcome.status = RECONNECT
        outcome.detail = _("Skipped: a person must reconnect the account first.")
    else:
        entries = insights_entries(account=account, since=window.posts_since)
        read = partial(
            _read_account, account=account, entries=entries, window=window, outcome=outcome
        )
        _call(account, read, outcome)
    return outcome


def _call(
    account: ChannelAccount, read: Callable[[Connector], None], outcome: AccountOutcome
) -> None:
    """Run ``read`` with the account's connector; the error taxonomy decides what follows."""
    try:
        account_call(account, read)
    except RateLimited as error:
        outcome.status = RATE_LIMITED
        outcome.detail = _(
            "Rate limited: the account is paused until %(until)s; figures read before are kept."
        ) % {"until": _local(account_pause(account, error))}
    except ReconnectNeededError as error:
        account_mark_reconnect_needed(account, str(error))
        outcome.status = RECONNECT
        outcome.detail = _("The platform refused the token and renewing it failed: reconnect.")
    except RetryableError as error:
        outcome.status = FAILED
        outcome.detail = _("The platform did not answer; the next run tries again (%(e)s).") % {
            "e": error.detail
        }
    except PermanentError as error:
        outcome.status = FAILED
        outcome.detail = f"{error.reason} {error.action}".strip()
    except Exception:  # noqa: BLE001 (one account's surprise must not stop the others)
        logger.exception("Insights of %s failed", account)
        outcome.status = FAILED
        outcome.detail = _("Unexpected error; the technical detail is in the log.")


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _read_account(
    connector: Connector,
    *,
    account: ChannelAccount,
    entries: list[OutboxEntry],
    window: _Window,
    outcome: AccountOutcome,
) -> None:
    """Everything read with one connector; account_call runs it again after a refresh."""
    outcome.status, outcome.post_rows, outcome.account_rows, outcome.missing = OK, 0, 0, 0
    notes = _read_posts(connector, entries=entries, window=window, outcome=outcome)
    try:
        readings = _with_retry(
            partial(
                connector.account_insights, first_day=window.first_day, last_day=window.last_day
            )
        )
        outcome.account_rows = account_metrics_upsert(
            account=account, readings=readings, day=window.today, now=window.now
        )
    except PermanentError as error:
        # Typically a permission the account did not grant (TikTok user.info.stats).
        outcome.status = PARTIAL
        notes.append(f"{error.reason} {error.detail}".strip())
    outcome.detail = "; ".join(notes)[:1000]


def _read_posts(
    connector: Connector, *, entries: list[OutboxEntry], window: _Window, outcome: AccountOutcome
) -> list[str]:
    """Post figures, a batch at a time, each batch stored as it arrives (a later rate limit
    keeps them); a batch the platform refuses counts as missing. Returns the refusals."""
    notes: list[str] = []
    by_post_id = {entry.platform_post_id: entry for entry in entries}
    ids = list(by_post_id)
    size = max(1, connector.insights_batch_size)
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        try:
            readings = _with_retry(partial(connector.post_insights, post_ids=chunk))
        except PermanentError as error:
            notes.append(error.detail or str(error.reason))
            readings = []
        outcome.post_rows += post_metrics_upsert(
            entries=by_post_id, readings=readings, day=window.today, now=window.now
        )
        outcome.missing += len(set(chunk) - {reading.object_id for reading in readings})
    return notes


def _with_retry[R](call: Callable[[], R]) -> R:
    """Run a read-only call, retrying RetryableError with exponential back-off."""
    attempts = max(1, int(getattr(settings, "INSIGHTS_READ_ATTEMPTS", 3)))
    delay = float(getattr(settings, "INSIGHTS_RETRY_SECONDS", 2.0))
    for attempt in range(1, attempts):
        try:
            return call()
        except RetryableError as error:
            logger.info("Insights read failed (attempt %s): %s", attempt, error.detail)
            time.sleep(delay * 2 ** (attempt - 1))
    return call()


# --- Storing -------------------------------------------------------------------------------
def post_metrics_upsert(
    *,
    entries: dict[str, OutboxEntry],
    readings: Sequence[MetricReading],
    day: date,
    now: datetime,
) -> int:
    """Store post readings (keyed by platform post id); returns the rows written."""
    rows: dict[tuple[int, str, date], PostMetric] = {}
    for reading in readings:
        entry = entries.get(reading.object_id)
        if entry is None:
            continue  # not a post we asked about
        platform = str(entry.account.platform)
        found = metric_definition(platform=platform, scope=POST, metric=reading.metric)
        row = PostMetric(
            entry=entry,
            account_id=entry.account_id,
            platform=platform,
            platform_post_id=reading.object_id,
            metric=reading.metric,
            name=found.name,
            kind=found.kind,
            source=found.source,
            day=reading.day or day,
            value=reading.value,
            fetched_at=now,
        )
        rows[(entry.pk, row.metric, row.day)] = row  # one row per key and statement
    PostMetric.objects.bulk_create(
        list(rows.values()),
        update_conflicts=True,
        unique_fields=["entry", "metric", "day"],
        update_fields=["value", "fetched_at", "name", "kind", "source", "platform_post_id"],
    )
    return len(rows)


def account_metrics_upsert(
    *, account: ChannelAccount, readings: Sequence[MetricReading], day: date, now: datetime
) -> int:
    """Store account readings; a running total without a day is today's."""
    rows: dict[tuple[str, date], AccountMetric] = {}
    for reading in readings:
        found = metric_definition(platform=account.platform, scope=ACCOUNT, metric=reading.metric)
        row = AccountMetric(
            account=account,
            platform=account.platform,
            metric=reading.metric,
            name=found.name,
            kind=found.kind,
            source=found.source,
            day=reading.day or day,
            value=reading.value,
            fetched_at=now,
        )
        rows[(row.metric, row.day)] = row
    AccountMetric.objects.bulk_create(
        list(rows.values()),
        update_conflicts=True,
        unique_fields=["account", "metric", "day"],
        update_fields=["value", "fetched_at", "name", "kind", "source"],
    )
    return len(rows)


# --- Daily runs ----------------------------------------------------------------------------
def insights_run_claim(
    *, day: date, trigger: str, claimed_by: str = "", now: datetime | None = None
) -> tuple[InsightsRun, bool]:
    """Claim ``day``'s pull: True for the one caller that created the row.

    The unique day makes this once across every worker and machine: a second insert fails
    and get_or_create returns the existing row instead.
    """
    return InsightsRun.objects.get_or_create(
        day=day,
        defaults={
            "trigger": trigger,
            "claimed_by": claimed_by,
            "claimed_at": now or timezone.now(),
        },
    )


def insights_run_finish(*, run_id: int, report: PullReport) -> None:
    InsightsRun.objects.filter(pk=run_id).update(
        finished_at=timezone.now(), summary=report.summary()
    )
