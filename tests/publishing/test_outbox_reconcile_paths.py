"""Each branch of the outbox's reconcile path, and what it promises the people who see the
entry (issue 21, point 11).

The platform's answer is given by replacing ``account_call`` in the outbox: the branch under
test then runs through the real outbox functions (claim, settle, resubmit, leave for a
person) without a fake server's timing, so every test is deterministic. Times are bounded
by ``timezone.now()`` read before and after the call, never by a sleep.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quartieri.campaigns.models import Variant
from quartieri.channels.connection import ReconnectNeededError
from quartieri.channels.connectors.base import (
    MaybeSubmitted,
    PermanentError,
    PublishState,
    RateLimited,
    ReconcileResult,
    RetryableError,
)
from quartieri.channels.models import AccountState, ChannelAccount
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
CANNOT_TELL = "Quartieri cannot tell whether the post went out: check the account."
OTHER = "worker-elsewhere"


# --- Helpers ------------------------------------------------------------------------------------
class Between:
    """Equal to any time within [start, end]: a time computed during a call."""

    def __init__(self, start: dt.datetime, end: dt.datetime) -> None:
        self.start, self.end = start, end

    def __eq__(self, other: object) -> bool:
        return isinstance(other, dt.datetime) and self.start <= other <= self.end

    def __repr__(self) -> str:
        return f"Between({self.start}, {self.end})"


class During:
    """``with During() as when:`` then ``when.plus(seconds)``: the window of the call."""

    def __enter__(self) -> During:
        self.start = timezone.now()
        return self

    def __exit__(self, *exc: object) -> None:
        self.end = timezone.now()

    def plus(self, seconds: float) -> Between:
        delta = dt.timedelta(seconds=seconds)
        return Between(self.start + delta, self.end + delta)


def platform_answers(
    monkeypatch: pytest.MonkeyPatch,
    answer: ReconcileResult | BaseException,
    *,
    before: Callable[[], None] | None = None,
) -> list[Any]:
    """The platform's answer to the outbox's next call (reconcile or submit); ``before`` runs
    first (what happens meanwhile). Returns the accounts the calls were made for."""
    accounts: list[Any] = []

    def call(account: Any, _call: Any) -> Any:
        accounts.append(account)
        if before is not None:
            before()
        if isinstance(answer, BaseException):
            raise answer
        return answer

    monkeypatch.setattr(outbox, "account_call", call)
    return accounts


def unconfirmed(
    item: Any,
    account: ChannelAccount,
    *,
    publish_id: str = "p-1",
    last_error: str = "The platform did not confirm the post.",
) -> OutboxEntry:
    """An entry whose submit answer was lost, nobody holding it, the queue empty."""
    return entry_in_place(
        item,
        account,
        state=State.UNCONFIRMED,
        publish_id=publish_id,
        sent_at=timezone.now() - dt.timedelta(minutes=1),
        last_error=last_error,
        claimed_by="",
    )


def taken_meanwhile(entry: OutboxEntry) -> Callable[[], None]:
    """Another worker takes the entry while the platform is being asked."""

    def take() -> None:
        OutboxEntry.objects.filter(pk=entry.pk).update(claimed_by=OTHER, claimed_at=timezone.now())

    return take


def left_for_person(entry: OutboxEntry, message: str, *, publish_id: str = "p-1") -> None:
    """Still unconfirmed, nobody holding it, the message for a person, no task, not sent."""
    entry = refreshed(entry)
    assert entry.state == State.UNCONFIRMED
    assert entry.claimed_by == ""
    assert entry.last_error == message
    assert entry.publish_id == publish_id
    assert queued() == []
    assert Variant.objects.get(pk=entry.variant_id).status == Variant.Status.SCHEDULED


# --- Found on the platform: published, with the handle found -----------------------------------
def test_a_post_found_once_is_published_with_its_id_and_link_and_no_note(
    monkeypatch, current_item, giulia_tiktok
):
    entry = unconfirmed(current_item, giulia_tiktok)
    link = "https://www.tiktok.com/@visit.quartieri/video/7001"
    platform_answers(
        monkeypatch,
        ReconcileResult(found=True, platform_post_id="7001", permalink=link, matches=1),
    )

    assert outbox.outbox_reconcile(entry_id=entry.pk, worker="w1") == Step.PUBLISHED

    entry = refreshed(entry)
    assert (entry.state, entry.platform_post_id, entry.permalink) == (State.PUBLISHED, "7001", link)
    assert entry.claimed_by == ""
    # One copy is the normal case: nothing for a person to remove.
    assert entry.last_error == ""
    assert Variant.objects.get(pk=entry.variant_id).status == Variant.Status.PUBLISHED
    assert queued() == []


def test_a_post_found_twice_is_published_telling_a_person_to_remove_the_copy(
    monkeypatch, current_item, giulia_tiktok
):
    entry = unconfirmed(current_item, giulia_tiktok)
    link = "https://www.tiktok.com/@visit.quartieri/video/7002"
    platform_answers(
        monkeypatch,
        ReconcileResult(found=True, platform_post_id="7002", permalink=link, matches=2),
    )

    assert outbox.outbox_reconcile(entry_id=entry.pk, worker="w1") == Step.PUBLISHED

    entry = refreshed(entry)
    assert (entry.state, entry.platform_post_id, entry.permalink) == (State.PUBLISHED, "7002", link)
    assert entry.claimed_by == ""
    assert entry.last_error == (
        "The post appears 2 times on the platform: remove the extra copies."
    )
    assert queued() == []


# --- Still processing: back to polling -----------------------------------------------------------
@pytest.mark.parametrize("state", [PublishState.PROCESSING, PublishState.READY])
def test_a_post_still_processing_goes_back_to_polling_at_once(
    monkeypatch, current_item, giulia_tiktok, state
):
    entry = unconfirmed(current_item, giulia_tiktok, publish_id="p-7")
    platform_answers(monkeypatch, ReconcileResult(found=True, state=state))

    with During() as when:
        assert outbox.outbox_reconcile(entry_id=entry.pk, worker="w1") == Step.SUBMITTED

    entry = refreshed(entry)
    assert entry.state == State.SUBMITTED
    assert entry.publish_id == "p-7"  # what the poll checks
    assert entry.claimed_by == ""  # the poll task takes it
    assert entry.last_error == ""  # no longer a worry for a person
    assert queued() == [("poll_entry", {"entry_id": entry.pk}, when.plus(0))]


# --- Not there: sent again now -------------------------------------------------------------------
def test_a_post_the_platform_does_not_have_is_sent_again_now_without_its_old_handle(
    monkeypatch, current_item, giulia_tiktok
):
    # A publish id is known: still the platform's "not there" is what decides, not the id.
    entry = unconfirmed(current_item, giulia_tiktok, publish_id="p-8", last_error="lost")
    platform_answers(monkeypatch, ReconcileResult(found=False))

    with During() as when:
        assert outbox.outbox_reconcile(entry_id=entry.pk, worker="w1") == Step.SCHEDULED

    entry = refreshed(entry)
    assert entry.state == State.SCHEDULED
    assert entry.due_at == when.plus(0)
    assert entry.publish_id == ""  # the old handle must not be polled or reconciled again
    assert entry.claimed_by == ""
    assert entry.last_error == ""
    assert queued() == [
        ("publish_entry", {"entry_id": entry.pk, "version": entry.version}, entry.due_at)
    ]


# --- Found, but neither published nor processing: a person decides ------------------------------
@pytest.mark.parametrize(
    ("publish_id", "state"), [("p-1", PublishState.FAILED), ("", PublishState.PROCESSING)]
)
def test_a_post_found_in_a_state_quartieri_cannot_follow_is_left_for_a_person(
    monkeypatch, current_item, giulia_tiktok, publish_id, state
):
    # Processing without a publish id: nothing to poll with.
    entry = unconfirmed(current_item, giulia_tiktok, publish_id=publish_id)
    platform_answers(monkeypatch, ReconcileResult(found=True, state=state))

    assert outbox.outbox_reconcile(entry_id=entry.pk, worker="w1") == Step.UNCONFIRMED

    left_for_person(entry, CANNOT_TELL, publish_id=publish_id)


def test_an_answer_for_an_entry_another_worker_took_meanwhile_changes_nothing(
    monkeypatch, current_item, giulia_tiktok
):
    entry = unconfirmed(current_item, giulia_tiktok)
    platform_answers(
        monkeypatch,
        ReconcileResult(found=True, platform_post_id="7003", permalink="https://t/7003"),
        before=taken_meanwhile(entry),
    )

    assert outbox.outbox_reconcile(entry_id=entry.pk, worker="w1") == Step.UNCONFIRMED

    entry = refreshed(entry)
    assert (entry.state, entry.claimed_by, entry.platform_post_id) == (State.UNCONFIRMED, OTHER, "")
    assert queued() == []


# --- The platform could not answer ---------------------------------------------------------------
@pytest.mark.parametrize(
    "error",
    [
        RetryableError("503 from the list"),
        RateLimited("slow down", retry_after_seconds=None, scope="app"),
    ],
)
def test_a_reconcile_the_platform_could_not_answer_is_asked_again_after_the_delay(
    monkeypatch, settings, current_item, giulia_tiktok, outbox_log, error
):
    settings.PUBLISHING_RECONCILE_DELAY_SECONDS = 45
    entry = unconfirmed(current_item, giulia_tiktok, last_error="lost answer")
    platform_answers(monkeypatch, error)

    with During() as when:
        assert outbox.outbox_reconcile(entry_id=entry.pk, worker="w1") == Step.UNCONFIRMED

    entry = refreshed(entry)
    assert (entry.state, entry.claimed_by, entry.last_error) == (
        State.UNCONFIRMED,
        "",
        "lost answer",
    )
    assert queued() == [("reconcile_entry", {"entry_id": entry.pk}, when.plus(45))]
    assert outbox_log.lines == [
        ("WARNING", f"Reconcile of outbox entry {entry.pk} postponed: {error}")
    ]


def test_a_reconcile_refused_for_the_token_flags_the_account_and_asks_to_reconnect(
    monkeypatch, current_item, giulia_tiktok
):
    entry = unconfirmed(current_item, giulia_tiktok)
    platform_answers(monkeypatch, ReconnectNeededError("token revoked by the user"))

    assert outbox.outbox_reconcile(entry_id=entry.pk, worker="w1") == Step.UNCONFIRMED

    left_for_person(entry, "Reconnect the account, then check whether the post went out.")
    account_state = AccountState.objects.get(account=giulia_tiktok)
    assert account_state.reconnect_needed
    assert account_state.last_error == "token revoked by the user"


@pytest.mark.parametrize(
    "error",
    [
        PermanentError(reason="No such list.", action="Check the app."),
        ValueError("no marker to look for"),
    ],
)
def test_a_reconcile_that_cannot_be_made_is_left_for_a_person(
    monkeypatch, current_item, giulia_tiktok, outbox_log, error
):
    entry = unconfirmed(current_item, giulia_tiktok)
    platform_answers(monkeypatch, error)

    assert outbox.outbox_reconcile(entry_id=entry.pk, worker="w1") == Step.UNCONFIRMED

    left_for_person(entry, CANNOT_TELL)
    assert outbox_log.lines == [
        ("WARNING", f"Reconcile of outbox entry {entry.pk} impossible: {error}")
    ]


def test_an_inconclusive_listing_without_a_reason_is_left_for_a_person_with_the_default(
    monkeypatch, current_item, giulia_tiktok
):
    entry = unconfirmed(current_item, giulia_tiktok)
    platform_answers(monkeypatch, ReconcileResult(found=False, conclusive=False))

    assert outbox.outbox_reconcile(entry_id=entry.pk, worker="w1") == Step.UNCONFIRMED

    left_for_person(
        entry,
        "The platform shows too many recent posts for quartieri to be sure this one is not "
        "among them: check the account, and schedule the post again only if it is missing.",
    )


def test_a_reconcile_run_outside_a_worker_signs_its_claim_with_the_process(
    monkeypatch, current_item, giulia_tiktok
):
    # While the platform is asked, a sweep or a person sees who holds the entry.
    entry = unconfirmed(current_item, giulia_tiktok)
    holders: list[str] = []

    def holder() -> None:
        holders.append(OutboxEntry.objects.get(pk=entry.pk).claimed_by)

    platform_answers(
        monkeypatch, ReconcileResult(found=False, conclusive=False, reason="x"), before=holder
    )

    outbox.outbox_reconcile(entry_id=entry.pk)

    assert holders == [outbox._this_process()]
    left_for_person(entry, "x")


def test_a_reconcile_reads_the_entrys_account_only_once(monkeypatch, current_item, giulia_tiktok):
    # The claim loads the account with the entry; re-reading the entry must keep it, or each
    # platform call of the post reads the account again.
    entry = unconfirmed(current_item, giulia_tiktok)
    accounts = platform_answers(
        monkeypatch, ReconcileResult(found=False, conclusive=False, reason="x")
    )

    with CaptureQueriesContext(connection) as queries:
        outbox.outbox_reconcile(entry_id=entry.pk, worker="w1")

    table = ChannelAccount._meta.db_table
    assert [q["sql"] for q in queries if f'FROM "{table}"' in q["sql"]] == []
    assert accounts == [giulia_tiktok]


# --- The reconcile task's time -------------------------------------------------------------------
def _lost_on_submit(monkeypatch: pytest.MonkeyPatch, item: Any, account: ChannelAccount) -> Any:
    entry = schedule(scheduled_variant(item, account))
    queue_backend().clear()
    platform_answers(monkeypatch, MaybeSubmitted("answer lost", publish_id="p-9"))
    return entry


@pytest.mark.parametrize("seconds", [0, 30])
def test_a_lost_submit_answer_is_reconciled_after_the_set_delay(
    monkeypatch, settings, current_item, giulia_tiktok, outbox_log, seconds
):
    settings.PUBLISHING_RECONCILE_DELAY_SECONDS = seconds
    entry = _lost_on_submit(monkeypatch, current_item, giulia_tiktok)

    with During() as when:
        step = outbox.outbox_publish(entry_id=entry.pk, version=entry.version, worker="w1")

    assert step == Step.UNCONFIRMED
    entry = refreshed(entry)
    assert (entry.state, entry.claimed_by, entry.publish_id) == (State.UNCONFIRMED, "", "p-9")
    assert entry.last_error == (
        "The platform did not confirm the post. Quartieri is checking whether it went out; "
        "do not post it by hand."
    )
    assert queued() == [("reconcile_entry", {"entry_id": entry.pk}, when.plus(seconds))]
    assert outbox_log.lines == [("WARNING", f"Outbox entry {entry.pk} unconfirmed: answer lost")]


def test_a_lost_submit_answer_is_reconciled_a_minute_later_by_default(
    monkeypatch, settings, current_item, giulia_tiktok
):
    del settings.PUBLISHING_RECONCILE_DELAY_SECONDS
    entry = _lost_on_submit(monkeypatch, current_item, giulia_tiktok)

    with During() as when:
        outbox.outbox_publish(entry_id=entry.pk, version=entry.version, worker="w1")

    assert queued() == [("reconcile_entry", {"entry_id": entry.pk}, when.plus(60))]


def test_a_lost_submit_answer_for_an_entry_taken_meanwhile_changes_nothing(
    monkeypatch, current_item, giulia_tiktok
):
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    queue_backend().clear()
    platform_answers(monkeypatch, MaybeSubmitted("answer lost"), before=taken_meanwhile(entry))

    step = outbox.outbox_publish(entry_id=entry.pk, version=entry.version, worker="w1")

    assert step == Step.SUBMITTING
    entry = refreshed(entry)
    assert (entry.state, entry.claimed_by, entry.last_error) == (State.SUBMITTING, OTHER, "")
    assert queued() == []


# --- A row found in submitting -------------------------------------------------------------------
def test_a_row_left_in_submitting_by_this_same_worker_is_reconciled(
    monkeypatch, settings, current_item, giulia_tiktok
):
    # The worker restarted with the same id (alive again, its claim fresh): no one else is
    # sending, so its own old claim must not keep the post "busy" until the lease ends.
    settings.PUBLISHING_RECONCILE_DELAY_SECONDS = 20
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    OutboxEntry.objects.filter(pk=entry.pk).update(
        state=State.SUBMITTING, claimed_by="w1", claimed_at=timezone.now()
    )
    queue_backend().clear()
    monkeypatch.setattr(outbox, "live_worker_ids", lambda: {"w1"})

    with During() as when:
        step = outbox.outbox_publish(entry_id=entry.pk, version=entry.version, worker="w1")

    assert step == Step.UNCONFIRMED
    entry = refreshed(entry)
    assert (entry.state, entry.claimed_by) == (State.UNCONFIRMED, "")
    assert entry.last_error == (
        "The worker sending this post stopped before the platform answered. Quartieri is "
        "checking on the platform whether it went out; do not post it by hand."
    )
    assert queued() == [("reconcile_entry", {"entry_id": entry.pk}, when.plus(20))]
