"""The ``quartieri newsletter`` commands: compose, send (refusal, --approved-by, --wait),
the daily schedule and the lost-batch check of periodic.py, the shared rate counters."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.tasks import default_task_backend
from django.utils import timezone

from quartieri.accounts.models import AuditEvent
from quartieri.campaigns.selectors import ROME
from quartieri.newsletter import periodic
from quartieri.newsletter.models import Issue, SendBatch
from quartieri.newsletter.sending import batch_send
from quartieri.newsletter.services import rate_take


def _run(*args):
    out = StringIO()
    call_command("newsletter", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_compose_prints_the_new_issue_id_as_json(daily, day_content, editor):
    data = json.loads(
        _run(
            "compose",
            "--list",
            "daily",
            "--date",
            "2021-05-03",
            "--by",
            "marco",
            "--format",
            "json",
        )
    )
    issue = Issue.objects.get(pk=data["id"])
    assert (issue.status, issue.composed_by) == ("draft", editor)
    # The newsletter's own variant in its account's language, the item's master text in
    # the other; the Instagram post of the day follows.
    assert "Questa settimana a Baggio: concerti." in issue.text_it
    assert "Concerts in the old church." in issue.text_en
    assert "Workshops open their doors." in issue.text_en


def test_compose_on_a_day_without_content_is_refused(daily):
    with pytest.raises(CommandError, match="nothing to compose") as error:
        _run("compose", "--list", "daily", "--date", "2021-06-01")
    assert error.value.returncode == 2
    assert not Issue.objects.exists()


def test_send_refuses_an_issue_in_review_unless_an_approver_is_named(
    sink, daily, day_content, editor, approver, subscribe_people
):
    from quartieri.newsletter.issues import issue_compose, issue_submit

    readers = subscribe_people(3)
    issue = issue_submit(
        actor=editor, issue=issue_compose(actor=editor, newsletter_list=daily, date=day_content)
    )
    with pytest.raises(CommandError, match="not approved: it cannot be sent"):
        _run("send", str(issue.pk))
    assert not SendBatch.objects.exists()
    # An editor may not approve, not even from the command line.
    with pytest.raises(CommandError, match="Your role does not allow this"):
        _run("send", str(issue.pk), "--approved-by", "marco")

    def workers_run(seconds):  # what the workers do while --wait sleeps
        for batch in SendBatch.objects.exclude(state="done"):
            batch_send(batch_id=batch.pk, worker="w1")

    target = "quartieri.newsletter.management.commands.newsletter.time.sleep"
    with mock.patch(target, side_effect=workers_run):
        out = _run("send", str(issue.pk), "--approved-by", "giulia", "--wait", "--format", "json")
    assert json.loads(out) == {
        "id": issue.pk,
        "sent": 3,
        "unconfirmed": 0,
        "failed": 0,
        "uncertain": 0,
    }
    assert sink.received == {r.email: 1 for r in readers}
    event = AuditEvent.objects.get(action="newsletter.issue.approve.command")
    assert event.actor == approver


def test_the_daily_schedule_starts_the_approved_issue_once(approved_issue, daily, subscribe_people):
    subscribe_people(2)
    daily.send_time = dt.time(7, 0)
    daily.save()
    Issue.objects.filter(pk=approved_issue.pk).update(date=dt.date(2024, 5, 3))
    before = dt.datetime(2024, 5, 3, 6, 59, tzinfo=ROME)
    periodic.tick(now=before)
    assert Issue.objects.get().status == "approved"
    at_seven = dt.datetime(2024, 5, 3, 7, 0, 30, tzinfo=ROME)
    periodic.tick(now=at_seven)
    periodic.tick(now=at_seven)  # a second worker's tick
    issue = Issue.objects.get()
    assert (issue.status, issue.audience_size) == ("sending", 2)
    assert SendBatch.objects.count() == 1
    assert AuditEvent.objects.filter(action="newsletter.issue.send").count() == 1


def test_a_batch_whose_task_was_lost_gets_one_again(
    approved_issue, approver, subscribe_people, settings, django_capture_on_commit_callbacks
):
    from quartieri.newsletter.issues import issue_send_start

    settings.NEWSLETTER_BATCH_STALE_SECONDS = 60
    subscribe_people(2)
    default_task_backend.results.clear()
    with django_capture_on_commit_callbacks(execute=True):
        issue = issue_send_start(actor=approver, issue=approved_issue)
    batch = SendBatch.objects.get(issue=issue)
    # Its task waits in the queue: nothing to do.
    later = timezone.now() + dt.timedelta(minutes=5)
    assert periodic._lost_batches(later) == []
    # The queue lost it (a worker crash on RQ, a deleted row): the check enqueues it again.
    default_task_backend.results.clear()
    SendBatch.objects.filter(pk=batch.pk).update(state="running", claimed_by="dead-worker")
    with django_capture_on_commit_callbacks(execute=True):
        assert periodic._lost_batches(later) == [batch.pk]
    batch.refresh_from_db()
    assert (batch.state, batch.claimed_by) == ("pending", "")
    assert [r.kwargs for r in default_task_backend.results] == [{"batch_id": batch.pk}]


def test_the_shared_rate_counter_never_gives_the_last_slot_twice(db):
    # Two senders interleaved step by step on a cap of 3 messages in one second.
    assert rate_take(key="smtp:*", window=100, cap=3, want=2) == 2  # worker A
    assert rate_take(key="smtp:*", window=100, cap=3, want=2) == 1  # worker B: one left
    assert rate_take(key="smtp:*", window=100, cap=3, want=1) == 0  # A again: none
    assert rate_take(key="smtp:*", window=101, cap=3, want=3) == 3  # the next second
    assert rate_take(key="smtp:*", window=101, cap=0, want=50) == 50  # no cap
