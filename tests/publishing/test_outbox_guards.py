"""The outbox's guards, each pinned by a test (issue 21, point 11: the mutants of
``publishing/outbox.py`` the suite let live). Where two workers matter they are interleaved
step by step: worker A's task runs to a point, then worker B's, never a timing race.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from quartieri.campaigns.models import MediaAsset, Transition, Variant
from quartieri.campaigns.services import variant_record_published
from quartieri.channels.connectors.fakeserver import FaultKind
from quartieri.channels.kinds.tiktok.client import TikTokConnector
from quartieri.channels.models import AccountState
from quartieri.core.workers import heartbeat_beat
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


def _due_again(entry: OutboxEntry) -> None:
    """The retry's time has come (the queue would run its task then)."""
    OutboxEntry.objects.filter(pk=entry.pk).update(due_at=timezone.now())
    queue_backend().clear()


def _alive(*workers: str) -> None:
    heartbeat_beat(worker_ids=list(workers), started_at=timezone.now())


def test_an_unexpected_error_after_submit_is_reconciled_never_resent(
    current_item, giulia_tiktok, fake_tiktok, monkeypatch
):
    sent = TikTokConnector.submit

    def crash_after_sending(self, *, request):
        sent(self, request=request)  # the post reached TikTok, then our code failed
        raise KeyError("publish_id")

    monkeypatch.setattr(TikTokConnector, "submit", crash_after_sending)
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))

    assert drain(steps=1) == [State.UNCONFIRMED]
    assert [name for name, _kwargs, _at in queued()] == ["reconcile_entry"]
    drain()

    assert refreshed(entry).state == State.PUBLISHED
    assert len(fake_tiktok.requests_to("video/init")) == 1
    assert len(fake_tiktok.posts) == 1


def test_a_reconcile_still_processing_is_polled_not_taken_as_published(
    current_item, giulia_tiktok, fake_tiktok
):
    fake_tiktok.processing_polls = 1000  # TikTok keeps answering PROCESSING_DOWNLOAD
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    assert drain(steps=1) == [outbox.Step.POLLING]
    queue_backend().clear()
    OutboxEntry.objects.filter(pk=entry.pk).update(state=State.UNCONFIRMED)

    assert outbox.outbox_reconcile(entry_id=entry.pk) == State.SUBMITTED

    entry = refreshed(entry)
    assert entry.published_at is None
    assert entry.platform_post_id == ""
    assert entry.variant.status == Variant.Status.SCHEDULED
    assert [name for name, _kwargs, _at in queued()] == ["poll_entry"]


def test_each_claim_counts_an_attempt_until_the_limit(
    current_item, giulia_tiktok, fake_tiktok, settings
):
    settings.PUBLISHING_MAX_ATTEMPTS = 3
    fake_tiktok.inject(FaultKind.SERVER_ERROR, path="creator_info", times=10)
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    outcomes = []
    for _ in range(3):
        _due_again(entry)
        outcomes.append(outbox.outbox_publish(entry_id=entry.pk, version=1))
        outcomes.append(refreshed(entry).attempts)

    # Attempts 1 and 2 are retried; the third reaches the limit (>=, not >) and fails.
    assert outcomes == [outbox.Step.RETRY, 1, outbox.Step.RETRY, 2, State.FAILED, 3]
    assert "after 3 attempts" in refreshed(entry).last_error
    assert len(fake_tiktok.requests_to("creator_info")) == 3
    assert fake_tiktok.posts == []


def test_a_paused_account_moves_the_post_to_the_end_of_the_pause(
    current_item, giulia_tiktok, fake_tiktok
):
    until = timezone.now() + dt.timedelta(minutes=10)
    AccountState.objects.update_or_create(account=giulia_tiktok, defaults={"paused_until": until})
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    queue_backend().clear()

    assert outbox.outbox_publish(entry_id=entry.pk, version=1) == outbox.Step.PAUSED

    entry = refreshed(entry)
    assert entry.state == State.SCHEDULED
    assert entry.due_at == until
    assert entry.attempts == 0
    # One task, at the end of the pause: not one that would run (and pause) again at once.
    [(name, _kwargs, run_after)] = queued()
    assert (name, run_after) == ("publish_entry", until)
    assert fake_tiktok.requests_to("/v2/post/") == []


def test_a_handover_lets_another_worker_poll_while_the_first_lives(
    current_item, giulia_tiktok, fake_tiktok
):
    fake_tiktok.processing_polls = 1000
    _alive("worker-a", "worker-b")
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    queue_backend().clear()

    # Worker A sends and polls once: still processing, it hands the entry over.
    assert outbox.outbox_publish(entry_id=entry.pk, version=1, worker="worker-a") == "polling"
    assert refreshed(entry).claimed_by == ""
    # Worker B runs the next poll task while A is still alive: it is not turned away.
    assert outbox.outbox_poll(entry_id=entry.pk, worker="worker-b") == "polling"
    fake_tiktok.processing_polls = 0
    assert outbox.outbox_poll(entry_id=entry.pk, worker="worker-b") == State.PUBLISHED
    assert len(fake_tiktok.posts) == 1


def test_a_publish_id_from_a_lost_last_chunk_is_kept(
    current_item, giulia_tiktok, fake_tiktok, settings
):
    settings.PUBLISHING_MEDIA_URL = ""  # the video goes from the media folder, in one chunk
    variant = scheduled_variant(current_item, giulia_tiktok)
    asset = variant.media.get()
    path = Path(settings.MEDIA_ROOT) / asset.file.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * 100)  # one chunk for both chunk rules
    MediaAsset.objects.filter(pk=asset.pk).update(mime_type="video/mp4")
    fake_tiktok.inject(FaultKind.TIMEOUT_AFTER_EFFECT, path="/upload/", delay=1.5)
    entry = schedule(variant)

    assert drain(steps=1) == [State.UNCONFIRMED], refreshed(entry).last_error

    entry = refreshed(entry)
    [publish_id] = list(fake_tiktok.publishes)
    assert entry.publish_id == publish_id
    drain()
    # Settled by status/fetch on that id: the listing was never needed, nothing sent twice.
    assert refreshed(entry).state == State.PUBLISHED
    assert fake_tiktok.requests_to("/v2/video/list/") == []
    assert len(fake_tiktok.requests_to("video/init")) == 1


def test_a_variant_no_longer_scheduled_is_not_marked_published(current_item, giulia_tiktok):
    variant = scheduled_variant(current_item, giulia_tiktok)
    Variant.objects.filter(pk=variant.pk).update(status=Variant.Status.APPROVED)

    assert variant_record_published(variant_id=variant.pk, permalink="https://x.example/1") is None

    variant.refresh_from_db()
    assert variant.status == Variant.Status.APPROVED
    assert not Transition.objects.filter(variant=variant, to_status=Variant.Status.PUBLISHED)


def test_a_transient_reconcile_error_queues_another_check(current_item, giulia_tiktok, fake_tiktok):
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    queue_backend().clear()
    OutboxEntry.objects.filter(pk=entry.pk).update(
        state=State.UNCONFIRMED, sent_at=timezone.now(), claimed_by=""
    )
    fake_tiktok.inject(FaultKind.SERVER_ERROR, path="/v2/video/list/")

    assert outbox.outbox_reconcile(entry_id=entry.pk, worker="worker-a") == State.UNCONFIRMED

    entry = refreshed(entry)
    assert entry.claimed_by == ""
    assert [(name, kwargs) for name, kwargs, _at in queued()] == [
        ("reconcile_entry", {"entry_id": entry.pk})
    ]
    assert drain() == [State.SCHEDULED, State.PUBLISHED]  # nothing there: sent once
    assert len(fake_tiktok.posts) == 1


def test_the_poll_limit_is_reached_exactly_at_its_value(
    current_item, giulia_tiktok, fake_tiktok, settings
):
    settings.PUBLISHING_MAX_POLLS = 3
    settings.PUBLISHING_POLL_DELAYS = (0,)
    fake_tiktok.processing_polls = 1000
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))

    # Poll 1 inside the publish task, 2 in a poll task, 3 (= the limit) gives up.
    assert drain(steps=2) == [outbox.Step.POLLING, outbox.Step.POLLING]
    assert refreshed(entry).polls == 2
    assert drain(steps=1) == [State.UNCONFIRMED]
    assert refreshed(entry).polls == 3
    assert [name for name, _kwargs, _at in queued()] == ["reconcile_entry"]


def test_a_post_left_submitting_by_a_dead_worker_is_released_with_a_reason(
    current_item, giulia_tiktok, fake_tiktok
):
    _alive("worker-b")
    entry = schedule(scheduled_variant(current_item, giulia_tiktok))
    queue_backend().clear()
    now = timezone.now()
    OutboxEntry.objects.filter(pk=entry.pk).update(
        state=State.SUBMITTING, claimed_by="dead-worker", claimed_at=now, sent_at=now
    )

    assert outbox.outbox_publish(entry_id=entry.pk, version=1, worker="worker-b") == (
        State.UNCONFIRMED
    )

    entry = refreshed(entry)
    assert entry.claimed_by == ""  # no worker holds it: the reconcile task may take it
    assert entry.last_error.startswith("The worker sending this post stopped before the")
    assert entry.last_error.endswith("do not post it by hand.")
    assert [name for name, _kwargs, _at in queued()] == ["reconcile_entry"]
    assert fake_tiktok.requests_to("video/init") == []  # looked up, never sent again
