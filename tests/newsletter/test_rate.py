"""The send's rate caps: a server's ``rate`` (and QUARTIERI_NEWSLETTER_RATE) are messages
per second, never more in any second whatever the reservation size or number of servers."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from quartieri.newsletter import sending
from quartieri.newsletter.issues import issue_send_start
from quartieri.newsletter.models import Delivery, RateWindow, SendBatch
from quartieri.newsletter.sending import _rate_plan, batch_send
from quartieri.newsletter.sink import SinkHandler, sink_start
from quartieri.newsletter.smtp import SmtpServer
from tests.processes import free_port

R = 5


class FakeClock:
    """Seconds that pass only when the code sleeps, so each run is the same."""

    def __init__(self) -> None:
        self.now = 1_000.25

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class SharedCounters:
    """``services.rate_take``'s contract in memory (up to ``want`` of ``cap`` per key and
    second; its compare-and-swap against the database is tested in test_commands.py), so
    the pacing is checked over many chunk sizes without a query per permit."""

    def __init__(self) -> None:
        self.used = Counter[tuple[str, int]]()

    def take(self, *, key: str, window: int, cap: int, want: int = 1) -> int:
        if cap <= 0:
            return want
        took = max(0, min(want, cap - self.used[(key, window)]))
        self.used[(key, window)] += took
        return took


@pytest.mark.parametrize("chunk", [1, 4, 15, 200], ids=lambda n: f"chunk_{n}_case")
@pytest.mark.parametrize("global_rate", [0, 12], ids=["servers_only_case", "global_cap_case"])
def test_no_server_takes_more_than_its_rate_in_any_second(
    settings, monkeypatch, chunk, global_rate
):
    settings.NEWSLETTER_RATE = global_rate
    monkeypatch.setattr(sending, "rate_take", SharedCounters().take)
    servers = [
        SmtpServer(name=f"mx{n}:25", host="127.0.0.1", port=25, connections=c, rate=R)
        for n, c in enumerate((1, 2, 4))
    ]
    clock, taken, left = FakeClock(), Counter[tuple[str, int]](), 47
    while left:
        plan = _rate_plan(servers, min(chunk, left), clock=clock, sleep=clock.sleep)
        assert plan is not None
        for name, count in plan.items():
            taken[(name, int(clock()))] += count
        left -= sum(plan.values())
        clock.now += 0.01  # sending takes a little time
    assert sum(taken.values()) == 47
    assert max(taken.values()) <= R
    per_second = Counter[int]()
    for (_name, second), count in taken.items():
        per_second[second] += count
    assert max(per_second.values()) <= (global_rate or len(servers) * R)
    # At 15 a second (or the global 12), 47 messages need four seconds at least.
    assert len(per_second) >= 4


def test_nothing_capped_plans_nothing(settings):
    settings.NEWSLETTER_RATE = 0
    server = SmtpServer(name="mx:25", host="127.0.0.1", port=25)
    assert _rate_plan([server], 200) is None


RATE = 30


@pytest.fixture
def two_sinks(settings: Any) -> Iterator[list[SinkHandler]]:
    handlers, controllers, urls = [], [], []
    for _ in range(2):
        handler, port = SinkHandler(), free_port()
        controllers.append(sink_start(port=port, handler=handler))
        handlers.append(handler)
        urls.append(f"smtp://127.0.0.1:{port}?connections=2&rate={RATE}")
    settings.NEWSLETTER_SMTP_URLS = urls
    yield handlers
    for controller in controllers:
        controller.stop()


def test_two_capped_servers_each_take_their_rate_a_second_with_a_large_reservation(
    two_sinks, approved_issue, approver, subscribe_people, settings
):
    # Given 90 readers, a reservation of 200 (all of them at once) and two servers at 30 a
    # second each: the old cap (rate × reservation ÷ servers) let the whole lot through at once.
    settings.NEWSLETTER_RESERVE = 200
    settings.NEWSLETTER_BATCH_SIZE = 1000
    readers = subscribe_people(90)
    issue = issue_send_start(actor=approver, issue=approved_issue)
    started = time.monotonic()
    for batch in SendBatch.objects.filter(issue=issue):
        batch_send(batch_id=batch.pk, worker="w1")
    elapsed = time.monotonic() - started

    received = Counter[str]()
    for handler in two_sinks:
        received.update(handler.received)
    assert received == {reader.email: 1 for reader in readers}
    assert Delivery.objects.filter(issue=issue, state="sent").count() == 90
    for handler, url in zip(two_sinks, settings.NEWSLETTER_SMTP_URLS, strict=True):
        name = url.split("//")[1].split("?")[0]
        windows = list(
            RateWindow.objects.filter(key=f"smtp:{name}").values_list("count", flat=True)
        )
        assert max(windows) <= RATE
        # Permits are taken before the rows are read: the last ones may go unused.
        assert sum(windows) >= sum(handler.received.values())
    # 90 at 60 a second spread over at least two seconds' windows.
    assert elapsed > 0.4
