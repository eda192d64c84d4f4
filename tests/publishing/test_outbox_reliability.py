"""Sixty posts over six accounts, faults injected, a worker killed mid-run: the workers leave
each post on the platform exactly once, or unconfirmed for a person with the reason its
platform's listing cannot show it; never twice. Then a person settles those through the
staff's pages, as she would after looking on the account: "it is there" (with the post's id
or address) or "it is missing, send again", and every post ends published exactly once,
each settle audited with her name (the reduced size of the issue's reliability test; the
full size, 1,000 posts over 20 accounts with random kills, is
bench/publishing_reliability_bench.py).

The reconcile cases of issue 21 run here: TikTok posts public (short and longer than the 150
characters the listing returns), private, friends-only, followers-only and photo posts,
a third of the posts losing the answer to their first submit, on TikTok and Facebook,
another third of the TikTok posts answered with a server error before TikTok makes them,
and Facebook's listing paged by time.
"""

from __future__ import annotations

from collections import Counter

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
        reconcile_cases=True,
    )
    print("\n" + outcome.summary())  # noqa: T201 (the figures of the run)
    assert outcome.duplicated == 0
    assert outcome.unexplained == 0
    assert outcome.kills == 1
    # 40 TikTok posts: 10 rounds of 4 accounts through the six styles (reliability.SETUP).
    # 8 of the posts that lose their answer are not public or photo posts: each exists once
    # and the workers leave it for a person, who finds it there. 7 more such posts get a
    # server error before TikTok makes them: she finds them missing, unless one of the
    # injected lost answers (4 at most, all after the post is made) struck one first.
    # Every other post the workers publish on their own.
    unsettled = Counter(state for state, _marker, _explained in outcome.unsettled)
    assert unsettled["published"] == POSTS - len(outcome.left_for_person)
    assert len(outcome.answered("found")) >= 8
    assert len(outcome.answered("missing")) >= 3
    # Then every post is on the platform exactly once, published, none unconfirmed; each
    # settle went through its page and is audited with her name and what she gave.
    assert outcome.settle_problems == []
    assert (outcome.missing, outcome.states) == (0, {"published": POSTS})
    assert len(outcome.audited) == len(outcome.pressed) >= len(outcome.left_for_person)
    # The faults did strike: refused and rate-limited creates were sent again on Facebook
    # (a third of the posts), and were not duplicated.
    assert outcome.calls["facebook feed"] > POSTS // 3
