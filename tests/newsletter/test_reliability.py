"""A dead worker's batch, taken over: real processes SIGKILLed at each step of a hand-over,
then the issue's reliability test, reduced.

Both run on one platform of their own (migrated once for the module): real SMTP over
loopback to a counting sink (fast_sink.py), real journals on disk, real SIGKILLs.

1. **Step by step**: a sending process kills itself with SIGKILL at one exact point of the
   hand-over (the test patches that point in the child, then the kernel does the rest:
   closes its sockets, drops its journal lock, keeps what it wrote); a second process takes
   the batch over. Each step ends with exactly one message per subscriber in the sink, or,
   in the one instant SMTP leaves unknowable (between the end-of-data journal line and the
   socket write), the documented outcome: that one row uncertain, its message not sent.
2. **The issue's test**, reduced: 20,000 subscribers through real ``quartieri worker``
   processes, three SIGKILLed at seeded-random moments and restarted, one pause/resume. The
   full size (300,000) is bench/newsletter_reliability_bench.py.
"""

from __future__ import annotations

import json
import os
import signal
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from quartieri.newsletter.journal import journal_read
from tests.newsletter import reliability
from tests.newsletter.fast_sink import FastSink
from tests.processes import free_port, platform, python

ELIGIBLE = 20_000
RESERVE = 50
STEP_READERS = 12  # per step: reservations of 5, so the kill falls in the second one


@pytest.fixture(scope="module")
def module_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    folder = tmp_path_factory.mktemp("newsletter-platform")
    database_url = os.environ.get("DATABASE_URL", "")
    with platform(folder, database_url=database_url, redis_url=settings.REDIS_URL) as env:
        yield env


@pytest.mark.slow
def test_twenty_thousand_once_each_through_kills_and_a_pause(module_platform):
    outcome = reliability.run(
        module_platform, eligible=ELIGIBLE, kills=3, reserve=RESERVE, connections=10
    )
    print("\n" + outcome.summary() + "\n" + "; ".join(outcome.events))  # noqa: T201

    assert outcome.kills == 3
    assert outcome.paused
    window = reliability.verify(
        outcome, env=module_platform, eligible={f"reader{n}@example.org" for n in range(ELIGIBLE)}
    )
    if window:
        # Not hidden: the journals show these rows in the instant between the end-of-data
        # line and the socket write (docs/newsletter.md); an approver resends them.
        warnings.warn(
            f"the run hit the end-of-data window {len(window)} times: {sorted(window)}",
            stacklevel=1,
        )


# --- Step by step -------------------------------------------------------------------------------
# One process: the setup, then per step a forked child that sends and is SIGKILLed at that
# step (the patch is made in the child only), then the taking over of the four batches.
STEPS_RUN = """
import datetime as dt, json, os, signal
from django.db import connections
from django.utils import timezone
from quartieri.channels.models import ChannelAccount
from quartieri.newsletter import journal, sending
from quartieri.newsletter.issues import issue_send_start
from quartieri.newsletter.models import (
    Delivery, Issue, NewsletterList, SendBatch, Subscriber, Subscription)
from quartieri.newsletter.rendering import html_to_text, mjml_render

mjml = ('<mjml><mj-body><mj-section><mj-column><mj-text>Ciao %%NAME%%'
        '<a href="%%PREFERENCES_URL%%">p</a> <a href="%%UNSUBSCRIBE_URL%%">u</a>'
        '</mj-text></mj-column></mj-section></mj-body></mjml>')
html = mjml_render(mjml)
batches = {}
for step in STEPS:
    account = ChannelAccount.objects.create(platform="newsletter", handle=step)
    lst = NewsletterList.objects.create(slug=step, name=step, account=account, from_name="C")
    people = Subscriber.objects.bulk_create(
        [Subscriber(email=f"{step}{n}@example.org", status="confirmed") for n in range(READERS)])
    Subscription.objects.bulk_create(
        [Subscription(subscriber=p, newsletter_list=lst, status="confirmed") for p in people])
    issue = Issue.objects.create(newsletter_list=lst, date=timezone.localdate(),
        subject_it="Oggi", subject_en="Today", mjml_it=mjml, mjml_en=mjml, html_it=html,
        html_en=html, text_it=html_to_text(html), text_en=html_to_text(html), status="approved")
    issue = issue_send_start(actor=None, issue=issue)
    batches[step] = issue.batches.get().pk


def dies_after(function, nth):
    calls = []
    def wrapper(*args, **kwargs):
        result = function(*args, **kwargs)
        calls.append(1)
        if len(calls) == nth:
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    return wrapper


def dies_before(function, nth):
    calls = []
    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) == nth:
            os.kill(os.getpid(), signal.SIGKILL)
        return function(*args, **kwargs)
    return wrapper


def doomed(step):
    if step == "reserved":  # the second reservation is committed; no byte of it is sent
        sending._reserve = dies_after(sending._reserve, 2)
    elif step == "journal-line":  # the 7th end of data is journaled, not yet written
        journal.Journal.before_dot = dies_after(journal.Journal.before_dot, 7)
    elif step == "dot-written":  # the 7th end of data is written, its reply not read
        journal.Journal.dot_written = dies_after(journal.Journal.dot_written, 7)
    elif step == "replied":  # the 2nd reservation's replies are read, the ledger not updated
        sending._confirm = dies_before(sending._confirm, 2)
    sending.batch_send(batch_id=batches[step], worker="doomed")


out = {}
for step in STEPS:
    connections.close_all()  # the child opens its own
    pid = os.fork()
    if pid == 0:
        try:
            doomed(step)
        finally:
            os._exit(3)  # the step was never reached
    _pid, status = os.waitpid(pid, 0)
    out[step] = {"signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None}
for step, batch_id in batches.items():
    # The dead run's claim is old enough to be taken over (its worker never beat).
    SendBatch.objects.filter(pk=batch_id).update(touched_at=timezone.now() - dt.timedelta(hours=1))
    out[step]["result"] = sending.batch_send(batch_id=batch_id, worker="taker")
    issue = SendBatch.objects.get(pk=batch_id).issue_id
    rows = Delivery.objects.filter(issue_id=issue).values_list("pk", "subscriber__email", "state")
    out[step]["rows"] = list(rows)
    out[step]["batch"] = batch_id
print(json.dumps(out))
"""

STEPS = ["reserved", "journal-line", "dot-written", "replied"]


@pytest.fixture(scope="module")
def taken_over(module_platform: dict[str, str]) -> Iterator[tuple[dict[str, object], FastSink]]:
    """Every step's kill, then the four batches taken over."""
    port = free_port()
    env = {
        **module_platform,
        "QUARTIERI_SMTP_URL": f"smtp://127.0.0.1:{port}?connections=2",
        "QUARTIERI_NEWSLETTER_RESERVE": "5",
        "QUARTIERI_NEWSLETTER_FROM": "newsletter@comune.example.org",
        "QUARTIERI_SANDBOX": "0",
    }
    with FastSink(port) as sink:
        script = STEPS_RUN.replace("STEPS", repr(STEPS)).replace("READERS", str(STEP_READERS))
        # Generous: a few seconds on a quiet machine, a minute and more on a loaded one.
        yield {"taken": json.loads(python(env, script, timeout=240).stdout), "env": env}, sink


def _settled_journal(env: dict[str, str], batch_id: int) -> Path:
    folder = Path(env["QUARTIERI_DATA_DIR"]) / "send-journal"
    [path] = folder.glob(f"b{batch_id}-doomed.log.*.settled")
    return path


@pytest.mark.slow
@pytest.mark.parametrize("step", STEPS)
def test_a_batch_taken_over_after_a_kill_sends_each_message_once(step, taken_over):
    found, sink = taken_over
    taken = found["taken"][step]
    assert taken["signal"] == signal.SIGKILL  # killed at the step, not before
    assert taken["result"] == "done"
    readers = {f"{step}{n}@example.org" for n in range(STEP_READERS)}
    states = {email: state for _pk, email, state in taken["rows"]}
    keys = {email: pk for pk, email, _state in taken["rows"]}
    assert set(states) == readers  # everyone has a ledger row
    journal = journal_read(_settled_journal(found["env"], taken["batch"]))
    if step == "journal-line":
        # The one instant SMTP cannot tell: the 7th end of data was journaled and never
        # written. Its row is uncertain and was not sent again (never twice); the sink
        # indeed never got it. Every other reader got exactly one.
        [seventh] = [e for e in readers if keys[e] in journal.before_dot - journal.written]
        assert states[seventh] == "uncertain"
        assert sink.received[seventh] == 0
        readers.discard(seventh)
    assert {email: sink.received[email] for email in readers} == dict.fromkeys(readers, 1)
    assert {states[email] for email in readers} <= {"sent", "unconfirmed"}
    if step == "dot-written":
        # The 7th dot (and maybe the other connection's) was written and its reply never
        # read: the server has the message, and it was not sent again.
        unreplied = [e for e in readers if keys[e] in journal.written - set(journal.replies)]
        assert unreplied
        assert {states[email] for email in unreplied} == {"unconfirmed"}
    if step == "replied":
        # Both reservations' replies were journaled (the second's never reached the ledger
        # before the kill): all ten are sent from the journal, not sent again.
        replied = [e for e in readers if keys[e] in journal.replies]
        assert len(replied) == 10
        assert {states[email] for email in replied} == {"sent"}
    if step == "reserved":
        # The second reservation never reached a server: it was sent by the taker.
        assert journal.before_dot == journal.written == set(journal.replies)
        assert len(journal.before_dot) == 5
