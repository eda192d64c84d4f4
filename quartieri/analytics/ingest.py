"""Ingestion: events wait in memory, a background thread writes them in batches.

The redirect and the beacon only append a tuple to a deque (``EventBuffer.add``); they
never wait on a database write. Every ``ANALYTICS_FLUSH_MS`` (sooner when a batch is full)
the process's flusher thread takes up to ``ANALYTICS_BATCH_MAX`` events and hands them to
the sink, which writes them in ONE transaction together with their roll-up increments and
the batch's id. When the sink fails (database down, locked past ``ANALYTICS_DB_TIMEOUT_MS``)
the batch goes to the disk spool, fsynced, and is replayed when the sink answers again; the
batch id written in the same transaction makes a replay of a batch already written a
no-op, so every event is counted once. At exit (SIGTERM, end of the interpreter) what is in
memory is written or spooled. A process killed with SIGKILL loses what it had not flushed:
at most ``ANALYTICS_FLUSH_MS`` of events.

The sink is an interface (``EventSink``): ``DatabaseSink`` writes to the project's
database; another store (ClickHouse, docs/operations.md) would implement the same method.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import logging
import multiprocessing.util
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from django.conf import settings

logger = logging.getLogger(__name__)


class LinkHit(NamedTuple):
    at: float  # seconds since the epoch (UTC)
    link_id: int
    kind: str  # click | scan
    channel: str
    neighbourhood: str
    campaign: str
    device: str
    country: str
    bot: bool
    simulated: bool = False


class PageHit(NamedTuple):
    at: float
    neighbourhood: str
    language: str
    path: str
    referrer: str
    utm_source: str
    utm_medium: str
    utm_campaign: str
    utm_content: str
    utm_term: str
    device: str
    country: str
    visitor: int  # salted daily key (clients.visitor_key)
    simulated: bool = False


Event = LinkHit | PageHit


@dataclass
class Batch:
    events: list[Event]
    batch_id: str = field(default_factory=lambda: str(uuid.uuid4()))


class SinkUnavailableError(Exception):
    """The sink could not write the batch now; it is kept and tried again."""


class SinkRejectedError(Exception):
    """The store refused the batch's content, not its availability: retrying cannot help,
    so the batch is set aside in the spool's ``rejected`` folder for a person to look at."""


class EventSink(Protocol):
    def write(self, batch: Batch) -> bool:
        """Write the batch durably, all or nothing; False if it had been written before.
        Raise SinkUnavailableError when the store cannot take it now."""
        ...


# --- The disk spool ------------------------------------------------------------------------
def _encode(event: Event) -> list[object]:
    return ["L" if isinstance(event, LinkHit) else "P", *event]


def _decode(row: list[object]) -> Event:
    tag, *values = row
    if tag == "L":
        return LinkHit(*values)  # type: ignore[arg-type]
    return PageHit(*values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Claimed:
    path: Path
    original: Path
    batch: Batch


class Spool:
    """Batches the sink could not take, one fsynced file each, replayed oldest first.

    A replaying process claims a file by renaming it (atomic): two processes never replay
    the same file at once; a file claimed by a process that died is put back.
    """

    SUFFIX = ".jsonl"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def put(self, batch: Batch) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{batch.batch_id}{self.SUFFIX}"
        final = self.directory / name
        partial = self.directory / (name + ".part")
        lines = [json.dumps({"batch": batch.batch_id, "events": len(batch.events)})]
        lines += [json.dumps(_encode(event)) for event in batch.events]
        with open(partial, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, final)
        self._sync_directory()
        return final

    def _sync_directory(self) -> None:
        fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def pending(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob(f"*{self.SUFFIX}"))

    def claim_oldest(self) -> Claimed | None:
        for path in self.pending():
            claimed = path.with_name(f"{path.name}.claimed-{os.getpid()}")
            try:
                os.rename(path, claimed)
            except FileNotFoundError:
                continue  # another process claimed it first
            return Claimed(claimed, path, self._read(claimed))
        return None

    def _read(self, path: Path) -> Batch:
        lines = path.read_text(encoding="utf-8").splitlines()
        header = json.loads(lines[0])
        return Batch(
            events=[_decode(json.loads(line)) for line in lines[1:]], batch_id=header["batch"]
        )

    def release(self, claimed: Claimed) -> None:
        os.rename(claimed.path, claimed.original)

    def done(self, claimed: Claimed) -> None:
        claimed.path.unlink()
        self._sync_directory()

    def reject(self, batch: Batch) -> Path:
        """Keep a batch the store refuses where replay will not pick it up again."""
        return Spool(self.directory / "rejected").put(batch)

    def orphans(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return list(self.directory.glob(f"*{self.SUFFIX}.claimed-*"))

    def recover_orphans(self) -> int:
        """Put back the files claimed by processes of this machine that no longer run."""
        recovered = 0
        for path in self.orphans():
            pid = int(path.name.rsplit("-", 1)[1])
            if pid != os.getpid() and not _alive(pid):
                with contextlib.suppress(FileNotFoundError):
                    os.rename(path, path.with_name(path.name.split(".claimed-")[0]))
                    recovered += 1
        return recovered

    def events_waiting(self) -> int:
        total = 0
        for path in self.pending():
            with (
                contextlib.suppress(OSError, ValueError, KeyError),
                open(path, encoding="utf-8") as handle,
            ):
                total += int(json.loads(handle.readline())["events"])
        return total


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- The buffer and its flusher thread -------------------------------------------------------
@dataclass
class FlushReport:
    written: int = 0  # events written by the sink (new and replayed)
    replayed: int = 0  # of which from the spool
    spooled: int = 0  # events put on disk because the sink failed
    duplicates: int = 0  # events of replayed batches the sink had already written
    rejected: int = 0  # events the store refused (set aside, see Spool.reject)


class EventBuffer:
    """The in-memory queue of one process, and the thread that empties it."""

    def __init__(
        self,
        *,
        sink: EventSink,
        spool: Spool,
        flush_seconds: float,
        batch_max: int,
        background: bool = True,
    ) -> None:
        # background=False: no flusher thread; the owner calls flush_once() (tests step
        # through ingestion deterministically this way).
        self.background = background
        self.sink = sink
        self.spool = spool
        self.flush_seconds = flush_seconds
        self.batch_max = batch_max
        # Plain tuples ((is a page view, *fields)), not the NamedTuples themselves: the cyclic
        # collector stops tracking a plain tuple of numbers and strings, but never a tuple
        # subclass, and a backlog of tracked objects made every full collection pause the
        # request threads (the redirect's p99 rose past 100 ms under wrk).
        self._events: deque[tuple[Any, ...]] = deque()
        # next() on itertools.count is atomic under the GIL; "+= 1" from many threads is not.
        self._received = itertools.count()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._thread_pid = 0
        self._start_lock = threading.Lock()
        self.sink_down_since: float | None = None

    # Called on the hot path: an append, and once per process the thread start.
    def add(self, event: Event) -> None:
        self._events.append((type(event) is PageHit, *event))
        next(self._received)
        if self._thread_pid != os.getpid() and self.background:
            self._start_thread()
        if len(self._events) >= self.batch_max:
            self._wake.set()

    def __len__(self) -> int:
        return len(self._events)

    @property
    def received(self) -> int:
        """Events this process's endpoints handed over since it started."""
        return int(repr(self._received)[len("count(") : -1])

    def start_if_spooled(self) -> bool:
        """Start the flusher now if batches wait on disk (a web process starting after an
        outage or a stop that spooled): they are replayed without waiting for a hit."""
        if self.background and (self.spool.pending() or self.spool.orphans()):
            self._start_thread()
            return True
        return False

    def _start_thread(self) -> None:
        with self._start_lock:
            if self._thread_pid == os.getpid():
                return
            # A forked child inherits the deque but not the thread: its own starts here.
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="analytics-flusher", daemon=True)
            self._thread_pid = os.getpid()
            self._thread.start()
            atexit.register(self.drain_at_exit)
            # Granian's forked workers leave through multiprocessing, which runs its own
            # finalizers but not atexit's.
            multiprocessing.util.Finalize(self, self.drain_at_exit, exitpriority=50)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            try:
                self.flush_once()
            except Exception:  # noqa: BLE001 (the flusher must outlive any surprise)
                logger.exception("Analytics flush failed; events stay queued")
                time.sleep(self.flush_seconds)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=30)

    def drain_at_exit(self, *, write_seconds: float = 10.0) -> FlushReport:
        """Leave nothing in memory: write batches while ``write_seconds`` last (a server
        being stopped must not hang on a backlog), then put the rest on disk at once (it
        is replayed by the workers or the next start)."""
        if self._thread_pid != os.getpid():
            return FlushReport()  # a forked child that never took an event, or this ran already
        self._thread_pid = 0
        self.stop()
        report = FlushReport()
        deadline = time.monotonic() + write_seconds
        writing = True
        with self._flush_lock:
            while self._events:
                batch = self._take()
                # Once the store fails or time is up, the rest goes straight to disk.
                writing = writing and time.monotonic() < deadline and self._write(batch, report)
                if not writing:
                    self.spool.put(batch)
                    report.spooled += len(batch.events)
        # The benchmark adds these lines up to check that every answered hit was stored.
        logger.warning(
            "Analytics buffer of process %s stops: %s events received; at exit %s written, "
            "%s spooled",
            os.getpid(),
            self.received,
            report.written,
            report.spooled,
        )
        return report

    def drain(self) -> FlushReport:
        """Write (or spool) everything in memory: at exit, and by tests."""
        report = FlushReport()
        while self._events:
            step = self.flush_once()
            report.written += step.written
            report.spooled += step.spooled
            report.replayed += step.replayed
            report.duplicates += step.duplicates
            report.rejected += step.rejected
            if not (step.written or step.spooled or step.duplicates or step.rejected):
                break
        return report

    def flush_once(self) -> FlushReport:
        """Replay the spool (oldest first), then write one batch from memory."""
        report = FlushReport()
        with self._flush_lock:
            sink_ok = self._replay(report)
            batch = self._take()
            if batch.events and not (sink_ok and self._write(batch, report)):
                self.spool.put(batch)
                report.spooled += len(batch.events)
        return report

    def _take(self) -> Batch:
        events: list[Event] = []
        while self._events and len(events) < self.batch_max:
            row = self._events.popleft()
            events.append(PageHit(*row[1:]) if row[0] else LinkHit(*row[1:]))
        return Batch(events=events)

    def _write(self, batch: Batch, report: FlushReport, *, replay: bool = False) -> bool:
        """True when the batch is dealt with (written, written before, or set aside as
        refused); False when the sink is unavailable and the batch must wait."""
        count = len(batch.events)
        try:
            new = self.sink.write(batch)
        except SinkRejectedError as error:
            logger.error("Analytics store refused batch %s: %s", batch.batch_id, error)
            self.spool.reject(batch)
            report.rejected += count
            return True
        except SinkUnavailableError as error:
            if self.sink_down_since is None:
                self.sink_down_since = time.monotonic()
                logger.warning("Analytics store unavailable (%s): spooling to disk", error)
            return False
        if self.sink_down_since is not None:
            logger.warning(
                "Analytics store back after %.1f s", time.monotonic() - self.sink_down_since
            )
            self.sink_down_since = None
        if new:
            report.written += count
            report.replayed += count if replay else 0
        else:
            report.duplicates += count
        return True

    def _replay(self, report: FlushReport) -> bool:
        """Replay spooled batches; False as soon as the sink is unavailable."""
        self.spool.recover_orphans()
        while not self._stop.is_set() and (claimed := self.spool.claim_oldest()) is not None:
            if not self._write(claimed.batch, report, replay=True):
                self.spool.release(claimed)
                return False
            self.spool.done(claimed)
        return True


# --- The process's buffer --------------------------------------------------------------------
_buffer: EventBuffer | None = None
_buffer_lock = threading.Lock()


def event_buffer() -> EventBuffer:
    """This process's buffer, writing to the database (made on first use)."""
    global _buffer
    if _buffer is None:
        with _buffer_lock:
            if _buffer is None:
                from quartieri.analytics.sink import DatabaseSink

                _buffer = EventBuffer(
                    sink=DatabaseSink(timeout_ms=settings.ANALYTICS_DB_TIMEOUT_MS),
                    spool=Spool(settings.ANALYTICS_SPOOL_DIR),
                    flush_seconds=settings.ANALYTICS_FLUSH_MS / 1000,
                    batch_max=settings.ANALYTICS_BATCH_MAX,
                )
    return _buffer


def spool_replay() -> FlushReport:
    """Replay what waits in this machine's spool (workers' tick, `quartieri analytics replay`)."""
    buffer = event_buffer()
    report = FlushReport()
    if buffer.spool.pending() or buffer.spool.orphans():
        report = buffer.flush_once()
    return report


def events_write_now(events: Iterable[Event]) -> int:
    """Write events synchronously in batches (the demo's traffic generator, imports)."""
    from quartieri.analytics.sink import DatabaseSink

    sink = DatabaseSink(timeout_ms=settings.ANALYTICS_DB_TIMEOUT_MS)
    written = 0
    for chunk in _chunks(list(events), settings.ANALYTICS_BATCH_MAX):
        if sink.write(Batch(events=list(chunk))):
            written += len(chunk)
    return written


def _chunks(items: Sequence[Event], size: int) -> Iterator[Sequence[Event]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
