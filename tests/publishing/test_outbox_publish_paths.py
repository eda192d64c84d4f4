"""The outbox's claim and publish path, each branch pinned by a test (issue 21, point 11: the
mutants of ``publishing/outbox.py`` the suite let live in ``_claim``, ``outbox_publish``,
``_retry_later``, ``outbox_take`` and their helpers).

Each test drives a branch through the real outbox functions and checks all it promises: the
entry's state, words, attempts, claim and due time, the next task and its time, the account.
Two workers are interleaved step by step (the second one's write is made at a chosen point of
the first one's run), never raced. Times are frozen for the outbox alone, so a due time or a
lease is compared with the exact moment the outbox reads.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models.query import QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quartieri.campaigns.models import Variant
from quartieri.channels.connectors.fakeserver import FaultKind
from quartieri.channels.kinds.tiktok.client import TikTokConnector
from quartieri.channels.models import AccountState, PlatformCredential
from quartieri.core.workers import heartbeat_beat
from quartieri.publishing import outbox
from quartieri.publishing.models import OutboxEntry
from tests.publishing.conftest import (
    entry_in_place,
    queue_backend,
    queued,
    refreshed,
    schedule,
    scheduled_variant,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("outbox_settings")]
State = OutboxEntry.State
Step = outbox.Step


# --- Local helpers --------------------------------------------------------------------------------
def _frozen(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """Stop the outbox's clock (only the outbox's: the fakes and the account pause keep the
    real one) at now, and return that moment."""
    at = timezone.now()
    clock = SimpleNamespace(now=lambda: at, localtime=timezone.localtime)
    monkeypatch.setattr(outbox, "timezone", clock)
    return at


def _alive(*workers: str) -> None:
    heartbeat_beat(worker_ids=list(workers), started_at=timezone.now())


def _before_each_call(
    monkeypatch: pytest.MonkeyPatch, action: Callable[[int], None]
) -> list[dict[str, object]]:
    """Run ``action`` (given the call's number, from 1) just before each platform call of the
    outbox, and keep the entry's row as it was then: what another worker would see."""
    real = outbox.account_call
    seen: list[dict[str, object]] = []

    def call(account, operation):
        seen.append(OutboxEntry.objects.values().get(account=account))
        action(len(seen))
        return real(account, operation)

    monkeypatch.setattr(outbox, "account_call", call)
    return seen


def _taken_over_by(entry: OutboxEntry, worker: str, *, on_call: int = 1) -> Callable[[int], None]:
    def take(number: int) -> None:
        if number == on_call:
            OutboxEntry.objects.filter(pk=entry.pk).update(claimed_by=worker)

    return take


def _nothing(_number: int) -> None:
    return None


# --- _claim: a task for an entry no longer there, or locked by another ----------------------
def test_a_task_for_an_entry_that_is_gone_does_nothing(current_item, giulia_tiktok, fake_tiktok):
    entry = entry_in_place(current_item, giulia_tiktok)
    OutboxEntry.objects.filter(pk=entry.pk).delete()
    assert outbox.outbox_publish(entry_id=entry.pk, version=1) == Step.BUSY
    assert queued() == []
    assert fake_tiktok.requests == []


# --- _claim: an entry found submitted -------------------------------------------------------
def test_a_submitted_post_polled_by_a_live_worker_is_left_to_it(
    current_item, giulia_tiktok, fake_tiktok
):
    _alive("worker-a", "worker-b")
    entry = entry_in_place(
        current_item,
        giulia_tiktok,
        state=State.SUBMITTED,
        claimed_by="worker-a",
        claimed_at=timezone.now(),
    )
    assert outbox.outbox_publish(entry_id=entry.pk, version=1, worker="worker-b") == Step.BUSY
    assert queued() == []  # no second poll next to the one worker A is running
    assert refreshed(entry).claimed_by == "worker-a"


@pytest.mark.parametrize(
    "holder", ["worker-a", "dead-worker"], ids=["its-own-claim", "a-dead-worker"]
)
def test_a_submitted_post_not_held_by_another_live_worker_is_polled_on(
    current_item, giulia_tiktok, fake_tiktok, monkeypatch, holder
):
    # Worker A's own earlier run (a re-queued task), or a dead worker, left it submitted.
    _alive("worker-a")
    entry = entry_in_place(
        current_item,
        giulia_tiktok,
        state=State.SUBMITTED,
        claimed_by=holder,
        claimed_at=timezone.now(),
    )
    at = _frozen(monkeypatch)
    assert outbox.outbox_publish(entry_id=entry.pk, version=1, worker="worker-a") == (
        State.SUBMITTED
    )
    assert queued() == [("poll_entry", {"entry_id": entry.pk}, at)]
    assert fake_tiktok.requests_to("video/init") == []  # never sent again


def test_a_post_left_submitting_by_this_same_worker_is_reconciled(
    current_item, giulia_tiktok, fake_tiktok
):
    # Worker A's task ran again after A lost track of it: its own claim does not stop it.
    _alive("worker-a")
    entry = entry_in_place(
        current_item,
        giulia_tiktok,
        state=State.SUBMITTING,
        claimed_by="worker-a",
        claimed_at=timezone.now(),
    )
    assert outbox.outbox_publish(entry_id=entry.pk, version=1, worker="worker-a") == (
        State.UNCONFIRMED
    )
    assert refreshed(entry).claimed_by == ""
    assert [name for name, _kwargs, _at in queued()] == ["reconcile_entry"]


@pytest.mark.parametrize("state", [State.PUBLISHED, State.FAILED, State.UNCONFIRMED])
def test_a_task_for_a_settled_or_unconfirmed_post_reports_its_state_and_does_nothing(
    current_item, giulia_tiktok, fake_tiktok, state
):
    # A publish task given again after the post went its way (the sweep re-queues lost tasks).
    entry = entry_in_place(current_item, giulia_tiktok, state=state, last_error="as it was")
    assert outbox.outbox_publish(entry_id=entry.pk, version=1, worker="worker-a") == state
    entry = refreshed(entry)
    assert (entry.state, entry.claimed_by, entry.attempts) == (state, "", 0)
    assert entry.last_error == "as it was"
    assert queued() == []
    assert fake_tiktok.requests == []


# --- _claim: due time, review, reconnect ----------------------------------------------------
def test_a_task_exactly_one_second_early_still_sends(
    current_item, giulia_tiktok, fake_tiktok, monkeypatch
):
    entry = entry_in_place(current_item, giulia_tiktok)
    at = _frozen(monkeypatch)
    OutboxEntry.objects.filter(pk=entry.pk).update(due_at=at + dt.timedelta(seconds=1))
    assert outbox.outbox_publish(entry_id=entry.pk, version=1) == State.PUBLISHED
    assert len(fake_tiktok.posts) == 1


def test_a_task_more_than_one_second_early_is_notentry_in_place(
    current_item, giulia_tiktok, fake_tiktok, monkeypatch
):
    entry = entry_in_place(current_item, giulia_tiktok)
    at = _frozen(monkeypatch)
    OutboxEntry.objects.filter(pk=entry.pk).update(
        due_at=at + dt.timedelta(seconds=1, microseconds=1)
    )
    assert outbox.outbox_publish(entry_id=entry.pk, version=1) == Step.NOT_DUE
    assert refreshed(entry).state == State.SCHEDULED
    assert fake_tiktok.requests == []


def test_a_post_sent_back_to_review_is_cancelled_and_its_old_tasks_are_stale(
    current_item, giulia_tiktok, fake_tiktok
):
    entry = entry_in_place(current_item, giulia_tiktok)
    Variant.objects.filter(pk=entry.variant_id).update(status=Variant.Status.IN_REVIEW)

    assert outbox.outbox_publish(entry_id=entry.pk, version=1) == State.CANCELLED
    entry = refreshed(entry)
    assert (entry.state, entry.version) == (State.CANCELLED, 2)
    # Any other task enqueued for the old version now does nothing.
    assert outbox.outbox_publish(entry_id=entry.pk, version=1) == Step.STALE
    assert queued() == []
    assert fake_tiktok.requests == []


def test_a_post_for_an_account_to_reconnect_fails_without_calling_the_platform(
    current_item, giulia_tiktok, fake_tiktok
):
    entry = entry_in_place(current_item, giulia_tiktok)
    AccountState.objects.create(account=giulia_tiktok, reconnect_needed=True)
    PlatformCredential.objects.filter(account=giulia_tiktok).update(
        status=PlatformCredential.Status.RECONNECT_NEEDED
    )

    assert outbox.outbox_publish(entry_id=entry.pk, version=1) == State.FAILED
    entry = refreshed(entry)
    assert entry.state == State.FAILED
    assert entry.last_error == (
        "The account needs to be reconnected. Reconnect the account, then schedule the post again."
    )
    assert entry.claimed_by == ""
    assert entry.attempts == 0
    assert queued() == []
    assert fake_tiktok.requests == []


# --- _claim: the compare-and-swap and what it writes ------------------------------------------
def test_the_claim_signs_and_times_the_entry_before_the_platform_is_called(
    current_item, giulia_tiktok, fake_tiktok, monkeypatch
):
    entry = entry_in_place(current_item, giulia_tiktok)
    at = _frozen(monkeypatch)
    seen = _before_each_call(monkeypatch, _nothing)

    assert outbox.outbox_publish(entry_id=entry.pk, version=1, worker="worker-a") == (
        State.PUBLISHED
    )
    row = seen[0]  # as another worker would have read it during the submit
    assert (row["state"], row["claimed_by"], row["attempts"]) == (State.SUBMITTING, "worker-a", 1)
    assert row["claimed_at"] == at
    assert row["sent_at"] == at


@pytest.mark.parametrize(
    "meanwhile",
    [{"state": State.CANCELLED}, {"version": 2}],
    ids=["cancelled", "rescheduled"],
)
def test_an_entry_changed_between_its_read_and_its_claim_is_not_sent(
    current_item, giulia_tiktok, fake_tiktok, monkeypatch, meanwhile
):
    # Another writer changes the row after this task read it (the account check runs in
    # between): the compare-and-swap on state and version must then claim nothing.
    entry = entry_in_place(current_item, giulia_tiktok)
    gate = outbox.account_gate

    def gate_then_other_writer(account):
        OutboxEntry.objects.filter(pk=entry.pk).update(**meanwhile)
        return gate(account)

    monkeypatch.setattr(outbox, "account_gate", gate_then_other_writer)

    assert outbox.outbox_publish(entry_id=entry.pk, version=1, worker="worker-a") == Step.BUSY
    entry = refreshed(entry)
    assert (entry.claimed_by, entry.attempts) == ("", 0)
    assert entry.state == meanwhile.get("state", State.SCHEDULED)
    assert fake_tiktok.requests == []


def test_a_task_run_outside_a_worker_signs_with_its_host_and_process(
    current_item, giulia_tiktok, fake_tiktok, monkeypatch
):
    monkeypatch.setattr(outbox.socket, "gethostname", lambda: "h" * 40)
    entry = entry_in_place(current_item, giulia_tiktok)
    seen = _before_each_call(monkeypatch, _nothing)

    assert outbox.outbox_publish(entry_id=entry.pk, version=1) == State.PUBLISHED
    # The host name cut to 30 characters keeps the id within the column.
    assert seen[0]["claimed_by"] == "h" * 30 + f"-{os.getpid()}-direct"


# --- outbox_publish: each way a submit can end ---------------------------------------------------
def test_a_lost_answer_is_logged_with_the_platform_error(
    current_item, giulia_tiktok, fake_tiktok, outbox_log
):
    fake_tiktok.inject(FaultKind.DROP_AFTER_EFFECT, path="video/init")
    entry = entry_in_place(current_item, giulia_tiktok)
    assert outbox.outbox_publish(entry_id=entry.pk, version=1) == State.UNCONFIRMED
    assert outbox_log.lines == [
        (
            "WARNING",
            f"Outbox entry {entry.pk} unconfirmed: "
            "POST /v2/post/publish/video/init/: no answer (RemoteProtocolError)",
        )
    ]


def test_an_unexpected_error_is_logged_and_left_to_reconcile(
    current_item, giulia_tiktok, fake_tiktok, monkeypatch, outbox_log
):
    def crash(self, *, request):
        raise KeyError("publish_id")

    monkeypatch.setattr(TikTokConnector, "submit", crash)
    entry = entry_in_place(current_item, giulia_tiktok)

    assert outbox.outbox_publish(entry_id=entry.pk, version=1) == State.UNCONFIRMED
    entry = refreshed(entry)
    assert (entry.state, entry.claimed_by, entry.publish_id) == (State.UNCONFIRMED, "", "")
    assert outbox_log.lines == [
        ("ERROR", f"Submit of outbox entry {entry.pk} failed unexpectedly"),
        ("WARNING", f"Outbox entry {entry.pk} unconfirmed: KeyError('publish_id')"),
    ]
    assert [name for name, _kwargs, _at in queued()] == ["reconcile_entry"]


def test_a_post_that_cannot_be_built_fails_naming_the_problem(
    current_item, giulia_tiktok, fake_tiktok, monkeypatch
):
    def unbuildable(entry):
        raise ValueError("the video has no file")

    monkeypatch.setattr(outbox, "post_request_for", unbuildable)
    entry = entry_in_place(current_item, giulia_tiktok)

    assert outbox.outbox_publish(entry_id=entry.pk, version=1, worker="worker-a") == State.FAILED
    entry = refreshed(entry)
    assert entry.state == State.FAILED
    assert entry.last_error == (
        "The post is incomplete: the video has no file. Edit the post and schedule it again."
    )
    assert (entry.claimed_by, entry.attempts) == ("", 1)
    assert queued() == []
    assert fake_tiktok.requests == []


def test_a_platform_refusal_fails_with_its_reason_and_action_and_frees_the_entry(
    current_item, giulia_tiktok, fake_tiktok
):
    variant = scheduled_variant(current_item, giulia_tiktok, tiktok_privacy_level="")
    entry = schedule(variant)
    queue_backend().clear()
    assert outbox.outbox_publish(entry_id=entry.pk, version=1, worker="worker-a") == State.FAILED
    entry = refreshed(entry)
    assert entry.last_error == (
        "No TikTok privacy setting was chosen for this post. "
        "Open the post, choose who can see it on TikTok, and save it."
    )
    assert (entry.state, entry.claimed_by, entry.attempts) == (State.FAILED, "", 1)
    assert queued() == []


def test_a_refused_access_fails_the_post_and_flags_the_account(
    current_item, giulia_tiktok, fake_tiktok
):
    fake_tiktok.expire_token("tok-a")
    fake_tiktok.refresh_tokens.clear()
    entry = entry_in_place(current_item, giulia_tiktok)
    assert outbox.outbox_publish(entry_id=entry.pk, version=1, worker="worker-a") == State.FAILED
    entry = refreshed(entry)
    assert entry.last_error == (
        "The platform no longer accepts quartieri's access to this account. "
        "Reconnect the account, then schedule the post again."
    )
    assert (entry.state, entry.claimed_by, entry.attempts) == (State.FAILED, "", 1)
    account = AccountState.objects.get(account=giulia_tiktok)
    assert account.last_error == "HTTP 400 invalid_grant: bad"  # the platform's own words
    assert account.reconnect_needed
    assert queued() == []


def test_a_retry_is_logged_with_the_platform_error(
    current_item, giulia_tiktok, fake_tiktok, outbox_log
):
    fake_tiktok.inject(FaultKind.SERVER_ERROR, path="creator_info")
    entry = entry_in_place(current_item, giulia_tiktok)
    assert outbox.outbox_publish(entry_id=entry.pk, version=1) == Step.RETRY
    assert outbox_log.lines == [
        (
            "WARNING",
            f"Outbox entry {entry.pk}: platform unreachable: "
            "HTTP 500 internal_error: internal_error (log_id fake)",
        )
    ]


# --- _retry_later: the wait, the attempts, the limit ----------------------------------------------
def _unreachable_at_attempt(current_item, account, fake_tiktok, monkeypatch, attempt: int):
    """A post whose ``attempt``-th send finds the platform down (500); its outcome, the entry
    after it and the moment the outbox read."""
    fake_tiktok.inject(FaultKind.SERVER_ERROR, path="creator_info")
    entry = entry_in_place(current_item, account, attempts=attempt - 1)
    at = _frozen(monkeypatch)
    outcome = outbox.outbox_publish(entry_id=entry.pk, version=1, worker="worker-a")
    return outcome, refreshed(entry), at


@pytest.mark.parametrize(
    ("retry_seconds", "attempt", "wait"),
    [
        (None, 1, 30),  # the default base
        (10, 1, 10),  # the setting read
        (None, 3, 120),  # doubled at each attempt: 30 · 2²
        (None, 8, 3600),  # 30 · 2⁷ = 3840, capped at an hour
    ],
)
def test_an_unreachable_platform_is_tried_again_after_a_growing_wait(
    current_item,
    giulia_tiktok,
    fake_tiktok,
    monkeypatch,
    settings,
    retry_seconds,
    attempt,
    wait,
):
    settings.PUBLISHING_MAX_ATTEMPTS = 10
    if retry_seconds is not None:
        settings.PUBLISHING_RETRY_SECONDS = retry_seconds
    outcome, entry, at = _unreachable_at_attempt(
        current_item, giulia_tiktok, fake_tiktok, monkeypatch, attempt
    )
    assert outcome == Step.RETRY
    due = at + dt.timedelta(seconds=wait)
    assert (entry.state, entry.due_at, entry.attempts) == (State.SCHEDULED, due, attempt)
    assert entry.claimed_by == ""  # free for the retry's task, whoever runs it
    assert entry.last_error == "The platform could not be reached; quartieri will try again."
    assert queued() == [("publish_entry", {"entry_id": entry.pk, "version": 1}, due)]


@pytest.mark.parametrize(("attempt", "outcome"), [(5, Step.RETRY), (6, State.FAILED)])
def test_by_default_the_sixth_unreachable_attempt_fails(
    current_item, giulia_tiktok, fake_tiktok, monkeypatch, attempt, outcome
):
    got, entry, _at = _unreachable_at_attempt(
        current_item, giulia_tiktok, fake_tiktok, monkeypatch, attempt
    )
    assert got == outcome
    if outcome == State.FAILED:
        assert entry.last_error == (
            "The platform could not be reached after 6 attempts. Schedule the post again later."
        )
        assert (entry.claimed_by, entry.attempts) == ("", 6)
        assert queued() == []


# --- _rate_limited: the account paused, the post moved to the pause's end -------------------------
def test_a_rate_limited_submit_moves_the_post_to_the_end_of_the_pause(
    current_item, giulia_tiktok, fake_tiktok
):
    fake_tiktok.inject(FaultKind.RATE_LIMITED, path="creator_info", retry_after=7200)
    entry = entry_in_place(current_item, giulia_tiktok)

    assert outbox.outbox_publish(entry_id=entry.pk, version=1, worker="worker-a") == (
        Step.RATE_LIMITED
    )
    until = AccountState.objects.get(account=giulia_tiktok).paused_until
    assert until is not None
    assert until - timezone.now() > dt.timedelta(hours=1, minutes=59)
    entry = refreshed(entry)
    assert (entry.state, entry.due_at, entry.claimed_by) == (State.SCHEDULED, until, "")
    # Two hours on: the time said cannot be mistaken for the time of the attempt.
    assert entry.last_error == (
        "The platform asked quartieri to slow down; the post will be sent at "
        f"{timezone.localtime(until):%Y-%m-%d %H:%M}."
    )
    assert queued() == [("publish_entry", {"entry_id": entry.pk, "version": 1}, until)]
    assert fake_tiktok.requests_to("video/init") == []


# --- Taken over while the platform answered: the late worker writes nothing ---------------------
@pytest.mark.parametrize(
    ("fault", "options"),
    [
        (FaultKind.SERVER_ERROR, {}),
        (FaultKind.RATE_LIMITED, {"retry_after": 60}),
        (FaultKind.PLATFORM_ERROR, {}),
    ],
    ids=["retry", "rate-limited", "refused"],
)
def test_a_worker_whose_entry_was_taken_over_leaves_the_new_holder_s_claim(
    current_item, giulia_tiktok, fake_tiktok, monkeypatch, fault, options
):
    fake_tiktok.inject(fault, path="creator_info", **options)
    entry = entry_in_place(current_item, giulia_tiktok)
    _before_each_call(monkeypatch, _taken_over_by(entry, "worker-b"))

    outcome = outbox.outbox_publish(entry_id=entry.pk, version=1, worker="worker-a")

    entry = refreshed(entry)
    assert outcome == entry.state == State.SUBMITTING
    assert (entry.claimed_by, entry.last_error) == ("worker-b", "")
    assert queued() == []


def test_a_poll_whose_entry_was_taken_over_hands_nothing_over(
    current_item, giulia_tiktok, fake_tiktok, monkeypatch, settings
):
    settings.PUBLISHING_POLL_DELAYS = (0,)
    fake_tiktok.processing_polls = 1000
    entry = entry_in_place(current_item, giulia_tiktok)
    # Call 1 is the submit, call 2 the status check during which worker B takes over.
    _before_each_call(monkeypatch, _taken_over_by(entry, "worker-b", on_call=2))

    assert outbox.outbox_publish(entry_id=entry.pk, version=1, worker="worker-a") == (
        State.SUBMITTED
    )
    assert refreshed(entry).claimed_by == "worker-b"
    assert queued() == []  # worker B's poll goes on; no second one


# --- outbox_take: a compare-and-swap on the state and the claim read -------------------------------
def _unconfirmed(current_item, account, **fields) -> OutboxEntry:
    return entry_in_place(current_item, account, state=State.UNCONFIRMED, **fields)


def test_taking_an_entry_signs_and_times_it_and_nothing_else(
    current_item, giulia_tiktok, monkeypatch
):
    entry = _unconfirmed(current_item, giulia_tiktok)
    other = _unconfirmed(current_item, giulia_tiktok)  # same state, same (empty) claim
    at = _frozen(monkeypatch)

    assert outbox.outbox_take(entry, worker="person-1", live=set())

    assert (refreshed(entry).claimed_by, refreshed(entry).claimed_at) == ("person-1", at)
    assert (refreshed(other).claimed_by, refreshed(other).claimed_at) == ("", None)


@pytest.mark.parametrize(
    "meanwhile",
    [{"state": State.SCHEDULED}, {"claimed_by": "worker-b"}],
    ids=["state-changed", "claimed-by-another"],
)
def test_an_entry_changed_since_it_was_read_is_not_taken(current_item, giulia_tiktok, meanwhile):
    entry = _unconfirmed(current_item, giulia_tiktok)  # read: unconfirmed, claimed by nobody
    OutboxEntry.objects.filter(pk=entry.pk).update(**meanwhile)  # then another writes

    assert not outbox.outbox_take(entry, worker="person-1", live=set())

    row = refreshed(entry)
    assert row.claimed_by == meanwhile.get("claimed_by", "")
    assert row.claimed_at is None


def test_an_entry_held_by_a_live_worker_is_not_taken(current_item, giulia_tiktok):
    entry = _unconfirmed(
        current_item, giulia_tiktok, claimed_by="worker-b", claimed_at=timezone.now()
    )
    _alive("worker-b")  # the heartbeats say so when the caller gives no live workers
    assert not outbox.outbox_take(entry, worker="person-1")
    assert not outbox.outbox_take(entry, worker="person-1", live={"worker-b"})
    assert refreshed(entry).claimed_by == "worker-b"


def test_the_live_workers_given_are_used_over_the_heartbeats(current_item, giulia_tiktok):
    # The caller read the live workers before; worker B died since it took them.
    entry = _unconfirmed(
        current_item, giulia_tiktok, claimed_by="worker-b", claimed_at=timezone.now()
    )
    _alive("worker-b")
    assert outbox.outbox_take(entry, worker="person-1", live=set())
    assert refreshed(entry).claimed_by == "person-1"


def test_a_worker_takes_again_an_entry_it_holds_itself(current_item, giulia_tiktok):
    entry = _unconfirmed(
        current_item, giulia_tiktok, claimed_by="worker-b", claimed_at=timezone.now()
    )
    assert outbox.outbox_take(entry, worker="worker-b", live={"worker-b"})


# --- _take: a poll for an entry not (or no longer) submitted ---------------------------------------
def test_a_poll_for_an_entry_not_submitted_does_nothing(current_item, giulia_tiktok, fake_tiktok):
    entry = entry_in_place(current_item, giulia_tiktok)  # scheduled: a poll task from an older run
    assert outbox.outbox_poll(entry_id=entry.pk, worker="worker-a") == Step.BUSY
    assert refreshed(entry).claimed_by == ""
    assert outbox.outbox_poll(entry_id=entry.pk + 1000, worker="worker-a") == Step.BUSY
    assert fake_tiktok.requests == []


def test_a_poll_while_another_live_worker_polls_does_nothing(
    current_item, giulia_tiktok, fake_tiktok
):
    _alive("worker-a")
    entry = entry_in_place(
        current_item,
        giulia_tiktok,
        state=State.SUBMITTED,
        publish_id="v_pub_1",
        claimed_by="worker-a",
        claimed_at=timezone.now(),
    )
    assert outbox.outbox_poll(entry_id=entry.pk, worker="worker-b") == Step.BUSY
    assert refreshed(entry).claimed_by == "worker-a"
    assert fake_tiktok.requests == []


# --- held_by_other: the claim lease --------------------------------------------------------------
def _claimed(at: dt.datetime | None, holder: str = "worker-b") -> OutboxEntry:
    return OutboxEntry(claimed_by=holder, claimed_at=at)


@pytest.mark.parametrize(
    ("lease", "age", "held"),
    [
        (None, 899, True),
        (None, 900, False),  # the default lease is 900 s, and ends at (not after) it
        (60, 59, True),
        (60, 60, False),  # the setting read
    ],
)
def test_a_live_worker_s_claim_lasts_the_lease(monkeypatch, settings, lease, age, held):
    if lease is not None:
        settings.PUBLISHING_CLAIM_LEASE_SECONDS = lease
    at = _frozen(monkeypatch)
    entry = _claimed(at - dt.timedelta(seconds=age))
    assert outbox.held_by_other(entry, worker="worker-a", live={"worker-b"}) is held


def test_a_claim_without_a_time_holds_nothing():
    entry = _claimed(None)
    assert not outbox.held_by_other(entry, worker="worker-a", live={"worker-b"})


def test_a_worker_is_never_held_off_by_its_own_claim(monkeypatch):
    entry = _claimed(_frozen(monkeypatch), holder="worker-a")
    assert not outbox.held_by_other(entry, worker="worker-a", live={"worker-a"})


# --- _locked: one query, and the row lock PostgreSQL takes ----------------------------------------
def test_the_locked_entry_comes_with_its_account_and_variant_in_one_query(
    current_item, giulia_tiktok
):
    # Every platform call of the post reads the account; the claim reads the variant.
    entry = entry_in_place(current_item, giulia_tiktok)
    # In a transaction, as the claim reads it (PostgreSQL locks the row only in one).
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = outbox._locked(entry.pk)
        assert locked is not None
        assert (locked.account.handle, locked.variant.pk) == ("@visit.quartieri", entry.variant_id)
    assert len(queries) == 1


def test_where_rows_can_be_locked_the_entry_is_read_skipping_locked_rows(
    current_item, giulia_tiktok, monkeypatch
):
    # SQLite (the tests' database) has no row locks: the request PostgreSQL would get is
    # read off the queryset call.
    entry = entry_in_place(current_item, giulia_tiktok)
    monkeypatch.setattr(connection.features, "has_select_for_update_skip_locked", True)
    real = QuerySet.select_for_update
    asked: list[dict[str, object]] = []

    def select_for_update(self, **options):
        asked.append(options)
        return real(self, **options)

    monkeypatch.setattr(QuerySet, "select_for_update", select_for_update)
    with transaction.atomic():
        locked = outbox._locked(entry.pk)
    assert locked is not None
    assert locked.pk == entry.pk
    # Another worker's locked row is skipped (not waited for); only the entry's row is locked.
    assert asked == [{"skip_locked": True, "of": ("self",)}]


# --- _require_post_link: a refused link is said when scheduling -----------------------------------
def test_a_link_that_cannot_be_tracked_is_refused_when_scheduling(current_item, giulia_tiktok):
    variant = scheduled_variant(current_item, giulia_tiktok)
    Variant.objects.filter(pk=variant.pk).update(link="example.org/baggio")

    with pytest.raises(ValidationError) as refused:
        outbox.outbox_schedule(variant_id=variant.pk)

    assert refused.value.message_dict == {
        "link": [
            "This link cannot be a tracked link: 'example.org/baggio' is neither a path "
            "starting with / nor an http(s):// address."
        ]
    }
    assert not OutboxEntry.objects.filter(variant=variant).exists()
    assert queued() == []
