"""Send an issue to many subscribers through real worker processes and a local SMTP sink,
killing workers with SIGKILL at seeded-random moments and pausing/resuming once.

Shared by the reduced test (test_reliability.py) and bench/newsletter_reliability_bench.py.
The sink runs in this process (tests/newsletter/fast_sink.py, on loopback) and counts per recipient; the workers
are real ``quartieri worker`` processes on a platform of their own (tests/processes.py).
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.newsletter.conftest import free_port
from tests.newsletter.fast_sink import FastSink
from tests.processes import python, quartieri, wait_for
from tests.publishing.reliability import Fleet

SETUP = """
import json
from django.utils import timezone
from quartieri.newsletter.models import Issue, NewsletterList, Subscriber, Subscription
from quartieri.newsletter.rendering import html_to_text, mjml_render
from quartieri.newsletter.issues import issue_send_start

lst = NewsletterList.objects.create(slug="daily", name="Daily", account_handle="newsletter",
                                    from_name="Comune")
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
rows = Delivery.objects.filter(issue_id=ISSUE).values_list("subscriber__email", "state")
print(json.dumps({"status": Issue.objects.get(pk=ISSUE).status, "rows": list(rows)}))
"""


@dataclass
class Outcome:
    audience: int
    received: Counter[str]
    ledger: dict[str, str]
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
            f"paused={self.paused} seconds={self.seconds:.1f} rate={self.audience / self.seconds:.0f}/s"
        )


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
        # Kill moments: seeded points of the run, by how many messages have arrived.
        moments = sorted(rng.sample(range(eligible // 10, eligible * 9 // 10), kills))
        pause_at = eligible // 2
        fleet = Fleet(env, workers)
        events: list[str] = []
        started = time.monotonic()
        fleet.start()
        try:
            paused = False
            for moment in moments + ([pause_at] if pause else []):
                wait_for(lambda m=moment: total() >= m, timeout=timeout, what=f"{moment} received")
                if moment == pause_at and pause and not paused:
                    paused = True
                    result = quartieri(env, "newsletter", "pause", str(issue))
                    assert result.returncode == 0, result.stderr
                    events.append(f"paused at {total()}")
                    time.sleep(1.5)
                    events.append(f"resumed at {total()}")
                    result = quartieri(env, "newsletter", "resume", str(issue))
                    assert result.returncode == 0, result.stderr
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
        ledger=dict(ledger["rows"]),
        status=ledger["status"],
        seconds=seconds,
        kills=fleet.kills,
        paused=paused,
        events=events,
    )
