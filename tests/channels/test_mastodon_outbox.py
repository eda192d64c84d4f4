"""A Mastodon post goes out through the outbox exactly once: the same guarantees as the
other social kinds (lost answers reconciled, never resent blindly; pauses; reconnection)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from quartieri.accounts.roles import Role
from quartieri.campaigns.models import ContentItem, MediaAsset, Variant
from quartieri.channels import connection
from quartieri.channels.connectors.base import MaybeSubmitted, TokenSet
from quartieri.channels.connectors.fakeserver import FaultKind
from quartieri.channels.kinds.mastodon.fake import ACCOUNT_ID, TOKEN, FakeMastodon
from quartieri.channels.models import AccountGrant, AccountState, ChannelAccount, PlatformCredential
from quartieri.channels.registry import Platform
from quartieri.channels.services import credential_store
from quartieri.publishing import outbox, payload
from quartieri.publishing.models import OutboxEntry
from tests.conftest import make_person
from tests.publishing.conftest import campaign_item, drain, queue_backend, queued, refreshed

# Real commits, so the tasks enqueued on commit reach the queue that drain() runs.
pytestmark = pytest.mark.django_db(transaction=True)

State = OutboxEntry.State


@pytest.fixture
def fake() -> Iterator[FakeMastodon]:
    with FakeMastodon() as server:
        yield server


@pytest.fixture(autouse=True)
def _outbox_settings(settings: Any, fake: FakeMastodon) -> None:
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    settings.MASTODON_API_URL = fake.url
    settings.PUBLISHING_MEDIA_URL = ""  # files go from the media folder
    settings.PUBLISHING_POLL_DELAYS = (0,)
    settings.PUBLISHING_RECONCILE_DELAY_SECONDS = 0
    settings.PUBLISHING_HTTP_TIMEOUT_SECONDS = 0.5


@pytest.fixture
def item(db: None) -> ContentItem:
    return campaign_item(title="Isola – La Stecca", this_year=True)


def _account(handle: str = "@comune@mastodon.example", token: str = TOKEN) -> ChannelAccount:
    account = ChannelAccount.objects.create(platform=Platform.MASTODON, handle=handle)
    credential_store(
        actor=None, account=account, tokens=TokenSet(access_token=token), external_id=ACCOUNT_ID
    )
    return account


@pytest.fixture
def account(item: ContentItem) -> ChannelAccount:
    return _account()


def _scheduled(
    item: ContentItem, account: ChannelAccount, *, caption: str = "Isola, the workshops open"
) -> OutboxEntry:
    variant = Variant.objects.create(
        content_item=item,
        account=account,
        post_type="text",
        caption=caption,
        options={"visibility": "unlisted"},
        status=Variant.Status.SCHEDULED,
        scheduled_at=timezone.now() - dt.timedelta(minutes=1),
    )
    entry = outbox.outbox_schedule(variant_id=variant.pk)
    assert entry is not None
    return entry


def test_a_scheduled_status_is_published_exactly_once(item, account, fake):
    entry = _scheduled(item, account)
    assert drain() == [State.PUBLISHED]
    # The same task again (a worker re-queued by the sweeper) changes nothing.
    assert outbox.outbox_publish(entry_id=entry.pk, version=1) == State.PUBLISHED

    entry = refreshed(entry)
    [status] = fake.posts
    assert (entry.platform_post_id, entry.permalink) == (
        status.id,
        f"{fake.url}/@comune/{status.id}",
    )
    assert entry.marker in status.text
    assert status.visibility == "unlisted"  # the kind's option reached the server
    assert status.language == "it"  # the account's language
    assert Variant.objects.get(pk=entry.variant_id).status == Variant.Status.PUBLISHED


def test_pictures_go_with_their_alternative_text(item, account, fake, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "campaigns/media").mkdir(parents=True)
    (tmp_path / "campaigns/media/stecca.jpg").write_bytes(b"\xff\xd8stecca")
    entry = _scheduled(item, account)
    asset = MediaAsset.objects.create(
        content_item=item,
        kind="image",
        file="campaigns/media/stecca.jpg",
        mime_type="image/jpeg",
        alt_text="La Stecca degli artigiani",
    )
    Variant.objects.get(pk=entry.variant_id).media.add(asset)
    drain()

    [status] = fake.posts
    [upload] = [fake.uploads[media_id] for media_id in status.media_ids]
    assert upload.description == "La Stecca degli artigiani"


@pytest.mark.parametrize(
    "kind", [FaultKind.TIMEOUT_AFTER_EFFECT, FaultKind.DROP_AFTER_EFFECT], ids=str
)
def test_a_lost_answer_is_reconciled_not_resent(item, account, fake, kind):
    fake.inject(kind, path="/api/v1/statuses$", delay=1.0)
    entry = _scheduled(item, account)

    assert drain(steps=1) == [State.UNCONFIRMED]
    assert [name for name, _kwargs, _at in queued()] == ["reconcile_entry"]
    drain()

    entry = refreshed(entry)
    assert entry.state == State.PUBLISHED
    assert entry.platform_post_id == fake.posts[0].id
    assert len(fake.posts) == 1
    assert len(fake.requests_to("/api/v1/statuses$")) == 1


def test_a_server_error_on_the_post_is_reconciled_then_sent_once(item, account, fake):
    # A 500 while posting: the status may exist. Here it does not, and the server says so.
    fake.inject(FaultKind.SERVER_ERROR, path="/api/v1/statuses$")
    entry = _scheduled(item, account)

    assert drain() == [State.UNCONFIRMED, State.SCHEDULED, State.PUBLISHED]
    assert refreshed(entry).state == State.PUBLISHED
    assert len(fake.posts) == 1


def test_a_worker_killed_mid_send_is_reconciled_not_resent(item, account, fake):
    entry = _scheduled(item, account)
    queue_backend().clear()
    # A worker claimed it, sent it, and was killed before it could save the answer.
    now = timezone.now()
    OutboxEntry.objects.filter(pk=entry.pk).update(
        state=State.SUBMITTING, claimed_by="dead-worker", claimed_at=now, sent_at=now
    )
    fake.inject(FaultKind.DROP_AFTER_EFFECT, path="/api/v1/statuses$")
    with pytest.raises(MaybeSubmitted):  # what the killed worker would have seen
        connection.connector_for(account).submit(request=payload.post_request_for(entry))
    assert len(fake.posts) == 1

    # The sweeper runs the task again on another worker: the post is looked up, not resent.
    assert outbox.outbox_publish(entry_id=entry.pk, version=1) == State.UNCONFIRMED
    drain()

    entry = refreshed(entry)
    assert entry.state == State.PUBLISHED
    assert entry.platform_post_id == fake.posts[0].id
    assert len(fake.posts) == 1
    assert len(fake.requests_to("/api/v1/statuses$")) == 1


def test_a_post_beyond_the_first_page_is_found_and_not_sent_again(item, account, fake):
    entry = _scheduled(item, account)
    queue_backend().clear()
    mine = connection.connector_for(account)
    mine.submit(request=payload.post_request_for(entry))  # it did reach the server
    mine.close()
    for number in range(45):
        fake.add_status(f"the office's own post {number}")
    OutboxEntry.objects.filter(pk=entry.pk).update(
        state=State.UNCONFIRMED, claimed_by="", publish_id="", sent_at=timezone.now()
    )

    assert outbox.outbox_reconcile(entry_id=entry.pk) == State.PUBLISHED
    assert queued() == []
    assert len(fake.posts) == 46
    assert len(fake.requests_to(f"/api/v1/accounts/{ACCOUNT_ID}/statuses")) == 2


def test_not_found_in_the_pages_read_is_no_proof(item, account, fake, monkeypatch):
    from quartieri.channels.connectors import base

    monkeypatch.setattr(base, "MAX_RECENT_PAGES", 1)
    entry = _scheduled(item, account)
    queue_backend().clear()
    for number in range(45):
        fake.add_status(f"post {number}")  # more than the one page reconcile may read
    OutboxEntry.objects.filter(pk=entry.pk).update(
        state=State.UNCONFIRMED, claimed_by="", publish_id="", sent_at=timezone.now()
    )

    assert outbox.outbox_reconcile(entry_id=entry.pk) == State.UNCONFIRMED
    assert "check the account" in refreshed(entry).last_error
    assert queued() == []  # not sent again
    assert len(fake.posts) == 45


def test_a_rate_limit_pauses_only_that_account(item, account, fake):
    other = _account("@quartieri@mastodon.example", token="other-token")
    fake.tokens.add("other-token")
    limited = _scheduled(item, account)
    fake.inject(FaultKind.RATE_LIMITED, path="/api/v1/statuses$", retry_after=120)
    assert drain() == ["rate_limited", "not_due"]

    unaffected = _scheduled(item, other, caption="Other account")
    drain()

    assert refreshed(unaffected).state == State.PUBLISHED
    limited = refreshed(limited)
    assert limited.state == State.SCHEDULED
    paused_until = AccountState.objects.get(account=account).paused_until
    assert paused_until - timezone.now() > dt.timedelta(seconds=100)
    assert not AccountState.objects.filter(account=other).exists()
    assert len(fake.posts) == 1


def test_a_refused_token_asks_for_reconnection_once_and_posts_nothing(item, account, fake):
    editor = make_person("marta", Role.EDITOR)
    AccountGrant.objects.create(account=account, user=editor, can_publish=True)
    fake.expire_token(TOKEN)
    first = _scheduled(item, account)
    second = _scheduled(item, account, caption="Second")
    drain()

    assert refreshed(first).state == refreshed(second).state == State.FAILED
    assert AccountState.objects.get(account=account).reconnect_needed
    credential = PlatformCredential.objects.get(account=account)
    assert credential.status == PlatformCredential.Status.RECONNECT_NEEDED
    [message] = mail.outbox
    assert message.to == [editor.email]
    assert fake.posts == []
