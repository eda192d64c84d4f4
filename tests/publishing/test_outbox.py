"""The outbox against the local fakes: every post goes out once, whatever fails on the way.

Tasks go to Django's DummyBackend and ``drain`` runs them in order, so each test sees the
exact chain of tasks a worker would run; counts are read from the fakes' own records.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from quartieri.accounts.models import AuditEvent, Role
from quartieri.campaigns.models import Transition, Variant
from quartieri.channels import connection
from quartieri.channels.connectors.base import MaybeSubmitted, TokenSet
from quartieri.channels.connectors.fakeserver import FaultKind
from quartieri.channels.kinds.facebook.fake import PAGE_ID, FakeFacebook
from quartieri.channels.kinds.instagram.fake import FakeInstagram
from quartieri.channels.models import AccountGrant, AccountState, ChannelAccount, PlatformCredential
from quartieri.channels.services import credential_store
from quartieri.notifications.models import Event, Notification
from quartieri.publishing import outbox, payload
from quartieri.publishing.models import OutboxEntry
from tests.conftest import make_person
from tests.publishing.conftest import (
    drain,
    queue_backend,
    queued,
    refreshed,
    schedule,
    scheduled_variant,
    tiktok_account,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("outbox_settings")]
State = OutboxEntry.State


# --- Tests ------------------------------------------------------------------------------------
def test_a_scheduled_variant_is_published_exactly_once(current_item, giulia_tiktok, fake_tiktok):
    variant = scheduled_variant(current_item, giulia_tiktok)
    entry = schedule(variant)
    [(name, kwargs, run_after)] = queued()
    assert (name, kwargs, run_after) == (
        "publish_entry",
        {"entry_id": entry.pk, "version": 1},
        variant.scheduled_at,
    )

    drain()
    # Running the same task again (a worker re-queued by the sweeper) changes nothing.
    assert outbox.outbox_publish(entry_id=entry.pk, version=1) == State.PUBLISHED

    entry = refreshed(entry)
    assert entry.state == State.PUBLISHED
    assert entry.publish_id.startswith("v_pub_")
    assert len(fake_tiktok.posts) == 1
    assert entry.marker in fake_tiktok.posts[0].title
    variant.refresh_from_db()
    assert variant.status == Variant.Status.PUBLISHED
    transition = Transition.objects.get(variant=variant)
    assert (transition.action, transition.actor) == ("publish", None)
    assert AuditEvent.objects.filter(
        action="campaigns.variant.publish", actor_label="system"
    ).exists()


def test_a_post_still_processing_is_checked_again_later_not_slept_on(
    settings, current_item, giulia_tiktok, fake_tiktok
):
    # A worker sleeping between status checks would publish nothing else meanwhile.
    settings.PUBLISHING_POLL_DELAYS = (0,)
    fake_tiktok.processing_polls = 4
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    pauses = []
    for _round in range(3):
        assert drain(steps=1) == ["polling"]
        [(name, kwargs, run_after)] = queued()
        assert (name, kwargs) == ("poll_entry", {"entry_id": entry.pk})
        pauses.append(round((run_after - timezone.now()).total_seconds()))
    assert pauses == [1, 2, 4]  # a growing pause, each check a task of its own
    assert refreshed(entry).polls == 3
    assert drain() == [State.PUBLISHED]
    assert len(fake_tiktok.posts) == 1


def test_a_lost_answer_is_reconciled_not_resent(current_item, giulia_tiktok, fake_tiktok):
    # The platform makes the post, then answers too late for our timeout.
    fake_tiktok.inject(FaultKind.TIMEOUT_AFTER_EFFECT, path="video/init", delay=1.5)
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))

    first = drain(steps=1)
    assert first == [State.UNCONFIRMED]
    assert [name for name, _kwargs, _at in queued()] == ["reconcile_entry"]
    drain()

    entry = refreshed(entry)
    assert entry.state == State.PUBLISHED
    assert entry.platform_post_id
    assert len(fake_tiktok.posts) == 1
    assert len(fake_tiktok.requests_to("video/init")) == 1


def test_a_rate_limit_pauses_only_that_account(current_item, giulia_tiktok, fake_tiktok, settings):
    other = tiktok_account("@quartieri.sport", token="tok-b")
    limited = schedule(scheduled_variant(current_item, giulia_tiktok))
    fake_tiktok.inject(FaultKind.RATE_LIMITED, path="creator_info", retry_after=120)
    assert drain() == ["rate_limited", "not_due"]

    unaffected = schedule(scheduled_variant(current_item, other))
    drain()

    assert refreshed(unaffected).state == State.PUBLISHED
    limited = refreshed(limited)
    assert limited.state == State.SCHEDULED
    paused_until = AccountState.objects.get(account=giulia_tiktok).paused_until
    assert paused_until is not None
    assert paused_until - timezone.now() > dt.timedelta(seconds=100)
    assert limited.due_at == paused_until
    assert not AccountState.objects.filter(account=other).exists()
    assert len(fake_tiktok.posts) == 1

    # When the pause is over the task enqueued for it publishes the post.
    AccountState.objects.filter(account=giulia_tiktok).update(paused_until=timezone.now())
    OutboxEntry.objects.filter(pk=limited.pk).update(due_at=timezone.now())
    assert outbox.outbox_publish(entry_id=limited.pk, version=limited.version) == State.PUBLISHED
    assert refreshed(limited).state == State.PUBLISHED
    assert len(fake_tiktok.posts) == 2


def test_an_expired_token_is_refreshed_and_the_post_goes_out(
    current_item, giulia_tiktok, fake_tiktok
):
    fake_tiktok.expire_token("tok-a")
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    drain()

    assert refreshed(entry).state == State.PUBLISHED
    assert len(fake_tiktok.posts) == 1
    credential = PlatformCredential.objects.get(account=giulia_tiktok)
    # The rotated refresh token was stored with the new access token.
    assert credential.access_token.startswith("fake-access-")
    assert credential.refresh_token in fake_tiktok.refresh_tokens
    assert credential.refresh_token != "fake-refresh-0"
    assert mail.outbox == []


def test_a_refused_refresh_asks_the_owner_to_reconnect(
    current_item, giulia_tiktok, fake_tiktok, owner
):
    fake_tiktok.expire_token("tok-a")
    fake_tiktok.refresh_tokens.clear()  # the refresh token was revoked too
    first = schedule(scheduled_variant(current_item, giulia_tiktok))
    second = schedule(scheduled_variant(current_item, giulia_tiktok, caption="Gratosoglio"))
    drain()

    first, second = refreshed(first), refreshed(second)
    assert first.state == second.state == State.FAILED
    assert "Reconnect the account" in first.last_error
    assert AccountState.objects.get(account=giulia_tiktok).reconnect_needed
    credential = PlatformCredential.objects.get(account=giulia_tiktok)
    assert credential.status == PlatformCredential.Status.RECONNECT_NEEDED
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert "reconnect" in message.body.lower()
    assert fake_tiktok.posts == []


def test_a_task_for_an_old_time_does_nothing(current_item, giulia_tiktok, fake_tiktok):
    variant = scheduled_variant(current_item, giulia_tiktok)
    entry = schedule(variant)
    # Moved to later before the first task ran: version 2, due in an hour.
    Variant.objects.filter(pk=variant.pk).update(
        scheduled_at=timezone.now() + dt.timedelta(hours=1)
    )
    moved = schedule(variant)
    assert moved.version == entry.version + 1

    assert outbox.outbox_publish(entry_id=entry.pk, version=1) == "stale"
    assert outbox.outbox_publish(entry_id=entry.pk, version=2) == "not_due"
    assert refreshed(entry).state == State.SCHEDULED
    assert fake_tiktok.requests == []


def test_a_task_started_a_fraction_of_a_second_early_still_publishes(
    current_item, giulia_tiktok, fake_tiktok
):
    # RQ stores a task's time in whole seconds: it may start up to a second early, and a
    # task turned away then would leave the post scheduled with no task left to send it.
    variant = scheduled_variant(current_item, giulia_tiktok)
    Variant.objects.filter(pk=variant.pk).update(
        scheduled_at=timezone.now() + dt.timedelta(seconds=0.9)
    )
    entry = schedule(variant)

    assert outbox.outbox_publish(entry_id=entry.pk, version=1) == State.PUBLISHED
    assert len(fake_tiktok.posts) == 1


def test_a_cancelled_post_is_not_published(current_item, giulia_tiktok, fake_tiktok):
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    assert outbox.outbox_cancel(variant_id=entry.variant_id)
    assert drain() == ["stale"]
    assert refreshed(entry).state == State.CANCELLED
    assert fake_tiktok.posts == []


def test_a_post_left_submitting_is_reconciled_not_resubmitted(
    current_item, giulia_tiktok, fake_tiktok
):
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    queue_backend().clear()
    # A worker claimed it, sent it, and was killed before it could save the answer.
    now = timezone.now()
    OutboxEntry.objects.filter(pk=entry.pk).update(
        state=State.SUBMITTING, claimed_by="dead-worker", claimed_at=now, sent_at=now
    )
    fake_tiktok.inject(FaultKind.DROP_AFTER_EFFECT, path="video/init")
    with pytest.raises(MaybeSubmitted):  # what the killed worker would have seen
        connection.connector_for(giulia_tiktok).submit(
            request=payload.post_request_for(refreshed(entry))
        )
    assert len(fake_tiktok.posts) == 1

    # The sweeper re-runs the task on another worker.
    assert outbox.outbox_publish(entry_id=entry.pk, version=1) == State.UNCONFIRMED
    drain()

    assert refreshed(entry).state == State.PUBLISHED
    assert len(fake_tiktok.posts) == 1
    assert len(fake_tiktok.requests_to("video/init")) == 1


def test_a_platform_refusal_fails_with_plain_words(current_item, giulia_tiktok, fake_tiktok):
    variant = scheduled_variant(current_item, giulia_tiktok, tiktok_privacy_level="")
    entry = schedule(variant)
    drain()
    entry = refreshed(entry)
    assert entry.state == State.FAILED
    assert "privacy" in entry.last_error
    assert fake_tiktok.posts == []


def test_a_failed_publish_on_the_platform_is_failed_here(
    current_item, giulia_tiktok, fake_tiktok, owner
):
    fake_tiktok.fail_next_publish("frame_rate_check_failed")
    variant = scheduled_variant(current_item, giulia_tiktok)
    Variant.objects.filter(pk=variant.pk).update(drafted_by=owner)
    entry = schedule(variant)
    drain()
    entry = refreshed(entry)
    assert entry.state == State.FAILED
    assert entry.publish_id  # the handle was kept
    assert fake_tiktok.posts == []
    # Its author is told, with the reason the outbox recorded.
    [told] = Notification.objects.filter(recipient=owner, event=Event.FAILED)
    assert told.detail == entry.last_error


def test_an_unreachable_platform_is_retried_later(current_item, giulia_tiktok, fake_tiktok):
    fake_tiktok.inject(FaultKind.SERVER_ERROR, path="creator_info")
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    assert drain() == ["retry", "not_due"]
    entry = refreshed(entry)
    assert entry.state == State.SCHEDULED
    assert entry.due_at > timezone.now()
    OutboxEntry.objects.filter(pk=entry.pk).update(due_at=timezone.now())
    assert outbox.outbox_publish(entry_id=entry.pk, version=entry.version) == State.PUBLISHED
    assert len(fake_tiktok.posts) == 1


def test_a_variant_sent_back_to_review_is_not_published(current_item, giulia_tiktok, fake_tiktok):
    variant = scheduled_variant(current_item, giulia_tiktok)
    entry = schedule(variant)
    Variant.objects.filter(pk=variant.pk).update(status=Variant.Status.IN_REVIEW, scheduled_at=None)
    drain()
    assert refreshed(entry).state == State.CANCELLED
    assert fake_tiktok.requests == []


def test_a_post_on_its_way_cannot_be_moved_or_cancelled(current_item, giulia_tiktok, fake_tiktok):
    variant = scheduled_variant(current_item, giulia_tiktok)
    entry = schedule(variant)
    OutboxEntry.objects.filter(pk=entry.pk).update(state=State.SUBMITTED)
    assert not outbox.outbox_cancel(variant_id=variant.pk)
    with pytest.raises(Exception, match="already being published"):
        schedule(variant)


def test_other_channels_get_no_outbox_entry(current_item):
    account = ChannelAccount.objects.create(platform="newsletter", handle="quartieri")
    variant = Variant.objects.create(
        content_item=current_item,
        account=account,
        post_type="text",
        status=Variant.Status.SCHEDULED,
        scheduled_at=timezone.now(),
    )
    assert outbox.outbox_schedule(variant_id=variant.pk) is None
    assert queued() == []


# --- Meta platforms ---------------------------------------------------------------------------
def test_instagram_container_is_finalized_once(current_item, settings):
    with FakeInstagram() as fake:
        settings.META_GRAPH_URL = fake.url
        account = ChannelAccount.objects.create(platform="instagram", handle="@yesmilano")
        credential_store(
            actor=None,
            account=account,
            tokens=TokenSet(access_token="ig-token"),
            external_id=fake.ig_user,
        )
        fake.inject(FaultKind.TIMEOUT_AFTER_EFFECT, path="media_publish", delay=1.5)
        entry = schedule(scheduled_variant(current_item, account, caption="Baggio #quartieri"))
        drain()
        entry = refreshed(entry)
        assert entry.state == State.PUBLISHED
        assert len(fake.posts) == 1


def test_facebook_dropped_answer_is_found_by_its_marker(current_item, settings):
    with FakeFacebook() as fake:
        settings.META_GRAPH_URL = fake.url
        account = ChannelAccount.objects.create(platform="facebook", handle="Comune")
        grantee = make_person("marta", Role.EDITOR)
        AccountGrant.objects.create(account=account, user=grantee, can_publish=True)
        credential_store(
            actor=None,
            account=account,
            tokens=TokenSet(access_token="page-token"),
            external_id=PAGE_ID,
        )
        fake.inject(FaultKind.DROP_AFTER_EFFECT, path="/feed$")
        entry = schedule(scheduled_variant(current_item, account, caption="Festa in Baggio"))
        drain()
        entry = refreshed(entry)
        assert entry.state == State.PUBLISHED
        assert entry.platform_post_id == fake.posts[0].id
        assert len(fake.posts) == 1


def _other_posts(entry: OutboxEntry, account: ChannelAccount, count: int) -> None:
    """``count`` posts by someone else on the account, all newer than the entry's own."""
    connector = connection.connector_for(account)
    for number in range(count):
        other = OutboxEntry(variant=entry.variant, account=account, marker=f"other-{number}-x")
        connector.submit(request=payload.post_request_for(other))
    connector.close()


def _lost_answer(entry: OutboxEntry) -> None:
    """The submit's answer was lost: no handle, only the marker and the time it was sent."""
    OutboxEntry.objects.filter(pk=entry.pk).update(
        state=State.UNCONFIRMED, claimed_by="", publish_id="", sent_at=timezone.now()
    )


def test_a_post_beyond_the_first_page_is_found_and_not_sent_again(
    current_item, giulia_tiktok, fake_tiktok
):
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    queue_backend().clear()
    mine = connection.connector_for(giulia_tiktok)
    mine.submit(request=payload.post_request_for(entry))  # it did reach TikTok
    mine.close()
    _other_posts(entry, giulia_tiktok, 45)  # then 45 more: the post is on the third page of 20
    _lost_answer(entry)

    assert outbox.outbox_reconcile(entry_id=entry.pk) == State.PUBLISHED
    assert queued() == []
    assert len(fake_tiktok.posts) == 46
    cursors = [r.json().get("cursor") for r in fake_tiktok.requests_to("/v2/video/list/")]
    assert len(cursors) == 3
    assert cursors[0] is None
    assert all(cursors[1:])


def test_not_found_after_reading_back_to_the_submit_is_sent_again(
    current_item, giulia_tiktok, fake_tiktok
):
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    queue_backend().clear()
    _other_posts(entry, giulia_tiktok, 25)  # two pages, none of them ours
    _lost_answer(entry)

    assert outbox.outbox_reconcile(entry_id=entry.pk) == State.SCHEDULED
    assert [kwargs["entry_id"] for _name, kwargs, _at in queued()] == [entry.pk]
    assert len(fake_tiktok.requests_to("/v2/video/list/")) == 2


def test_not_found_in_the_pages_read_is_no_proof(
    current_item, giulia_tiktok, fake_tiktok, monkeypatch
):
    from quartieri.channels.connectors import base

    monkeypatch.setattr(base, "MAX_RECENT_PAGES", 1)
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    queue_backend().clear()
    _other_posts(entry, giulia_tiktok, 25)  # more than the one page reconcile may read
    _lost_answer(entry)

    assert outbox.outbox_reconcile(entry_id=entry.pk) == State.UNCONFIRMED
    entry = refreshed(entry)
    assert "check the account" in entry.last_error
    assert queued() == []  # not sent again
    assert len(fake_tiktok.posts) == 25
