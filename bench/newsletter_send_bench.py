"""The daily send at full size: 300,000 personalised messages to Postfix's smtp-sink.

    .venv/bin/python bench/newsletter_send_bench.py [--subscribers 300000] [--workers 2]

A platform of its own (SQLite, or PostgreSQL with DATABASE_URL) gets the subscribers and an
approved issue; ``quartieri worker`` processes send it through the real code path (batches,
ledger rows written before each hand-off and confirmed after, the pipelined SMTP pool) to
``smtp-sink`` on loopback, started here as root (toolbox.md). In the same run
``smtp-source`` sends the same number of messages of the same size to the same sink: the
loopback limit. Prints messages/s, total minutes, the workers' peak memory and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quartieri.settings")

import django  # noqa: E402

django.setup()

from tests.newsletter.reliability import SETUP  # noqa: E402
from tests.processes import platform, python, quartieri, spawn  # noqa: E402

SIZE = """
from quartieri.newsletter.message import MessageTemplate, Personal
from quartieri.newsletter.models import Issue
issue = Issue.objects.get()
print(len(MessageTemplate(issue=issue, language="it").render(Personal(1, "reader1@example.org", "R1"))))
"""


def _sink(port: int) -> subprocess.Popen[bytes]:
    if os.geteuid() != 0:
        sys.exit("run as root: smtp-sink needs -u and a user to drop to (toolbox.md)")
    if not shutil.which("smtp-sink"):
        sys.exit("smtp-sink is missing: scripts/system-packages bench installs postfix")
    # -a: accept any command; backlog 1000 (toolbox.md).
    sink = subprocess.Popen(
        ["smtp-sink", "-u", "nobody", f"127.0.0.1:{port}", "1000"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    return sink


def _peak_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def _send(env: dict[str, str], workers: int, audience: int) -> tuple[float, int]:
    fleet = [spawn(env, "worker", "--interval", "0.2") for _ in range(workers)]
    started = time.monotonic()
    peak = 0
    try:
        while True:
            time.sleep(2)
            peak = max(peak, sum(_peak_kib(p.pid) for p in fleet))
            progress = quartieri(env, "newsletter", "progress", "1", "--format", "json")
            data = json.loads(progress.stdout)
            if data["status"] == "sent":
                return time.monotonic() - started, peak
            print(f"  {data['done']}/{audience} at {data['rate']:.0f}/s", file=sys.stderr)
    finally:
        for process in fleet:
            process.terminate()
        for process in fleet:
            process.wait(timeout=30)


def _limit(port: int, count: int, size: int) -> float:
    started = time.monotonic()
    subprocess.run(
        ["smtp-source", "-s", "20", "-l", str(size), "-m", str(count), f"127.0.0.1:{port}"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return count / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=300_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=2600)
    args = parser.parse_args()
    sink = _sink(args.port)
    folder = Path(tempfile.mkdtemp(prefix="newsletter-bench-"))
    try:
        database = os.environ.get("DATABASE_URL", "")
        with platform(folder, database_url=database) as env:
            env = {
                **env,
                "QUARTIERI_SMTP_URL": f"smtp://127.0.0.1:{args.port}?connections=20",
                "QUARTIERI_WORKER_HEARTBEAT_SECONDS": "5",
                "QUARTIERI_WORKER_STALE_SECONDS": "30",
                "QUARTIERI_INSIGHTS_DAILY": "0",
                "QUARTIERI_SANDBOX": "0",
                "QUARTIERI_NEWSLETTER_FROM": "newsletter@comune.example.org",
            }
            setup = SETUP.replace("ELIGIBLE", str(args.subscribers)).replace("OTHERS", "0")
            created = json.loads(python(env, setup, timeout=1800).stdout)
            size = int(python(env, SIZE).stdout)
            seconds, peak = _send(env, args.workers, int(created["audience"]))
        rate = created["audience"] / seconds
        limit = _limit(args.port, created["audience"], size)
    finally:
        sink.kill()
        shutil.rmtree(folder, ignore_errors=True)
    backend = "PostgreSQL" if database else "SQLite"
    print(
        f"newsletter send, {created['audience']} personalised messages of {size} bytes, "
        f"{args.workers} workers × 20 connections, {backend}: {rate:.0f} msg/s, "
        f"{seconds / 60:.2f} min, peak memory of the workers {peak / 1024:.0f} MiB; "
        f"baseline smtp-source → smtp-sink (20 connections, same size, same count): "
        f"{limit:.0f} msg/s; ratio {rate / limit:.2f}"
    )


if __name__ == "__main__":
    main()
