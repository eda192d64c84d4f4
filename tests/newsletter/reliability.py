"""Send an issue to many subscribers through real worker processes and a local SMTP sink,
killing workers with SIGKILL at seeded-random moments and pausing/resuming once.

Shared by the reduced test (test_reliability.py) and bench/newsletter_reliability_bench.py.
The sink runs in this process (tests/newsletter/fast_sink.py, on loopback) and counts per recipient; the workers
are real ``quartieri worker`` processes on a platform of their own (tests/processes.py).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from quartieri.newsletter.journal import journal_read
from quartieri.newsletter.smtp import TIMEOUT_SECONDS
from tests.newsletter.fast_sink import FastSink
from tests.processes import free_port, python, quartieri, wait_for
from tests.publishing.reliability import Fleet

SETUP = """
import json
from django.utils import timezone
from quartieri.channels.models import ChannelAccount
from quartieri.newsletter.models import Issue, NewsletterList, Subscriber, Subscription
from quartieri.newsletter.rendering import html_to_text, mjml_render
from quartieri.newsletter.issues import issue_send_start

account = ChannelAccount.objects.create(platform="newsletter", handle="newsletter")
lst = NewsletterList.objects.create(slug="daily", name="Daily", account=account, from_name="Comune")
people = [Subscriber(email=f"reader{n}@example.org", name=f"R{n}", language="it" if n % 3 else "en",
                     status="confirmed") for n in range(ELIGIBLE)]
people += [Subscriber(email=f"gone{n}@example.org", status="unsubscribed") for n in range(OTHERS)]
people += [Subscriber(email=f"bounced{n}@example.org", status="bounced") for n in range(OTHERS)]
Subscriber.objects.bulk_create(people, batch_size=5000)
subs = []
for pk, email in Subscriber.objects.values_list("pk", "email"):
    status = "unsubscribed" if email.startswith("gone") else "confirmed"
    subs.append(Subscription(subscriber_id=pk, newsletter_list=lst, status=status))
Subscription.objects.bulk_create(subs, batch_size=5000)
mjml = ('<mjml><mj-body><mj-section><mj-column><mj-text>Ciao %%NAME%%, oggi a Baggio.'
        '<a href="%%PREFERENCES_URL%%">p</a> <a href="%%UNSUBSCRIBE_URL%%">u</a>'
        '</mj-text></mj-column></mj-section></mj-body></mjml>')
html = mjml_render(mjml)
issue = Issue.objects.create(newsletter_list=lst, date=timezone.localdate(), subject_it="Oggi",
    subject_en="Today", mjml_it=mjml, mjml_en=mjml, html_it=html, html_en=html,
    text_it=html_to_text(html), text_en=html_to_text(html), status="approved")
issue = issue_send_start(actor=None, issue=issue)
print(json.dumps({"id": issue.pk, "audience": issue.audience_size}))
"""

LEDGER = """
import json
from quartieri.newsletter.models import Delivery, Issue
rows = Delivery.objects.filter(issue_id=ISSUE).values_list("pk", "subscriber__email", "state")
print(json.dumps({"status": Issue.objects.get(pk=ISSUE).status, "rows": list(rows)}))
"""


def journals(env: dict[str, str]) -> list[Path]:
    """The send journals a platform's workers left: those of dead runs, settled and kept."""
    return sorted((Path(env["QUARTIERI_DATA_DIR"]) / "send-journal").glob("b*.log*"))


def in_the_window(env: dict[str, str], keys: set[int]) -> set[int]:
    """Which of these ledger rows the journals show in the instant between the end-of-data
    line and the socket write (a D line, no W line): the one case SMTP leaves unknowable."""
    window: set[int] = set()
    for path in journals(env):
        recorded = journal_read(path)
        window |= (recorded.before_dot - recorded.written - set(recorded.replies)) & keys
    return window


@dataclass
class Outcome:
    audience: int
    received: Counter[str]
    ledger: dict[str, str]
    keys: dict[str, int]  # address → its ledger row's id (the journals name rows)
    status: str
    seconds: float
    kills: int
    paused: bool
    events: list[str] = field(default_factory=list)

    @property
    def duplicated(self) -> list[str]:
        return [r for r, n in self.received.items() if n > 1]

    @property
    def uncertain(self) -> list[str]:
        return [e for e, s in self.ledger.items() if s == "uncertain"]

    def summary(self) -> str:
        states = Counter(self.ledger.values())
        lost = [e for e in self.uncertain if not self.received.get(e)]
        return (
            f"audience={self.audience} received={sum(self.received.values())} "
            f"distinct={len(self.received)} duplicated={len(self.duplicated)} "
            f"ledger={dict(states)} uncertain_not_received={len(lost)} kills={self.kills} "
            f"paused={self.paused} seconds={self.seconds:.1f} "
            f"rate={self.audience / self.seconds:.0f}/s"
        )


def verify(outcome: Outcome, *, env: dict[str, str], eligible: set[str]) -> set[str]:
    """The issue's checks: exactly one message per eligible subscriber, none for anyone
    else, the ledger agreeing with the sink. A row left uncertain must be one the journals
    show in the instant between the end-of-data line and its socket write (the one case
    SMTP cannot tell); those are returned, for the caller to report, never allowed for."""
    assert outcome.status == "sent"
    assert outcome.duplicated == [], "a subscriber got the issue twice"
    assert set(outcome.received) <= eligible, "a message to someone not eligible"
    assert set(outcome.ledger) == eligible, "an eligible subscriber without a ledger row"
    keys = {outcome.keys[address]: address for address in outcome.uncertain}
    window = in_the_window(env, set(keys))
    assert window == set(keys), f"uncertain rows the journals do not explain: {set(keys) - window}"
    for address, state in outcome.ledger.items():
        if outcome.keys[address] in window:
            assert outcome.received[address] <= 1, address
            continue
        assert state in {"sent", "unconfirmed"}, (address, state)
        assert outcome.received[address] == 1, (address, state, outcome.received[address])
    return {keys[key] for key in window}


def _progress(env: dict[str, str], issue: int) -> dict[str, object]:
    result = quartieri(env, "newsletter", "progress", str(issue), "--format", "json")
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def _wait_sent(env: dict[str, str], issue: int, total: Callable[[], int], timeout: float) -> None:
    """Until the issue is sent. Asking the platform starts a process (a CPU the workers
    would miss), so it is asked only once the sink has been quiet for a second."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = total()
        time.sleep(1)
        if total() == before and _progress(env, issue)["status"] == "sent":
            return
    raise AssertionError(f"timed out after {timeout}s waiting for the issue to be sent")


# The sink holds its replies for less than the client waits for one (smtp.TIMEOUT_SECONDS):
# a server silent for longer is one whose reply after a written dot never came, and those
# messages would rightly be recorded uncertain (seen once on a machine at load 19, where the
# pause command took over 30 s to start: ten rows uncertain, all of them delivered).
HOLD_AT_MOST = TIMEOUT_SECONDS * 2 / 3


def _pause_and_resume(env: dict[str, str], issue: int, sink: FastSink, events: list[str]) -> None:
    """Pause while the sink holds its replies, so that the send cannot finish while the
    command starts (a process start is seconds on a loaded machine). The hold ends after
    HOLD_AT_MOST even if the command has not answered yet: the pause is taken at half way,
    and the other half takes longer than that."""
    sink.hold()
    timer = threading.Timer(HOLD_AT_MOST, sink.release)
    timer.start()
    try:
        result = quartieri(env, "newsletter", "pause", str(issue))
    finally:
        timer.cancel()
        sink.release()
    assert result.returncode == 0, (result.stdout, result.stderr, _progress(env, issue))
    events.append(f"paused at {sum(sink.received.values())}")
    time.sleep(1.5)
    events.append(f"resumed at {sum(sink.received.values())}")
    result = quartieri(env, "newsletter", "resume", str(issue))
    assert result.returncode == 0, (result.stdout, result.stderr, _progress(env, issue))


def run(
    env: dict[str, str],
    *,
    eligible: int,
    others: int = 100,
    workers: int = 2,
    kills: int = 3,
    pause: bool = True,
    seed: int = 18,
    connections: int = 5,
    reserve: int = 20,
    batch_size: int = 500,
    timeout: float = 300,
) -> Outcome:
    rng = random.Random(seed)
    port = free_port()
    handler = FastSink(port).__enter__()
    env = {
        **env,
        "QUARTIERI_SMTP_URL": f"smtp://127.0.0.1:{port}?connections={connections}",
        "QUARTIERI_NEWSLETTER_BATCH_SIZE": str(batch_size),
        "QUARTIERI_NEWSLETTER_RESERVE": str(reserve),
        "QUARTIERI_NEWSLETTER_BATCH_STALE_SECONDS": "4",
        "QUARTIERI_NEWSLETTER_FROM": "newsletter@comune.example.org",
        "QUARTIERI_INSIGHTS_DAILY": "0",
        "QUARTIERI_SANDBOX": "0",
    }
    try:
        setup = SETUP.replace("ELIGIBLE", str(eligible)).replace("OTHERS", str(others))
        created = json.loads(python(env, setup, timeout=120).stdout)
        issue = int(created["id"])
        total = lambda: sum(handler.received.values())  # noqa: E731
        # Seeded moments of the run, by how many messages have arrived, taken in order:
        # kills anywhere between 10 % and 90 %, the pause at half way.
        moments = sorted(
            [(m, "kill") for m in rng.sample(range(eligible // 10, eligible * 9 // 10), kills)]
            + ([(eligible // 2, "pause")] if pause else [])
        )
        fleet = Fleet(env, workers)
        events: list[str] = []
        started = time.monotonic()
        fleet.start()
        try:
            paused = False
            for moment, action in moments:
                wait_for(lambda m=moment: total() >= m, timeout=timeout, what=f"{moment} received")
                if action == "pause":
                    _pause_and_resume(env, issue, handler, events)
                    paused = True
                else:
                    fleet.kill_one(rng.randrange(len(fleet.workers)))
                    events.append(f"killed a worker at {total()}")
            _wait_sent(env, issue, total, timeout)
            seconds = time.monotonic() - started
        finally:
            fleet.stop()
        ledger = json.loads(python(env, LEDGER.replace("ISSUE", str(issue))).stdout)
    finally:
        handler.__exit__()
    return Outcome(
        audience=int(created["audience"]),
        received=Counter(handler.received),
        ledger={email: state for _pk, email, state in ledger["rows"]},
        keys={email: pk for pk, email, _state in ledger["rows"]},
        status=ledger["status"],
        seconds=seconds,
        kills=fleet.kills,
        paused=paused,
        events=events,
    )
