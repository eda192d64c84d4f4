"""Full-size reliability run: 1,000 posts over 20 accounts, faults injected, workers killed.

    .venv/bin/python bench/publishing_reliability_bench.py [--posts 1000] [--accounts 20]
        [--workers 3] [--kill-every 2 6] [--fault-scale 10]

Real ``quartieri worker`` processes publish to the local fakes (TikTok and Facebook, as in
tests/publishing/test_outbox_reliability.py, which runs the reduced size in CI) while this
script SIGKILLs a random worker every few seconds and starts a new one. The posts carry the
reconcile cases of issue 21 (TikTok posts of every privacy level, long captions, photo posts,
a third of the posts losing their first answer, another third of the TikTok posts refused
with a 500 before TikTok makes them, Facebook listed by time). The workers publish each post
or leave it unconfirmed with the reason its platform's listing cannot show it; then a person
settles those through the staff's pages ("it is there" with the id or address she reads on
the fake's account, "it is missing, send again" for the ones it never got). At the end it
prints the fakes' own count: every post on the platform exactly once, all published, none
twice, each settle audited; the exit status is 1 if not. The baseline printed in the same
run is the same posts with no fault and no kill, for the cost of surviving them.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.publishing.outbox_process_settings")
os.environ.setdefault("QUARTIERI_DATA_DIR", tempfile.mkdtemp(prefix="reliability-bench-"))

import django  # noqa: E402

django.setup()

from tests.processes import platform  # noqa: E402
from tests.publishing import reliability  # noqa: E402


def killer(low: float, high: float, posts: int, *, still: float = 30.0) -> Callable[..., None]:
    """Kill a random worker every ``low``-``high`` s until every post is out, or until the
    count of posts on the platform stood still for ``still`` s: posts left unconfirmed for
    a person (never listed) may never appear, and what remains then is reconcile's work."""

    def chaos(fleet: reliability.Fleet, published: Callable[[], int]) -> None:
        count, since = -1, time.monotonic()
        while published() < posts and time.monotonic() - since < still:
            time.sleep(random.uniform(low, high))  # noqa: S311 (chaos, not a secret)
            if published() != count:
                count, since = published(), time.monotonic()
            if published() < posts:
                fleet.kill_one()

    return chaos


def one_run(args: argparse.Namespace, *, chaos: bool) -> reliability.Outcome:
    tiktok = args.accounts * 2 // 3
    with (
        tempfile.TemporaryDirectory(prefix="reliability-") as folder,
        platform(Path(folder), database_url=args.database_url) as env,
    ):
        return reliability.run(
            env,
            posts=args.posts,
            tiktok_accounts=tiktok,
            facebook_pages=args.accounts - tiktok,
            workers=args.workers,
            spread_seconds=0.01,
            fault_scale=args.fault_scale if chaos else 0,
            chaos=killer(*args.kill_every, args.posts) if chaos else None,
            timeout=args.timeout,
            reconcile_cases=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--kill-every", type=float, nargs=2, default=(2.0, 6.0))
    parser.add_argument("--fault-scale", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    database = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
    print(f"{args.posts} posts, {args.accounts} accounts, {args.workers} workers, {database}")
    survived = one_run(args, chaos=True)
    print("with faults and kills:", survived.summary())
    quiet = one_run(args, chaos=False)
    print("baseline, no fault:   ", quiet.summary())
    print(f"time ratio (faults+kills / baseline): {survived.seconds / quiet.seconds:.2f}")
    good = survived.good and quiet.good and quiet.missing == 0
    for problem in [*survived.settle_problems, *quiet.settle_problems][:20]:
        print("problem:", problem)
    print(
        "RESULT:",
        "every post exactly once, the unconfirmed ones settled by a person" if good else "FAILED",
    )
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
