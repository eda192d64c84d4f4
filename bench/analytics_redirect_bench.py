"""The short-link redirect under wrk: requests/s, latency, errors, events lost; nginx baseline.

    .venv/bin/python bench/analytics_redirect_bench.py [--duration 30] [--connections 32]
        [--wrk-threads 1] [--web-processes 2] [--threads 8]
    scripts/with-postgres-redis .venv/bin/python bench/analytics_redirect_bench.py   # PostgreSQL

A platform of its own (fresh data folder; a fresh PostgreSQL database when DATABASE_URL
names a server) gets one tracked link; `quartieri serve --workers 0` (granian, the
defaults: 2 web processes × 8 threads) answers `/l/<code>` while Debian's wrk hits it for
--duration seconds with a phone's User-Agent and Accept-Language. wrk counts the 302s it
read; each web process logs at exit how many events it received (every answered GET);
after the server stops and the spool is replayed, the events stored must equal the events
received (zero lost). Baseline in the same run: Debian's nginx answering the same URL with a
static `return 302`, under the same wrk command. Printed: both runs, and the ratio.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quartieri.settings")
os.environ.setdefault("QUARTIERI_DATA_DIR", tempfile.mkdtemp(prefix="redirect-bench-"))

import django  # noqa: E402

django.setup()

from tests.processes import platform, quartieri, spawn, wait_for  # noqa: E402

USER_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
COUNT_302 = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) found = 0; other = 0 end
function response(status, headers, body)
  if status == 302 then found = found + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local total, bad = 0, 0
  for _, t in ipairs(threads) do total = total + t:get("found"); bad = bad + t:get("other") end
  io.write(string.format("RESULT %d %d %d %d %d %d %d %.3f %.3f %.3f\\n", total, bad,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    summary.requests, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.duration / 1e6))
end
"""
NGINX_CONF = """
worker_processes 2;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi; uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location /l/ {{ return 302 "{location}"; }}
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wrk(url: str, args: argparse.Namespace, script: Path) -> dict[str, float]:
    command = [
        "wrk",
        f"-t{args.wrk_threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "-s",
        str(script),
        "-H",
        f"User-Agent: {USER_AGENT}",
        "-H",
        "Accept-Language: it-IT,it;q=0.9,en;q=0.8",
        url,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found = re.search(r"RESULT (.*)", out)
    if found is None:
        raise SystemExit(f"wrk printed no result:\n{out}")
    values = [float(v) for v in found.group(1).split()]
    keys = ["302", "other", "connect", "read", "write", "timeout", "requests", "p50", "p99", "s"]
    result = dict(zip(keys, values, strict=True))
    result["rps"] = result["302"] / result["s"]
    result["errors"] = sum(result[k] for k in ("other", "connect", "read", "write", "timeout"))
    return result


def stored_events(env: dict[str, str]) -> int:
    code = "from quartieri.analytics.tracking import LinkEvent\nprint(LinkEvent.objects.count())\n"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "quartieri.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout.strip())


def quartieri_run(args: argparse.Namespace, env: dict[str, str], script: Path) -> dict[str, float]:
    port = free_port()
    # One public address when the link is made and when it is answered (a page of ours).
    env = {**env, "QUARTIERI_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    made = quartieri(env, "links", "create", "--target", "/q/isola/it/", "--channel", "posters",
                     "--format", "json")  # fmt: skip
    assert made.returncode == 0, made.stderr
    code = json.loads(made.stdout)["code"]
    log = Path(env["QUARTIERI_DATA_DIR"]) / "serve.log"
    env = {**env, "QUARTIERI_TEST_PROCESS_LOG": str(log)}
    os.environ["QUARTIERI_TEST_PROCESS_LOG"] = str(log)
    server = spawn(
        env, "serve", "--port", str(port), "--workers", "0",
        "--web-processes", str(args.web_processes), "--threads", str(args.threads),
    )  # fmt: skip
    os.environ.pop("QUARTIERI_TEST_PROCESS_LOG")
    url = f"http://127.0.0.1:{port}/l/{code}"
    try:
        wait_for(lambda: _answers(url), timeout=180, what="the server")
        time.sleep(2)
        result = wrk(url, args, script)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=120)
        _wait_group_gone(server.pid)
    replay = quartieri(env, "analytics", "replay", "--format", "json")
    assert replay.returncode == 0, replay.stdout + replay.stderr
    received = sum(int(n) for n in re.findall(r"stops: (\d+) events received", log.read_text()))
    result["received"] = received
    result["stored"] = stored_events(env)
    return result


def _wait_group_gone(group: int, timeout: float = 180) -> None:
    """Every web process of the server has left (each writes or spools its buffer first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    raise SystemExit(f"the server's processes are still running after {timeout} s")


def _answers(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url, timeout=2).status_code == 302
    except httpx.HTTPError:
        return False


def nginx_run(args: argparse.Namespace, script: Path) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="redirect-nginx-"))
    port = free_port()
    location = "http://127.0.0.1:8000/q/isola/it/?utm_source=posters&utm_medium=print"
    (folder / "nginx.conf").write_text(NGINX_CONF.format(dir=folder, port=port, location=location))
    subprocess.run(
        ["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e",
         str(folder / "error.log"), "-g", "daemon on;"],
        check=True,
    )  # fmt: skip
    try:
        time.sleep(0.5)
        return wrk(f"http://127.0.0.1:{port}/l/abc", args, script)
    finally:
        os.kill(int((folder / "nginx.pid").read_text()), signal.SIGQUIT)
        time.sleep(0.5)
        shutil.rmtree(folder, ignore_errors=True)


def line(name: str, r: dict[str, float]) -> str:
    return (
        f"{name:<34} {r['rps']:>10,.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} "
        f"{int(r['errors']):>7} {int(r['302']):>11,}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--web-processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8, help="request threads per process")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if shutil.which("wrk") is None or shutil.which("nginx") is None:
        raise SystemExit("needs Debian's wrk and nginx (scripts/system-packages)")
    database = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
    script = Path(tempfile.mkdtemp(prefix="redirect-wrk-")) / "count.lua"
    script.write_text(COUNT_302)
    print(
        f"wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration}s on loopback; "
        f"quartieri serve: {args.web_processes} web processes x {args.threads} threads, {database}"
    )
    with (
        tempfile.TemporaryDirectory(prefix="redirect-bench-") as folder,
        platform(Path(folder), database_url=args.database_url) as env,
    ):
        ours = quartieri_run(args, env, script)
    baseline = nginx_run(args, script)
    print(f"{'':<34} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'302s read':>11}")
    print(line("quartieri /l/<code> (302 + event)", ours))
    print(line("nginx static return 302", baseline))
    print(f"ratio quartieri / nginx: {ours['rps'] / baseline['rps']:.3f}")
    lost = int(ours["received"] - ours["stored"])
    print(
        f"events: {int(ours['received']):,} redirects answered by the server (wrk read "
        f"{int(ours['302']):,}; the rest are the readiness probe and requests in flight when "
        f"wrk stopped), {int(ours['stored']):,} stored: {lost} lost"
    )
    goal = ours["rps"] >= 5000 and ours["p99"] <= 20 and lost == 0 and ours["errors"] == 0
    print(f"goal (>= 5,000/s, p99 <= 20 ms, none lost, no error): {'met' if goal else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
