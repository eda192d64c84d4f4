"""The newsletter's reliability test at full size: many subscribers, random SIGKILLs.

    .venv/bin/python bench/newsletter_reliability_bench.py [--subscribers 300000] [--kills 10]

Real ``quartieri worker`` processes send an issue to a local counting SMTP sink while
workers are SIGKILLed at seeded-random moments and restarted and the send is paused and
resumed once (tests/newsletter/reliability.py, the same harness as the CI test). Baseline in
the same run: the same send with no kill and no pause. Prints both outcomes and the time
ratio; the checks are those of the CI test (exactly once, nobody unsubscribed or bounced,
the ledger agrees with the sink, an uncertain row only where the send journal shows the
instant between its end-of-data line and the socket write).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quartieri.settings")

import django  # noqa: E402

django.setup()

from tests.newsletter import reliability  # noqa: E402
from tests.processes import platform  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=300_000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    database = os.environ.get("DATABASE_URL", "")
    results = []
    for kills, pause in ((args.kills, True), (0, False)):
        with (
            tempfile.TemporaryDirectory() as folder,
            platform(Path(folder), database_url=database) as env,
        ):
            outcome = reliability.run(
                env,
                eligible=args.subscribers,
                workers=args.workers,
                kills=kills,
                pause=pause,
                reserve=200,
                batch_size=1000,
                connections=20,
                timeout=3600,
            )
            eligible = {f"reader{n}@example.org" for n in range(args.subscribers)}
            window = reliability.verify(outcome, env=env, eligible=eligible)
        if window:
            print(f"the run hit the end-of-data window {len(window)} times: {sorted(window)}")
        results.append(outcome)
    print(f"with kills and a pause: {results[0].summary()}")
    print(f"baseline, no kill:      {results[1].summary()}")
    print(f"time ratio (kills+pause / baseline): {results[0].seconds / results[1].seconds:.2f}")


if __name__ == "__main__":
    main()
