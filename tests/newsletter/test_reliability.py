"""The issue's reliability test, reduced: 20,000 subscribers through a local SMTP sink, two
real workers, three of them SIGKILLed at seeded-random moments and restarted, one
pause/resume. The full size (300,000) is bench/newsletter_reliability_bench.py."""

from __future__ import annotations

import pytest

from tests.newsletter import reliability
from tests.processes import platform_env

__all__ = ["platform_env"]

ELIGIBLE = 20_000
RESERVE = 50


@pytest.mark.slow
def test_twenty_thousand_once_each_through_kills_and_a_pause(platform_env):
    outcome = reliability.run(
        platform_env, eligible=ELIGIBLE, kills=3, reserve=RESERVE, connections=10
    )
    print("\n" + outcome.summary() + "\n" + "; ".join(outcome.events))  # noqa: T201

    assert outcome.status == "sent"
    assert outcome.kills == 3
    assert outcome.paused
    eligible = {f"reader{n}@example.org" for n in range(ELIGIBLE)}
    # Never twice; nobody who unsubscribed or bounced.
    assert outcome.duplicated == []
    assert set(outcome.received) <= eligible
    # Every eligible subscriber has a ledger row, and the ledger agrees with the sink:
    assert set(outcome.ledger) == eligible
    for address, state in outcome.ledger.items():
        if state == "sent":
            assert outcome.received[address] == 1, address
        else:
            # a worker died between writing the row and confirming it: the message may
            # have left (then the sink has it once) or not, and it was not sent again.
            assert state == "uncertain", (address, state)
            assert outcome.received[address] <= 1
    # ...and those are at most one reservation per killed worker.
    assert len(outcome.uncertain) <= outcome.kills * RESERVE
    # Exactly one message for every eligible subscriber whose row is not uncertain.
    assert sum(outcome.received.values()) >= ELIGIBLE - len(outcome.uncertain)
