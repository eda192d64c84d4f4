"""The outbox's poll path, branch by branch: what a status check that meets a rate limit, a
refused token, a lost answer, an unexpected error, a refusal or the poll limit leaves for the
people waiting on the post (the entry's state and words, its handle, the next task, the
account), and the poll tunables at their defaults and set.

Each test first sends a post that TikTok keeps processing (one poll, handed over), then runs
the next poll task itself; the status check is the fake's, or the connector's own method
replaced where the fake cannot say it (a lost answer, a crash, a given result).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from quartieri.campaigns.models import Transition, Variant
from quartieri.channels.connectors.base import (
    MaybeSubmitted,
    PermanentError,
    PublishState,
    RetryableError,
    StatusResult,
    SubmitResult,
)
from quartieri.channels.connectors.fakeserver import FaultKind
from quartieri.channels.kinds.tiktok.client import TikTokConnector
from quartieri.channels.models import AccountState, PlatformCredential
from quartieri.publishing import outbox
from quartieri.publishing.models import OutboxEntry
from tests.publishing.conftest import (
    drain,
    queue_backend,
    queued,
    refreshed,
    schedule,
    scheduled_variant,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("outbox_settings")]
State = OutboxEntry.State

UNCONFIRMED_TEXT = (
    "The platform did not confirm the post. Quartieri is checking whether it went out; "
    "do not post it by hand."
)
POST_ID = "7300000000000000042"
PERMALINK = "https://www.tiktok.com/@visit.quartieri/video/7300000000000000042"


@pytest.fixture
def polling(settings, current_item, giulia_tiktok, fake_tiktok) -> OutboxEntry:
    """A post sent to TikTok, still processing after its first check: submitted, its
    handle kept, its next poll task dropped (each test runs that poll itself)."""
    settings.PUBLISHING_POLL_DELAYS = (0,)
    fake_tiktok.processing_polls = 1000  # TikTok keeps answering PROCESSING_DOWNLOAD
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    assert drain(steps=1) == [outbox.Step.POLLING]
    queue_backend().clear()
    entry = refreshed(entry)
    assert (entry.state, entry.polls, entry.claimed_by) == (State.SUBMITTED, 1, "")
    assert entry.publish_id.startswith("v_pub_")
    return entry


def status_answers(monkeypatch, *answers: Any) -> list[str]:
    """TikTok's status check gives ``answers`` in turn (an exception is raised); returns the
    worker holding the entry at each check."""
    holders: list[str] = []
    left = list(answers)

    def status(self, *, publish_id: str) -> StatusResult:
        holders.append(OutboxEntry.objects.get(publish_id=publish_id).claimed_by)
        answer = left.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    monkeypatch.setattr(TikTokConnector, "status", status)
    return holders


def assert_left_unconfirmed(entry: OutboxEntry, publish_id: str) -> None:
    """Unconfirmed, in words that stop a person posting it by hand, its handle kept for
    reconcile, released, and reconcile queued."""
    entry = refreshed(entry)
    assert entry.state == State.UNCONFIRMED
    assert entry.last_error == UNCONFIRMED_TEXT
    assert entry.publish_id == publish_id
    assert entry.claimed_by == ""
    assert entry.published_at is None
    assert [(name, kwargs) for name, kwargs, _at in queued()] == [
        ("reconcile_entry", {"entry_id": entry.pk})
    ]


# --- A rate limit while polling ----------------------------------------------------------------
def test_a_rate_limit_while_polling_pauses_the_account_and_polls_again_when_it_ends(
    polling, giulia_tiktok, fake_tiktok
):
    fake_tiktok.inject(FaultKind.RATE_LIMITED, path="status/fetch", retry_after=120)
    before = timezone.now()

    assert outbox.outbox_poll(entry_id=polling.pk) == outbox.Step.POLLING

    account = AccountState.objects.get(account=giulia_tiktok)
    assert account.paused_until is not None
    assert dt.timedelta(seconds=120) <= account.paused_until - before < dt.timedelta(seconds=130)
    assert account.last_error.startswith("rate limited (")
    entry = refreshed(polling)
    # Still on its way: the post was sent, only the check waits; nothing is re-sent.
    assert (entry.state, entry.claimed_by, entry.last_error) == (State.SUBMITTED, "", "")
    assert entry.publish_id == polling.publish_id
    assert entry.polls == 2
    # The next check is for when the pause ends, not sooner.
    assert queued() == [("poll_entry", {"entry_id": entry.pk}, account.paused_until)]
    assert len(fake_tiktok.requests_to("video/init")) == 1


# --- A refused token while polling ---------------------------------------------------------------
def test_a_refused_token_while_polling_asks_to_reconnect_and_leaves_the_post_unconfirmed(
    polling, giulia_tiktok, fake_tiktok, outbox_log
):
    fake_tiktok.expire_token("tok-a")
    fake_tiktok.refresh_tokens.clear()  # the refresh token was revoked too

    assert outbox.outbox_poll(entry_id=polling.pk) == State.UNCONFIRMED

    # The post was sent: whether it went out is for reconcile (or a person) to find.
    assert_left_unconfirmed(polling, polling.publish_id)
    account = AccountState.objects.get(account=giulia_tiktok)
    assert account.reconnect_needed
    assert account.last_error  # the platform's words, for the account's page
    assert account.last_error != "None"
    credential = PlatformCredential.objects.get(account=giulia_tiktok)
    assert credential.status == PlatformCredential.Status.RECONNECT_NEEDED
    assert outbox_log.lines == [
        ("WARNING", f"Outbox entry {polling.pk} unconfirmed: {account.last_error}")
    ]


# --- A lost answer while polling (Instagram's media_publish inside the check) ------------------
def test_a_lost_answer_while_polling_leaves_the_post_unconfirmed_with_its_handle(
    polling, monkeypatch, outbox_log
):
    status_answers(monkeypatch, MaybeSubmitted("media_publish: no answer"))

    assert outbox.outbox_poll(entry_id=polling.pk) == State.UNCONFIRMED

    assert_left_unconfirmed(polling, polling.publish_id)
    assert outbox_log.lines == [
        ("WARNING", f"Outbox entry {polling.pk} unconfirmed: media_publish: no answer")
    ]


# --- An unexpected error while polling -----------------------------------------------------------
def test_an_unexpected_error_while_polling_is_logged_and_left_unconfirmed(
    polling, monkeypatch, outbox_log
):
    status_answers(monkeypatch, KeyError("status"))

    assert outbox.outbox_poll(entry_id=polling.pk) == State.UNCONFIRMED

    assert_left_unconfirmed(polling, polling.publish_id)
    # A refused status read says nothing about the post: logged with its trace, word for word.
    assert outbox_log.lines == [
        ("ERROR", f"Status check of outbox entry {polling.pk} failed"),
        ("WARNING", f"Outbox entry {polling.pk} unconfirmed: KeyError('status')"),
    ]


# --- An unreachable platform, then published -----------------------------------------------------
def test_an_unreachable_check_is_followed_by_the_next_check_in_the_same_task(
    settings, polling, monkeypatch
):
    settings.PUBLISHING_POLL_DELAYS = (0, 0)
    sleeps: list[float] = []
    monkeypatch.setattr(outbox.time, "sleep", sleeps.append)
    # An older message on the entry (a retry before it was sent) must not outlive the post.
    OutboxEntry.objects.filter(pk=polling.pk).update(
        last_error="The platform could not be reached; quartieri will try again."
    )
    holders = status_answers(
        monkeypatch,
        RetryableError("503"),
        StatusResult(PublishState.PUBLISHED, platform_post_id=POST_ID, permalink=PERMALINK),
    )
    before = timezone.now()

    assert outbox.outbox_poll(entry_id=polling.pk) == State.PUBLISHED

    # Called outside a worker, the poll still signs its claim (this process's id).
    assert holders == [outbox._this_process()] * 2
    assert sleeps == [0.0, 0.0]
    entry = refreshed(polling)
    assert entry.state == State.PUBLISHED
    assert (entry.platform_post_id, entry.permalink) == (POST_ID, PERMALINK)
    assert (entry.claimed_by, entry.last_error, entry.polls) == ("", "", 3)
    assert entry.published_at is not None
    assert before <= entry.published_at <= timezone.now()
    assert entry.publish_id == polling.publish_id
    assert queued() == []
    variant = Variant.objects.get(pk=entry.variant_id)
    assert variant.status == Variant.Status.PUBLISHED
    transition = Transition.objects.get(variant=variant, to_status=Variant.Status.PUBLISHED)
    assert transition.comment == PERMALINK


# --- Refused while processing ---------------------------------------------------------------------
def test_a_post_the_platform_refuses_while_processing_fails_with_its_words(polling, monkeypatch):
    refusal = PermanentError(
        reason="TikTok found the video too short.", action="Upload a longer video."
    )
    status_answers(monkeypatch, StatusResult(PublishState.FAILED, error=refusal))

    assert outbox.outbox_poll(entry_id=polling.pk) == State.FAILED

    entry = refreshed(polling)
    assert entry.state == State.FAILED
    assert entry.last_error == "TikTok found the video too short. Upload a longer video."
    assert (entry.claimed_by, entry.publish_id) == ("", polling.publish_id)
    assert queued() == []


def test_a_refusal_without_a_reason_fails_in_the_outbox_own_words(polling, monkeypatch):
    status_answers(monkeypatch, StatusResult(PublishState.FAILED))

    assert outbox.outbox_poll(entry_id=polling.pk) == State.FAILED

    entry = refreshed(polling)
    assert entry.state == State.FAILED
    assert entry.last_error == (
        "The platform refused the post. Check the post and schedule it again."
    )
    assert entry.claimed_by == ""


# --- The poll limit ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("max_polls", "polls_before", "outcome"),
    [
        (None, 88, outbox.Step.POLLING),  # default 90: the 89th check hands over
        (None, 89, State.UNCONFIRMED),  # default 90: the 90th check is the last
        (3, 1, outbox.Step.POLLING),
        (3, 2, State.UNCONFIRMED),
    ],
)
def test_a_post_still_processing_after_the_last_check_is_left_unconfirmed(
    settings, polling, outbox_log, max_polls, polls_before, outcome
):
    if max_polls is not None:
        settings.PUBLISHING_MAX_POLLS = max_polls
    OutboxEntry.objects.filter(pk=polling.pk).update(polls=polls_before)

    assert outbox.outbox_poll(entry_id=polling.pk) == outcome

    assert refreshed(polling).polls == polls_before + 1
    if outcome == State.UNCONFIRMED:
        assert_left_unconfirmed(polling, polling.publish_id)
        assert outbox_log.lines == [
            (
                "WARNING",
                f"Outbox entry {polling.pk} unconfirmed: still processing after every check",
            )
        ]
    else:
        entry = refreshed(polling)
        assert (entry.state, entry.claimed_by) == (State.SUBMITTED, "")
        [(name, _kwargs, _at)] = queued()
        assert name == "poll_entry"
        assert outbox_log.lines == []


# --- Tunables ------------------------------------------------------------------------------------
def test_poll_delays_default_to_one_check_at_once(settings):
    del settings.PUBLISHING_POLL_DELAYS
    assert outbox.poll_delays() == [0.0]


def test_poll_delays_are_the_setting_as_seconds(settings):
    settings.PUBLISHING_POLL_DELAYS = (0, 2, "0.5")
    assert outbox.poll_delays() == [0.0, 2.0, 0.5]


def test_the_pause_before_the_next_poll_doubles_up_to_twenty_seconds_by_default():
    assert [outbox.next_poll_after(n).total_seconds() for n in (0, 1, 2, 5, 6, 40)] == [
        1,
        1,
        2,
        16,
        20,
        20,
    ]


def test_the_pause_before_the_next_poll_follows_its_settings(settings):
    settings.PUBLISHING_POLL_FIRST_SECONDS = 3
    settings.PUBLISHING_POLL_TASK_SECONDS = 50
    assert [outbox.next_poll_after(n).total_seconds() for n in (1, 2, 4, 5)] == [3, 6, 24, 48]
    assert outbox.next_poll_after(6) == dt.timedelta(seconds=50)


def test_the_pause_doubles_at_most_thirty_times(settings):
    # Without the bound a post polled for long would overflow the float (2 ** polls).
    settings.PUBLISHING_POLL_TASK_SECONDS = 2**40
    assert outbox.next_poll_after(31) == dt.timedelta(seconds=2**30)
    assert outbox.next_poll_after(10**6) == dt.timedelta(seconds=2**30)


# --- Submit: the handle saved, a takeover respected ----------------------------------------------
def test_ids_the_platform_gives_at_submit_are_kept_through_polling(
    current_item, giulia_tiktok, settings, monkeypatch
):
    settings.PUBLISHING_POLL_DELAYS = (0,)
    monkeypatch.setattr(
        TikTokConnector,
        "submit",
        lambda self, *, request: SubmitResult(
            PublishState.PROCESSING,
            publish_id="v_pub_given",
            platform_post_id=POST_ID,
            permalink=PERMALINK,
        ),
    )
    status_answers(
        monkeypatch,
        StatusResult(PublishState.PROCESSING),
        StatusResult(PublishState.PUBLISHED),  # says published, without the ids again
    )
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))

    assert drain(steps=1) == [outbox.Step.POLLING]
    entry = refreshed(entry)
    assert (entry.state, entry.publish_id) == (State.SUBMITTED, "v_pub_given")
    assert (entry.platform_post_id, entry.permalink) == (POST_ID, PERMALINK)
    assert drain() == [State.PUBLISHED]
    entry = refreshed(entry)
    assert (entry.platform_post_id, entry.permalink) == (POST_ID, PERMALINK)


def test_a_submit_saves_its_handle_on_its_own_entry_only(
    current_item, giulia_tiktok, fake_tiktok, settings
):
    settings.PUBLISHING_POLL_DELAYS = (0,)
    fake_tiktok.processing_polls = 1000
    # Another post this process left unconfirmed and still holds (its reconcile is running).
    other = schedule(scheduled_variant(current_item, giulia_tiktok, caption="Gratosoglio"))
    OutboxEntry.objects.filter(pk=other.pk).update(
        state=State.UNCONFIRMED, claimed_by=outbox._this_process(), publish_id="v_pub_other"
    )
    queue_backend().clear()
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))

    assert drain(steps=1) == [outbox.Step.POLLING]

    assert refreshed(entry).state == State.SUBMITTED
    other = refreshed(other)
    assert (other.state, other.publish_id) == (State.UNCONFIRMED, "v_pub_other")


def test_a_submit_taken_over_meanwhile_leaves_the_entry_to_its_new_holder(
    current_item, giulia_tiktok, fake_tiktok, monkeypatch, outbox_log
):
    sent = TikTokConnector.submit

    def taken_over_while_sending(self, *, request):
        # A sweep judged this worker dead and handed the entry to reconcile meanwhile.
        OutboxEntry.objects.filter(marker=request.marker).update(
            state=State.UNCONFIRMED, claimed_by="other-worker"
        )
        return sent(self, request=request)

    monkeypatch.setattr(TikTokConnector, "submit", taken_over_while_sending)
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    queue_backend().clear()

    assert outbox.outbox_publish(entry_id=entry.pk, version=entry.version) == State.UNCONFIRMED

    entry = refreshed(entry)
    assert (entry.state, entry.claimed_by, entry.publish_id) == (
        State.UNCONFIRMED,
        "other-worker",
        "",
    )
    assert queued() == []
    assert outbox_log.lines == [
        ("WARNING", f"Outbox entry {entry.pk} was taken over during submit")
    ]
