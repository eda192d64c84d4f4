"""Throughput: posts due at once over many accounts, published by 1, 2 and 4 workers.

    .venv/bin/python bench/publishing_throughput_bench.py [--posts 10000] [--accounts 100]
        [--workers 1 2 4] [--threads 16] [--latency 0.05 0.2]
    scripts/with-postgres-redis .venv/bin/python bench/publishing_throughput_bench.py …   # PostgreSQL

Every post is due now; the fakes (TikTok video posts and Facebook Page posts, two thirds and
one third of the accounts) answer each request after a random 50-200 ms. Real
``quartieri worker --threads N`` processes publish them on a platform of their own (SQLite, or a fresh
PostgreSQL database when DATABASE_URL names a server), with the real settings and their
defaults: no HTTP timeout shortened, heartbeats every 5 s, a worker dead after 30 s of
silence, status checks 1, 2, 4 … s apart. Printed per worker count: seconds
until every post is published, posts per second, and the scaling ratio against 1 worker
measured in the same run (the baseline). No fault is injected (see the reliability bench).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.publishing.outbox_process_settings")
os.environ.setdefault("QUARTIERI_DATA_DIR", tempfile.mkdtemp(prefix="throughput-bench-"))

import django  # noqa: E402

django.setup()

from tests.processes import platform  # noqa: E402
from tests.publishing import reliability  # noqa: E402


def one_run(args: argparse.Namespace, *, workers: int) -> reliability.Outcome:
    tiktok = args.accounts * 2 // 3
    with (
        tempfile.TemporaryDirectory(prefix="throughput-") as folder,
        platform(Path(folder), database_url=args.database_url) as env,
    ):
        return reliability.run(
            env,
            posts=args.posts,
            tiktok_accounts=tiktok,
            facebook_pages=args.accounts - tiktok,
            workers=workers,
            threads=args.threads,
            spread_seconds=0,
            fault_scale=0,
            latency=tuple(args.latency),
            timeout=args.timeout,
            production=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--threads", type=int, default=16, help="task threads per worker")
    parser.add_argument("--latency", type=float, nargs=2, default=(0.05, 0.2))
    parser.add_argument("--timeout", type=float, default=6 * 3600)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    database = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
    print(
        f"{args.posts} posts due at once, {args.accounts} accounts, fakes answering in "
        f"{args.latency[0] * 1000:.0f}-{args.latency[1] * 1000:.0f} ms, {database}, "
        f"{args.threads} task thread(s) per worker"
    )
    baseline = None
    for workers in args.workers:
        outcome = one_run(args, workers=workers)
        rate = args.posts / outcome.seconds
        baseline = baseline or rate
        exact = outcome.missing == 0 and outcome.duplicated == 0
        print(
            f"{workers} worker(s): {outcome.seconds:8.1f} s  {rate:6.2f} posts/s  "
            f"scaling ×{rate / baseline:.2f} vs 1 worker  "
            f"{'each post once' if exact else 'NOT EXACT: ' + outcome.summary()}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
