"""Sixty posts over six accounts, faults injected, a worker killed mid-run: each post is on
the platform exactly once at the end (the reduced size of the issue's reliability test; the
full size, 1,000 posts over 20 accounts with random kills, is bench/publishing_reliability_bench.py).
"""

from __future__ import annotations

import pytest

from tests.processes import platform_env, wait_for
from tests.publishing import reliability

__all__ = ["platform_env"]

POSTS = 60


def kill_the_first_worker_mid_run(fleet: reliability.Fleet, published) -> None:
    wait_for(lambda: published() >= 15, timeout=120, what="15 posts out")
    # Killed mid-run: whatever it held is re-queued by the sweeper of the others.
    fleet.kill_one(0)


@pytest.mark.slow
def test_sixty_posts_survive_faults_and_a_killed_worker(platform_env):
    outcome = reliability.run(
        platform_env,
        posts=POSTS,
        tiktok_accounts=4,
        facebook_pages=2,
        chaos=kill_the_first_worker_mid_run,
    )
    print("\n" + outcome.summary())  # noqa: T201 (the figures of the run)
    assert outcome.states == {"published": POSTS}
    assert outcome.missing == 0
    assert outcome.duplicated == 0
    assert outcome.kills == 1
    # The faults did strike: refused and rate-limited creates were sent again on Facebook
    # (a third of the posts), and were not duplicated.
    assert outcome.calls["facebook feed"] > POSTS // 3
