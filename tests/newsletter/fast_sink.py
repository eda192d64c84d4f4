"""A minimal SMTP server for the reliability test: it accepts everything and counts per
recipient, fast enough not to be the bottleneck of 20,000 messages on a shared machine.

It speaks what an SMTP client uses (RFC 5321: EHLO/HELO, MAIL, RCPT, DATA with dot-stuffed
content ending in CRLF.CRLF, RSET, NOOP, QUIT) and announces PIPELINING (RFC 2920): replies
are written in order as commands are read, however many arrive in one packet. A message
counts only once its final dot has arrived and been answered 250, as a real server would
queue it; a connection that breaks before the dot counts nothing. The aiosmtpd sink of the
demo (quartieri/newsletter/sink.py) is the other real server the tests use.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable


class _Session(asyncio.Protocol):
    def __init__(self, sink: FastSink) -> None:
        self.sink = sink
        self.buffer = b""
        self.in_data = False
        self.recipients: list[str] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.transport.write(b"220 fast sink ready\r\n")  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        if self.sink.holding:
            self.sink.parked.append((self, data))
            return
        self.buffer += data
        out: list[bytes] = []
        while True:
            if self.in_data:
                end = self.buffer.find(b"\r\n.\r\n")
                if end < 0:
                    break
                self.buffer = self.buffer[end + 5 :]
                self.in_data = False
                with self.sink.lock:
                    self.sink.received.update(self.recipients)
                self.recipients = []
                out.append(b"250 queued\r\n")
                continue
            line, sep, rest = self.buffer.partition(b"\r\n")
            if not sep:
                break
            self.buffer = rest
            out.append(self._command(line.decode("utf-8", "replace")))
            if self.in_data:
                # The content may start with the end marker's CRLF already consumed.
                self.buffer = b"\r\n" + self.buffer
        if out:
            self.transport.write(b"".join(out))  # type: ignore[attr-defined]

    def _command(self, line: str) -> bytes:
        verb = line[:4].upper()
        if verb in {"EHLO", "HELO"}:
            return b"250-fast sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
        if verb == "MAIL":
            self.recipients = []
            return b"250 ok\r\n"
        if verb == "RCPT":
            self.recipients.append(line.split(":", 1)[1].strip().strip("<>").lower())
            return b"250 ok\r\n"
        if verb == "DATA":
            if not self.recipients:
                return b"554 no valid recipients\r\n"
            self.in_data = True
            return b"354 go ahead\r\n"
        if verb == "RSET":
            self.recipients = []
            return b"250 ok\r\n"
        if verb == "QUIT":
            self.transport.close()
            return b"221 bye\r\n"
        return b"250 ok\r\n"


class FastSink:
    """``hold()`` makes it a server that stops answering (a slow one): what arrives is kept
    unread, nothing more is accepted, until ``release()``; the senders wait for replies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.received: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.holding = False
        self.parked: list[tuple[_Session, bytes]] = []
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            self.loop.create_server(lambda: _Session(self), "127.0.0.1", self.port)
        )
        self.ready.set()
        self.loop.run_forever()
        server.close()

    def __enter__(self) -> FastSink:
        self.thread.start()
        self.ready.wait(10)
        return self

    def _in_loop(self, action: Callable[[], None]) -> None:
        done = threading.Event()

        def run() -> None:
            action()
            done.set()

        self.loop.call_soon_threadsafe(run)
        done.wait(10)

    def hold(self) -> None:
        """From the moment this returns, no message completes until ``release``."""

        def start() -> None:
            self.holding = True

        self._in_loop(start)

    def release(self) -> None:
        def replay() -> None:
            self.holding = False
            parked, self.parked = self.parked, []
            for session, data in parked:
                session.data_received(data)

        self._in_loop(replay)

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
