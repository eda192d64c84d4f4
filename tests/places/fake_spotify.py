"""A local fake of the Spotify Web API endpoints the connector uses, on 127.0.0.1.

GET /v1/me, POST /v1/me/playlists, GET /v1/search, POST /v1/playlists/{id}/items.
Failure injection: ``fail(path_prefix, status, times, headers)`` answers the next ``times``
requests whose path starts with ``path_prefix`` with ``status``. Everything created is
recorded in ``playlists`` (id -> {"name", "description", "public", "items"}).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "fake-valid-token"


@dataclass
class Fault:
    prefix: str
    status: int
    times: int
    headers: dict[str, str] = field(default_factory=dict)


class FakeSpotify:
    def __init__(self) -> None:
        self.playlists: dict[str, dict[str, Any]] = {}
        self.catalogue: dict[str, str] = {}  # "title|artist" lower -> track id
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake.handle(self, "GET")

            def do_POST(self) -> None:
                fake.handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeSpotify:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(
        self, prefix: str, status: int, times: int = 1, headers: dict[str, str] | None = None
    ) -> None:
        self.faults.append(Fault(prefix, status, times, headers or {}))

    def _reply(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        body: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def _error(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._reply(h, status, {"error": {"status": status, "message": message}}, headers)

    def handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        with self.lock:
            self.requests.append((method, parts.path))
            for fault in self.faults:
                if fault.times > 0 and parts.path.startswith(fault.prefix):
                    fault.times -= 1
                    self._error(h, fault.status, "injected fault", fault.headers)
                    return
        if h.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._error(h, 401, "The access token expired")
            return
        path = parts.path
        if method == "GET" and path == "/v1/me":
            self._reply(h, 200, {"id": "comune-demo", "display_name": "Comune"})
        elif method == "POST" and path == "/v1/me/playlists":
            body = json.loads(raw or b"{}")
            if not body.get("name"):
                self._error(h, 400, "Missing name")
                return
            with self.lock:
                pid = f"pl{len(self.playlists) + 1:020d}"[:22]
                self.playlists[pid] = {**body, "items": []}
            self._reply(
                h,
                201,
                {
                    "id": pid,
                    "name": body["name"],
                    "external_urls": {"spotify": f"https://open.spotify.com/playlist/{pid}"},
                },
            )
        elif method == "GET" and path == "/v1/search":
            q = parse_qs(parts.query).get("q", [""])[0].lower()
            items = [
                {"uri": f"spotify:track:{tid}", "id": tid}
                for key, tid in self.catalogue.items()
                if all(part in q for part in key.split("|"))
            ]
            self._reply(h, 200, {"tracks": {"items": items[:1], "total": len(items)}})
        elif method == "POST" and path.startswith("/v1/playlists/") and path.endswith("/items"):
            pid = path.split("/")[3]
            if pid not in self.playlists:
                self._error(h, 404, "Not found")
                return
            body = json.loads(raw or b"[]")
            uris = body.get("uris", []) if isinstance(body, dict) else body
            if len(uris) > 100 or any(not str(u).startswith("spotify:track:") for u in uris):
                self._error(h, 400, "Invalid uris")
                return
            with self.lock:
                self.playlists[pid]["items"].extend(uris)
            self._reply(h, 201, {"snapshot_id": f"snap{len(self.playlists[pid]['items'])}"})
        else:
            self._error(h, 404, "Unknown endpoint")
