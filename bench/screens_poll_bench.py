"""Screens: 1,000 displays polling their schedule, with ETag/304 and without.

    .venv/bin/python bench/screens_poll_bench.py [--displays 1000] [--period 60] [--seconds 15]
    scripts/with-postgres-redis .venv/bin/python bench/screens_poll_bench.py     # PostgreSQL

A platform of its own (SQLite, or a fresh PostgreSQL database when DATABASE_URL names a
server) gets N displays in one group playing three layout slides, and ``quartieri serve``
(granian, 2 web processes × 8 threads, the real settings) answers on loopback. Every
display fetches its manifest once (200, its ETag noted). Then, in the same run:

1. **Real schedule**: each display polls once per ``--period`` seconds, spread evenly
   (1,000 / 60 s ≈ 16.7 requests/s), one period with If-None-Match and one without.
   Every poll is a display's first contact in 10 s, so "last seen" is written each time.
   Printed: requests/s achieved and p50/p99 latency.
2. **Capacity**: wrk (2 threads, 32 connections, ``--seconds`` each) cycles through the N
   displays as fast as the server answers, with If-None-Match, then without (the baseline:
   the same endpoint, no conditional request). Here each display comes back within a
   second, so the "last seen" write is mostly skipped in both runs. Printed: requests/s,
   p99, the share of 304s, and the ratio conditional / baseline.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quartieri.settings")
os.environ.setdefault("QUARTIERI_DATA_DIR", tempfile.mkdtemp(prefix="screens-bench-"))

import django  # noqa: E402

django.setup()

from tests.processes import platform, python, spawn, wait_for  # noqa: E402

SETUP = """
import json
from quartieri.screens import services, slides
group = services.group_create(actor=None, name="Bench")
made = [slides.slide_create(actor=None, kind="layout", name=f"Slide {n}", title=f"Slide {n}",
        text="A bench slide.", alt_text=f"Slide {n}", qr_target="https://example.org/") for n in range(3)]
playlist = services.playlist_create(actor=None, name="Bench")
services.playlist_set_items(actor=None, playlist=playlist, items=[(s, 10) for s in made])
services.schedule_save(actor=None, name="Bench", playlist=playlist, groups=[group])
paths = []
for n in range(DISPLAYS):
    display = services.display_create(actor=None, name=f"Display {n}", width=1920, height=1080, groups=[group])
    paths.append(services.display_player_path(display) + "manifest.json")
print(json.dumps(paths))
"""

WRK_SCRIPT = """
local lines = {}
for line in io.lines("%(targets)s") do lines[#lines + 1] = line end
local counter = 0
local threads = {}
function setup(thread) thread:set("id", counter); counter = counter + 1; threads[#threads + 1] = thread end
function init(args) n = id; not_modified = 0; answered = 0 end
function request()
  n = n + 2
  local path, etag = lines[(n %% #lines) + 1]:match("^(%%S+) (.+)$")
  local headers = {}
  if %(conditional)s then headers["If-None-Match"] = etag end
  return wrk.format("GET", path, headers)
end
function response(status, headers, body)
  answered = answered + 1
  if status == 304 then not_modified = not_modified + 1 end
end
function done(summary, latency, requests)
  local total, hits = 0, 0
  for _, t in ipairs(threads) do total = total + t:get("answered"); hits = hits + t:get("not_modified") end
  io.write(string.format("p99_us %%d\\nnot_modified %%d of %%d\\n", latency:percentile(99), hits, total))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(port: int, path: str, etag: str = "") -> tuple[int, str, float]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"If-None-Match": etag} if etag else {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status, response.getheader("ETag") or "", time.perf_counter() - started


def first_fetch(port: int, paths: list[str]) -> list[str]:
    etags = [""] * len(paths)

    def work(indices: range) -> None:
        for i in indices:
            status, etags[i], _ = get(port, paths[i])
            assert status == 200, (paths[i], status)

    threads = [threading.Thread(target=work, args=(range(k, len(paths), 8),)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return etags


def paced(
    port: int, paths: list[str], etags: list[str], *, period: float, conditional: bool
) -> dict[str, float]:
    """Each display once in ``period`` seconds, evenly spread (open loop)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    start = time.perf_counter() + 0.5
    step = period / len(paths)

    def work(indices: range) -> None:
        for i in indices:
            delay = start + i * step - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            status, _etag, seconds = get(port, paths[i], etags[i] if conditional else "")
            with lock:
                latencies.append(seconds)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=work, args=(range(k, len(paths), 16),)) for k in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "rate": len(latencies) / elapsed,
        "p50_ms": cuts[49] * 1000,
        "p99_ms": cuts[98] * 1000,
        "not_modified": statuses.get(304, 0) / len(latencies),
    }


def capacity(port: int, targets: Path, *, conditional: bool, seconds: int) -> dict[str, float]:
    script = targets.with_suffix(f".{int(conditional)}.lua")
    script.write_text(
        WRK_SCRIPT % {"targets": targets, "conditional": "true" if conditional else "false"}
    )
    done = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    )  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", done.stdout).group(1))  # type: ignore[union-attr]
    p99 = int(re.search(r"p99_us (\d+)", done.stdout).group(1)) / 1000  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    hits, total = map(int, re.search(r"not_modified (\d+) of (\d+)", done.stdout).groups())  # type: ignore[union-attr]
    return {
        "rate": rate,
        "p99_ms": p99,
        "errors": int(errors.group(1)) if errors else 0,
        "not_modified": hits / max(total, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--displays", type=int, default=1000)
    parser.add_argument(
        "--period", type=float, default=60.0, help="seconds between a display's polls"
    )
    parser.add_argument("--seconds", type=int, default=15, help="length of each wrk run")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing (Debian package wrk)")
        return 2
    database = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
    with (
        tempfile.TemporaryDirectory(prefix="screens-bench-") as folder,
        platform(Path(folder), database_url=args.database_url) as env,
    ):
        # The slides' QR codes are tracked links to an outside page: its domain is allowed.
        env = {**env, "QUARTIERI_LINK_ALLOWED_DOMAINS": "example.org"}
        paths = json.loads(
            python(env, SETUP.replace("DISPLAYS", str(args.displays)), timeout=600)
            .stdout.strip()
            .splitlines()[-1]
        )
        port = free_port()
        server = spawn(env, "serve", "--port", str(port), "--workers", "0")
        wait_for(lambda: _answers(port), timeout=120, what="quartieri serve")
        etags = first_fetch(port, paths)
        print(
            f"{args.displays} displays, {database}, quartieri serve (granian 2 × 8 threads), loopback"
        )
        for conditional in (True, False):
            got = paced(port, paths, etags, period=args.period, conditional=conditional)
            label = (
                "with If-None-Match (304)" if conditional else "baseline, no conditional request"
            )
            print(
                f"real schedule, {label}: {got['rate']:.1f} req/s, p50 {got['p50_ms']:.1f} ms, "
                f"p99 {got['p99_ms']:.1f} ms, 304 share {got['not_modified']:.0%}"
            )
        targets = Path(folder) / "targets.txt"
        targets.write_text("".join(f"{p} {e}\n" for p, e in zip(paths, etags, strict=True)))
        results = {
            c: capacity(port, targets, conditional=c, seconds=args.seconds) for c in (True, False)
        }
        server.terminate()
        server.wait(timeout=30)
    need = args.displays / args.period
    for conditional, got in results.items():
        label = "with If-None-Match (304)" if conditional else "baseline, no conditional request"
        print(
            f"capacity, {label}: {got['rate']:.0f} req/s, p99 {got['p99_ms']:.1f} ms, "
            f"304 share {got['not_modified']:.0%}, errors {got['errors']}, "
            f"{got['rate'] / need:.0f}× the {need:.1f} req/s the displays need"
        )
    print(
        f"ratio conditional / baseline: {results[True]['rate'] / results[False]['rate']:.2f}× requests/s"
    )
    return 0


def _answers(port: int) -> bool:
    try:
        return get(port, "/healthz")[0] in (200, 503)
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main())
