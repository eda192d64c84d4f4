"""The send journal: which messages a worker handed to an SMTP server, kept on local disk,
so that the batch of a worker that died is taken over knowing what reached a server.

What SMTP can tell (RFC 5321 §4.1.1.4): a server delivers a message once it has read the
end-of-data dot, and discards it when the connection drops before that. A dot written to
the socket reaches the server even if the worker dies before reading the reply: the kernel
still sends the buffered bytes and the FIN (or, once the reply has arrived unread, the RST
that follows it, after the server has already taken the message). So, per message, the
worker appends to its journal (one file per batch run, ``NEWSLETTER_JOURNAL_DIR``):

- ``D <row>``: the end of data of ledger row ``row`` is about to be written (the message
  body is already with the kernel; only the dot is missing);
- ``W <row>``: the dot was written to the socket;
- ``R <row> <outcome>``: the server's reply (``smtp.Outcome``).

Each line is one ``write`` on a file opened with O_APPEND: a SIGKILL lands before or
after it, never inside, and what was written stays in the page cache, which outlives the
process (no fsync: a power cut, which loses the page cache, is the one case this does not
cover; docs/newsletter.md). The writer holds an exclusive ``flock`` on its journal while
it is open; the kernel drops it when the process dies, so a journal that can be locked is
one whose writer is gone (``journal_read``), and a process that only stalled is never
mistaken for a dead one.

How a taker-over settles a dead worker's reserved rows (``settlement``): no line → the
message never reached a server, send it again; ``W`` without ``R`` → the server has it,
``unconfirmed``; an ``R`` → what the server said; ``D`` alone → the worker died in the
instant between the journal line and the socket write, or just after it: unknown, and
recorded ``uncertain`` (never twice). A journal written on another machine is not here:
its rows stay uncertain.
"""

from __future__ import annotations

import contextlib
import enum
import fcntl
import logging
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_LINE = re.compile(rb"([DWR]) (\d+)(?: (\w+))?")


class JournalError(Exception):
    """The journal could not be written: nothing more may be handed over (a message sent
    without its line could later be sent twice)."""


def journal_path(*, batch_id: int, worker: str) -> Path:
    """The journal of one worker's run of one batch."""
    return Path(settings.NEWSLETTER_JOURNAL_DIR) / f"b{batch_id}-{_UNSAFE.sub('_', worker)}.log"


class Journal:
    """A batch run's journal, open and locked from the claim to the end of the run."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
        try:
            self._fd = os.open(path, flags, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            raise JournalError(f"cannot open the send journal {path}: {error}") from error

    def _line(self, line: bytes) -> None:
        try:
            os.write(self._fd, line)
        except OSError as error:
            raise JournalError(f"cannot write the send journal {self.path}: {error}") from error

    # The three moments, called by the SMTP client (smtp.Witness).
    def before_dot(self, key: int) -> None:
        self._line(b"D %d\n" % key)

    def dot_written(self, key: int) -> None:
        self._line(b"W %d\n" % key)

    def replied(self, key: int, outcome: str) -> None:
        self._line(b"R %d %s\n" % (key, outcome.encode()))

    def close(self, *, remove: bool) -> None:
        """End the run: ``remove`` once the ledger holds everything the journal says."""
        if remove:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
        os.close(self._fd)


class Found(enum.StrEnum):
    READ = "read"
    MISSING = "missing"  # never written here: another machine (or another data folder)
    HELD = "held"  # its writer is still alive (stalled, not dead)


@dataclass(frozen=True)
class Recorded:
    """What one worker's journal says about its ledger rows."""

    found: Found
    before_dot: set[int] = field(default_factory=set)
    written: set[int] = field(default_factory=set)
    replies: dict[int, str] = field(default_factory=dict)


def journal_read(path: Path) -> Recorded:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return Recorded(Found.MISSING)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return Recorded(Found.HELD)
        with os.fdopen(os.dup(fd), "rb") as stream:
            data = stream.read()
    finally:
        os.close(fd)
    recorded = Recorded(Found.READ)
    for line in data.splitlines():
        match = _LINE.fullmatch(line)
        if match is None:
            continue  # not ours; a line is written whole or not at all
        mark, key = match[1], int(match[2])
        if mark == b"D":
            recorded.before_dot.add(key)
        elif mark == b"W":
            recorded.written.add(key)
        else:
            recorded.replies[key] = (match[3] or b"").decode()
    return recorded


class Settled(enum.StrEnum):
    """What becomes of a dead worker's reserved ledger row."""

    RESEND = "resend"  # no line: it never reached a server
    SENT = "sent"
    UNCONFIRMED = "unconfirmed"  # the dot was written, the reply never read
    FAILED = "failed"
    UNCERTAIN = "uncertain"


# The server's reply as recorded (smtp.Outcome's values) → the row's fate.
_BY_REPLY = {
    "sent": Settled.SENT,
    "refused": Settled.FAILED,
    "retry": Settled.RESEND,
    "unknown": Settled.UNCERTAIN,
}


def settlement(recorded: Recorded, key: int) -> Settled:
    if recorded.found != Found.READ:
        return Settled.UNCERTAIN
    if key in recorded.replies:
        return _BY_REPLY.get(recorded.replies[key], Settled.UNCERTAIN)
    if key in recorded.written:
        return Settled.UNCONFIRMED
    if key in recorded.before_dot:
        return Settled.UNCERTAIN
    return Settled.RESEND


def journal_retire(path: Path) -> None:
    """Keep a settled journal beside the others as ``….settled`` (what happened to the
    uncertain ones, for a person) until ``journals_prune`` removes it."""
    with contextlib.suppress(FileNotFoundError):
        path.rename(path.with_name(f"{path.name}.{time.time_ns()}.settled"))


def journals_prune(*, older_than_seconds: float) -> int:
    """Remove journals untouched for that long whose writer is gone; returns how many."""
    folder = Path(settings.NEWSLETTER_JOURNAL_DIR)
    if not folder.is_dir():
        return 0
    cutoff, removed = time.time() - older_than_seconds, 0
    for path in folder.glob("b*.log*"):
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < cutoff and journal_read(path).found != Found.HELD:
                path.unlink()
                removed += 1
    return removed
