"""A small IMAP4rev1 server (RFC 3501) on loopback for the bounce reader's tests.

It speaks what a mailbox client needs: CAPABILITY, LOGIN (checking the password), SELECT,
UID SEARCH (ALL | UNSEEN), UID FETCH (RFC822), UID STORE (+FLAGS), EXPUNGE, LOGOUT, with
literals for message bodies, as Python's own imaplib expects them. Failure injection:
``refuse_login`` answers NO to LOGIN; ``drop_on_fetch`` closes the connection on the n-th
FETCH (a mailbox server going away mid-read).
"""

from __future__ import annotations

import re
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class StoredMessage:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


class FakeImap:
    def __init__(self, *, username: str = "bounces", password: str = "secret") -> None:  # noqa: S107
        self.username, self.password = username, password
        self.messages: list[StoredMessage] = []
        self.refuse_login = False
        self.drop_on_fetch: int | None = None
        self.fetches = 0
        self.lock = threading.Lock()
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                fake._session(self)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeImap:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def deliver(self, raw: bytes) -> None:
        with self.lock:
            self.messages.append(StoredMessage(uid=len(self.messages) + 1, raw=raw))

    def _session(self, handler: socketserver.StreamRequestHandler) -> None:
        out = handler.wfile
        out.write(b"* OK fake IMAP ready\r\n")
        authed = False
        for raw in handler.rfile:
            line = raw.decode().rstrip("\r\n")
            tag, _, rest = line.partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            if command == "CAPABILITY":
                out.write(b"* CAPABILITY IMAP4rev1 UIDPLUS\r\n" + f"{tag} OK done\r\n".encode())
            elif command == "LOGIN":
                user, password = (a.strip('"') for a in args.split(" ", 1))
                ok = not self.refuse_login and (user, password) == (self.username, self.password)
                authed = ok
                out.write(f"{tag} {'OK' if ok else 'NO'} login\r\n".encode())
            elif not authed and command != "LOGOUT":
                out.write(f"{tag} BAD log in first\r\n".encode())
            elif command == "SELECT":
                out.write(
                    f"* {len(self.messages)} EXISTS\r\n{tag} OK [READ-WRITE] selected\r\n".encode()
                )
            elif command == "UID":
                if not self._uid(tag, args, out):
                    return
            elif command == "EXPUNGE":
                with self.lock:
                    self.messages = [m for m in self.messages if "\\Deleted" not in m.flags]
                out.write(f"{tag} OK expunged\r\n".encode())
            elif command == "LOGOUT":
                out.write(f"* BYE\r\n{tag} OK bye\r\n".encode())
                return
            else:
                out.write(f"{tag} BAD unknown command\r\n".encode())

    def _uid(self, tag: str, args: str, out: object) -> bool:
        sub, _, rest = args.partition(" ")
        sub = sub.upper()
        write = out.write  # type: ignore[attr-defined]
        with self.lock:
            messages = list(self.messages)
        if sub == "SEARCH":
            unseen = "UNSEEN" in rest.upper()
            uids = [str(m.uid) for m in messages if not (unseen and "\\Seen" in m.flags)]
            write(f"* SEARCH {' '.join(uids)}\r\n{tag} OK search\r\n".encode())
        elif sub == "FETCH":
            self.fetches += 1
            if self.drop_on_fetch == self.fetches:
                return False
            uid = int(rest.split()[0])
            found = next(m for m in messages if m.uid == uid)
            write(
                f"* {uid} FETCH (UID {uid} RFC822 {{{len(found.raw)}}}\r\n".encode()
                + found.raw
                + b")\r\n"
            )
            write(f"{tag} OK fetch\r\n".encode())
        elif sub == "STORE":
            uid = int(rest.split()[0])
            flags = set(re.findall(r"\\\w+", rest))
            found = next(m for m in messages if m.uid == uid)
            found.flags |= flags
            write(f"{tag} OK store\r\n".encode())
        else:
            write(f"{tag} BAD\r\n".encode())
        return True
