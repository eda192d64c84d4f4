"""The database sink: one transaction per batch, raw events and roll-ups together.

Each batch inserts its id (``IngestBatch``, unique), its raw events and the increments of
its hourly and daily roll-ups in one transaction: a batch is either entirely counted or
not at all, and a batch replayed after a crash between commit and the spool file's removal
finds its id and is skipped. Roll-ups are incremented with ``INSERT … ON CONFLICT … DO
UPDATE SET count = count + excluded.count`` (the same SQL on SQLite and PostgreSQL), rows
in key order so that two web processes flushing at once never deadlock on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connections,
    models,
    transaction,
)
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from quartieri.analytics.ingest import (
    Batch,
    Event,
    LinkHit,
    PageHit,
    SinkRejectedError,
    SinkUnavailableError,
)
from quartieri.analytics.tracking import (
    DailyVisitor,
    EventKind,
    IngestBatch,
    LinkEvent,
    PageView,
    Period,
    Rollup,
)

UTC = dt.UTC
ALL_SITES = "*"  # the neighbourhood of the visitors-per-day row counting every site at once
_ROLLUP_KEY = ("period", "start", "kind", "campaign", "neighbourhood", "channel", "link_id")
_ROWS_PER_STATEMENT = 500


RollupKey = tuple[str, dt.datetime, str, str, str, str, int]


class DatabaseSink:
    """Writes batches to the project's database (``using`` alias)."""

    def __init__(self, *, timeout_ms: int, using: str = DEFAULT_DB_ALIAS) -> None:
        self.timeout_ms = timeout_ms
        self.using = using
        self._days: dict[int, tuple[dt.datetime, dt.date]] = {}

    def write(self, batch: Batch) -> bool:
        connection = connections[self.using]
        try:
            restore = self._short_waits(connection)
            try:
                return self._write(batch, connection)
            finally:
                restore()
        except (OperationalError, InterfaceError) as error:
            self._reset(connection)
            raise SinkUnavailableError(str(error).strip().splitlines()[0][:200]) from error
        except DatabaseError as error:
            raise SinkRejectedError(str(error)[:500]) from error

    def _write(self, batch: Batch, connection: BaseDatabaseWrapper) -> bool:
        with transaction.atomic(using=self.using):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = {int(self.timeout_ms)}")
                    cursor.execute(f"SET LOCAL statement_timeout = {int(self.timeout_ms) * 5}")
            try:
                with transaction.atomic(using=self.using):
                    IngestBatch.objects.using(self.using).create(
                        batch_id=batch.batch_id, events=len(batch.events), written_at=timezone.now()
                    )
            except IntegrityError:
                return False  # written before: a replay after a crash
            self._insert(batch.events, connection)
        return True

    def _short_waits(self, connection: BaseDatabaseWrapper) -> Any:
        """On SQLite, wait at most timeout_ms for the write lock (settings say 60 s, which
        would hold the flusher that long); return how to put the old wait back."""
        if connection.vendor != "sqlite":
            return lambda: None
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout")
            previous = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA busy_timeout = {int(self.timeout_ms)}")

        def restore() -> None:
            if connection.connection is not None:
                with connection.cursor() as again:
                    again.execute(f"PRAGMA busy_timeout = {previous}")

        return restore

    def _reset(self, connection: BaseDatabaseWrapper) -> None:
        # A broken connection is dropped so the next batch connects afresh; never inside
        # someone else's transaction (a test's).
        if not connection.in_atomic_block:
            connection.close()

    # --- Inserting -----------------------------------------------------------------------------
    def _insert(self, events: Sequence[Event], connection: BaseDatabaseWrapper) -> None:
        links = [e for e in events if isinstance(e, LinkHit)]
        pages = [e for e in events if isinstance(e, PageHit)]
        # Plain executemany, not bulk_create: at thousands of events a second the model
        # instances alone would cost the flusher (and the request threads sharing its
        # interpreter) more than the database does.
        adapt = _time_adapter(connection)
        _insert_rows(connection, LinkEvent, LINK_COLUMNS, [_link_row(e, adapt) for e in links])
        _insert_rows(connection, PageView, PAGE_COLUMNS, [_page_row(e, adapt) for e in pages])
        counts = self._counts(links, pages)
        for (day, site, simulated), keys in self._visitors(pages).items():
            new = _visitors_insert(connection, day=day, site=site, keys=keys)
            if new:
                start = self._day_of(day)
                key: RollupKey = (Period.DAY, start, EventKind.VISITOR, "", site, "", 0)
                _add(counts, key, new, bot=False, simulated=simulated)
        _rollups_increment(connection, counts)

    def _buckets(self, at: float) -> tuple[dt.datetime, dt.datetime, dt.date]:
        hour = int(at // 3600)
        found = self._days.get(hour)
        if found is None:
            start = dt.datetime.fromtimestamp(hour * 3600, tz=UTC)
            local = timezone.localtime(start).date()
            found = (_local_midnight(local), local)
            if len(self._days) > 10_000:
                self._days.clear()
            self._days[hour] = found
        return dt.datetime.fromtimestamp(hour * 3600, tz=UTC), found[0], found[1]

    def _day_of(self, day: dt.date) -> dt.datetime:
        return _local_midnight(day)

    def _counts(
        self, links: Iterable[LinkHit], pages: Iterable[PageHit]
    ) -> dict[RollupKey, list[int]]:
        counts: dict[RollupKey, list[int]] = defaultdict(lambda: [0, 0, 0])
        for hit in links:
            hour, day, _local = self._buckets(hit.at)
            for period, start in ((Period.HOUR, hour), (Period.DAY, day)):
                key = (
                    period,
                    start,
                    hit.kind,
                    hit.campaign,
                    hit.neighbourhood,
                    hit.channel,
                    hit.link_id,
                )
                _add(counts, key, 1, bot=hit.bot, simulated=hit.simulated)
        for page in pages:
            hour, day, _local = self._buckets(page.at)
            campaign, channel = page.utm_campaign[:200], page.utm_source[:100]
            for period, start in ((Period.HOUR, hour), (Period.DAY, day)):
                key = (period, start, EventKind.PAGEVIEW, campaign, page.neighbourhood, channel, 0)
                _add(counts, key, 1, bot=False, simulated=page.simulated)
        return counts

    def _visitors(self, pages: Iterable[PageHit]) -> dict[tuple[dt.date, str, bool], set[int]]:
        groups: dict[tuple[dt.date, str, bool], set[int]] = defaultdict(set)
        for page in pages:
            _hour, _day, local = self._buckets(page.at)
            groups[(local, page.neighbourhood, page.simulated)].add(page.visitor)
            groups[(local, ALL_SITES, page.simulated)].add(page.visitor)
        return groups


def _add(
    counts: dict[RollupKey, list[int]], key: RollupKey, n: int, *, bot: bool, simulated: bool
) -> None:
    row = counts[key]
    if bot:
        row[1] += n
    else:
        row[0] += n
    if simulated and not bot:
        row[2] += n  # "of which simulated" is a part of the people's count


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _utc(at: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(at, tz=UTC)


LINK_COLUMNS = (
    "at", "link_id", "kind", "channel", "neighbourhood", "campaign", "device", "country", "bot",
    "simulated",
)  # fmt: skip
PAGE_COLUMNS = (
    "at", "neighbourhood", "language", "path", "referrer", "utm_source", "utm_medium",
    "utm_campaign", "utm_content", "utm_term", "device", "country", "simulated",
)  # fmt: skip
Adapt = Callable[[float], Any]


def _time_adapter(connection: BaseDatabaseWrapper) -> Adapt:
    """Epoch seconds as the database's datetime column takes them.

    On SQLite Django stores naive UTC text (``adapt_datetimefield_value``: make_naive in the
    connection's zone, UTC, then ``str``); doing the same directly saves most of its cost,
    which at thousands of events a second is the flusher's largest Python expense.
    """
    if connection.vendor == "sqlite" and connection.timezone_name == "UTC":
        return lambda at: str(dt.datetime.fromtimestamp(at, tz=UTC).replace(tzinfo=None))
    adapt = connection.ops.adapt_datetimefield_value
    return lambda at: adapt(_utc(at))


def _link_row(hit: LinkHit, adapt: Adapt) -> tuple[Any, ...]:
    # Lengths cut to the columns': PostgreSQL refuses a longer value, and a refused batch
    # is set aside rather than counted.
    return (
        adapt(hit.at),
        hit.link_id,
        hit.kind,
        hit.channel[:30],
        hit.neighbourhood[:120],
        hit.campaign[:200],
        hit.device,
        hit.country[:2],
        hit.bot,
        hit.simulated,
    )


def _page_row(hit: PageHit, adapt: Adapt) -> tuple[Any, ...]:
    return (
        adapt(hit.at),
        hit.neighbourhood[:120],
        hit.language[:8],
        hit.path[:500],
        hit.referrer[:200],
        hit.utm_source[:100],
        hit.utm_medium[:100],
        hit.utm_campaign[:200],
        hit.utm_content[:100],
        hit.utm_term[:100],
        hit.device,
        hit.country[:2],
        hit.simulated,
    )


def _insert_rows(
    connection: BaseDatabaseWrapper,
    model: type[models.Model],
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows in one round trip: several times faster than INSERTs.
            copy_sql = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        cursor.executemany(
            f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})",  # noqa: S608 (names from the model, values bound)
            rows,
        )


def _visitors_insert(
    connection: BaseDatabaseWrapper, *, day: dt.date, site: str, keys: set[int]
) -> int:
    """Insert the day's visitor keys; returns how many were not seen that day before."""
    table = connection.ops.quote_name(DailyVisitor._meta.db_table)
    new = 0
    ordered = sorted(keys)
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), _ROWS_PER_STATEMENT):
            chunk = ordered[start : start + _ROWS_PER_STATEMENT]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            params: list[Any] = []
            for key in chunk:
                params += [connection.ops.adapt_datefield_value(day), site[:120], key]
            cursor.execute(
                f"INSERT INTO {table} (day, neighbourhood, visitor) VALUES {values} "  # noqa: S608 (names from the model, values bound)
                "ON CONFLICT (day, neighbourhood, visitor) DO NOTHING",
                params,
            )
            new += max(cursor.rowcount, 0)
    return new


def _rollups_increment(connection: BaseDatabaseWrapper, counts: dict[RollupKey, list[int]]) -> None:
    if not counts:
        return
    quote = connection.ops.quote_name
    table = quote(Rollup._meta.db_table)
    columns = ", ".join(quote(c) for c in (*_ROLLUP_KEY, "count", "bots", "simulated"))
    conflict = ", ".join(quote(c) for c in _ROLLUP_KEY)
    update = ", ".join(
        f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}"
        for c in ("count", "bots", "simulated")
    )
    rows = sorted(counts.items())
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _ROWS_PER_STATEMENT):
            chunk = rows[start : start + _ROWS_PER_STATEMENT]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            params: list[Any] = []
            for (period, begin, kind, campaign, place, channel, link_id), (n, bots, sim) in chunk:
                params += [
                    period,
                    connection.ops.adapt_datetimefield_value(begin),
                    kind,
                    campaign[:200],
                    place[:120],
                    channel[:100],
                    link_id,
                    n,
                    bots,
                    sim,
                ]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608 (names from the model, values bound)
                f"ON CONFLICT ({conflict}) DO UPDATE SET {update}",
                params,
            )
