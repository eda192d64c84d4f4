"""A small threaded HTTP server on which each platform fake is built.

A fake is a real HTTP server on 127.0.0.1 that speaks a platform's documented contract, so
the connectors are tested through their real HTTP code. Each fake subclass lists its routes
and how the platform words its errors; this module gives them:

- request recording (``requests``) and a lock for the fake's own state;
- fault injection on demand (``inject``): a 5xx, a rate limit with or without Retry-After,
  an expired token, or a *timeout after the side effect* (the handler runs, so the post
  exists, but the answer comes too late or the connection drops);
- ``run_standalone`` for ``python -m quartieri.channels.kinds.<slug>.fake``;
- ``GET /_sandbox/posts``, a read-only listing of what the fake recorded
  (``sandbox_posts``), which the demo sandbox's viewer reads over HTTP.
"""

from __future__ import annotations

import argparse
import enum
import json
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from quartieri.channels.connectors.http import SANDBOX_LISTING


class FaultKind(enum.StrEnum):
    SERVER_ERROR = "server_error"  # 500 in the platform's words; nothing happens
    RATE_LIMITED = "rate_limited"  # the platform's rate-limit answer; nothing happens
    TOKEN_EXPIRED = "token_expired"  # noqa: S105 (a fault name, not a secret)
    PLATFORM_ERROR = "platform_error"  # any documented error code (``code``, ``subcode``)
    TIMEOUT_AFTER_EFFECT = "timeout_after_effect"  # acts, then answers after `delay` s
    DROP_AFTER_EFFECT = "drop_after_effect"  # acts, then closes without answering


@dataclass
class Fault:
    kind: FaultKind
    path: re.Pattern[str]
    method: str | None = None
    times: int = 1
    retry_after: float | None = None  # seconds for the Retry-After header (None: no header)
    delay: float = 2.0  # for TIMEOUT_AFTER_EFFECT
    code: int | str | None = None  # the platform's error code (Meta 4, 17…; TikTok names)
    subcode: int | None = None  # Meta error_subcode
    status: int | None = None  # HTTP status to answer with (default: the platform's usual)
    headers: dict[str, str] = field(default_factory=dict)  # extra answer headers


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes

    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def form(self) -> dict[str, str]:
        content_type = self.headers.get("Content-Type", "")
        if "application/x-www-form-urlencoded" not in content_type:
            return {}
        parsed = parse_qs(self.body.decode("utf-8"), keep_blank_values=True)
        return {key: values[-1] for key, values in parsed.items()}

    def param(self, name: str, default: str = "") -> str:
        """A parameter from the query string, a form body or a JSON body, in that order."""
        if name in self.query:
            return self.query[name][-1]
        form = self.form()
        if name in form:
            return form[name]
        value = self.json().get(name, default)
        return value if isinstance(value, str) else json.dumps(value)

    def bearer_token(self) -> str:
        auth = self.headers.get("Authorization", "")
        if auth.startswith(("Bearer ", "OAuth ")):
            return auth.split(" ", 1)[1].strip()
        return self.param("access_token")


@dataclass
class FakeResponse:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[FakeRequest, re.Match[str]], FakeResponse]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


def route(method: str, pattern: str, handler: Handler) -> Route:
    return Route(method, re.compile(f"^{pattern}$"), handler)


class FakeServer:
    """Base of the platform fakes. Subclasses define ``routes`` and ``error_response``."""

    name = "fake"
    verbose = False  # the standalone runner logs each request

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.lock = threading.RLock()
        self.requests: list[FakeRequest] = []
        self.expired_tokens: set[str] = set()
        self._faults: list[Fault] = []
        self._routes = self.routes()
        self._httpd = ThreadingHTTPServer((host, port), _handler_class(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- To override ------------------------------------------------------------------------
    def routes(self) -> Sequence[Route]:
        raise NotImplementedError

    def error_response(self, kind: FaultKind, fault: Fault | None = None) -> FakeResponse:
        raise NotImplementedError

    def sandbox_posts(self) -> list[dict[str, Any]]:
        """What the fake has published, for ``GET /_sandbox/posts`` (the sandbox viewer).

        Each post: ``id``, ``aliases`` (other ids the platform gives it), ``account``,
        ``kind``, ``text``, ``media`` (``[{"url", "kind"}]``), ``options``, ``created`` (Unix
        time) and ``status``. Fakes that do not describe their posts list none.
        """
        return []

    # --- Life cycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        # A short poll interval keeps stop() (and so each test's teardown) fast.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def detach(self) -> Self:
        """Close this fake's own socket: another server dispatches requests to it (the
        sandbox puts Instagram and Facebook fakes behind one Graph address)."""
        self._httpd.server_close()
        return self

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- Failure injection ------------------------------------------------------------------
    def inject(
        self,
        kind: FaultKind,
        *,
        path: str = ".*",
        method: str | None = None,
        times: int = 1,
        retry_after: float | None = None,
        delay: float = 2.0,
        code: int | str | None = None,
        subcode: int | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Make the next ``times`` requests matching ``path`` (a regex) fail as ``kind``."""
        fault = Fault(
            kind, re.compile(path), method, times, retry_after, delay, code, subcode, status
        )
        fault.headers = dict(headers or {})
        with self.lock:
            self._faults.append(fault)

    def expire_token(self, token: str) -> None:
        with self.lock:
            self.expired_tokens.add(token)

    def token_is_valid(self, token: str) -> bool:
        with self.lock:
            return bool(token) and token not in self.expired_tokens

    def _take_fault(self, request: FakeRequest) -> Fault | None:
        with self.lock:
            for fault in self._faults:
                if fault.method and fault.method != request.method:
                    continue
                if fault.path.search(request.path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    # --- Dispatch ---------------------------------------------------------------------------
    def dispatch(self, request: FakeRequest) -> tuple[FakeResponse, Fault | None]:
        if request.method == "GET" and request.path == SANDBOX_LISTING:
            # Read-only and outside the platform's contract: not recorded, never faulted.
            with self.lock:
                posts = self.sandbox_posts()
            return FakeResponse(200, {"platform": self.name, "posts": posts}), None
        with self.lock:
            self.requests.append(request)
        fault = self._take_fault(request)
        if fault is not None and fault.kind in _BEFORE_EFFECT:
            return self.error_response(fault.kind, fault), fault
        for candidate in self._routes:
            match = candidate.pattern.match(request.path)
            if match and candidate.method == request.method:
                return candidate.handler(request, match), fault
        return FakeResponse(404, {"error": f"no route for {request.method} {request.path}"}), None

    def requests_to(self, pattern: str) -> list[FakeRequest]:
        with self.lock:
            return [request for request in self.requests if re.search(pattern, request.path)]


_BEFORE_EFFECT = {
    FaultKind.SERVER_ERROR,
    FaultKind.RATE_LIMITED,
    FaultKind.TOKEN_EXPIRED,
    FaultKind.PLATFORM_ERROR,
}


def _handler_class(fake: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as separate writes; without this each answer waits for
        # a delayed ACK (~40 ms) and a test making fifty calls crawls.
        disable_nagle_algorithm = True

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = FakeRequest(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers=self.headers,
                body=self.rfile.read(length) if length else b"",
            )
            response, fault = fake.dispatch(request)
            if fault is not None and fault.kind == FaultKind.DROP_AFTER_EFFECT:
                self.close_connection = True
                return
            if fault is not None and fault.kind == FaultKind.TIMEOUT_AFTER_EFFECT:
                time.sleep(fault.delay)
            self._write(response)

        def _write(self, response: FakeResponse) -> None:
            payload = b"" if response.body is None else json.dumps(response.body).encode()
            try:
                self.send_response(response.status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                # The client gave up waiting (a timeout fault): exactly what was asked for.
                self.close_connection = True

        # http.server dispatches on these names.
        do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            # Quiet in tests; the standalone runner prints requests itself.
            if fake.verbose:
                super().log_message(format, *args)

    return Handler


def run_standalone(fake_class: Callable[..., FakeServer], argv: Sequence[str] | None) -> None:
    """Command-line entry of a fake: ``python -m …fake --port 8765``."""
    parser = argparse.ArgumentParser(description=f"Run the local {fake_class.__name__}.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--processing-seconds",
        type=float,
        default=2.0,
        help="how long the fake platform takes to process a post",
    )
    args = parser.parse_args(argv)
    fake = fake_class(host=args.host, port=args.port, processing_seconds=args.processing_seconds)
    fake.verbose = True
    print(f"{fake_class.__name__} listening on {fake.url} (Ctrl-C stops it)", flush=True)  # noqa: T201
    try:
        fake._httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake._httpd.server_close()
