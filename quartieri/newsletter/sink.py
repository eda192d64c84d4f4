"""The demo's local SMTP sink (aiosmtpd): it accepts every message and keeps it on disk.

``quartieri serve`` runs it on a sandbox platform (``quartieri newsletter sink``), where the
newsletter's SMTP URL points to it by default; the Mailbox page (views_mailbox.py) shows
what it holds. Each message is one ``.eml`` file per recipient, headed by ``X-Envelope-To``
and ``X-Envelope-From`` lines; the newest MAILBOX_KEEP are kept. Tests use ``SinkHandler``
directly, counting what arrives per recipient in memory.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

from aiosmtpd.controller import Controller

MAILBOX_KEEP = 2000
# aiosmtpd logs every connection at INFO: thousands of lines per issue.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class SinkHandler:
    """Accepts everything; counts per recipient and, with a folder, writes the message."""

    def __init__(self, folder: Path | None = None, *, keep: int = MAILBOX_KEEP) -> None:
        self.folder = folder
        self.keep = keep
        self.received: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.stored = 0
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        content = envelope.original_content or envelope.content
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.received[recipient.lower()] += 1
        if self.folder is not None:
            for recipient in envelope.rcpt_tos:
                self._store(recipient, envelope.mail_from or "", content)
        return "250 Message accepted"

    def _store(self, recipient: str, sender: str, content: bytes) -> None:
        if self.folder is None:
            return
        head = f"X-Envelope-To: {recipient}\r\nX-Envelope-From: {sender}\r\n".encode()
        name = f"{time.time_ns()}-{threading.get_ident() % 1000}.eml"
        (self.folder / name).write_bytes(head + content)
        self.stored += 1
        if self.stored % 100 == 0:
            for old in sorted(self.folder.glob("*.eml"))[: -self.keep]:
                old.unlink(missing_ok=True)


def sink_start(*, port: int, handler: SinkHandler) -> Controller:
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, decode_data=False, enable_SMTPUTF8=True
    )
    controller.start()
    return controller


def sink_serve(*, port: int, folder: Path) -> None:
    """Run until SIGTERM or SIGINT."""
    stop = threading.Event()

    def finish(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    controller = sink_start(port=port, handler=SinkHandler(folder))
    try:
        stop.wait()
    finally:
        controller.stop()
