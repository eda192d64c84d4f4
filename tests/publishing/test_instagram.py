from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

from quartieri.campaigns.models import ContentItem
from quartieri.channels.connectors.base import (
    MaybeSubmitted,
    MediaItem,
    MediaKind,
    PermanentError,
    PostKind,
    PostRequest,
    PublishState,
    QuotaReading,
    RateLimited,
    ReconcileQuery,
    RetryableError,
    TokenExpired,
    TokenSet,
)
from quartieri.channels.connectors.fakeserver import FaultKind
from quartieri.channels.kinds.instagram.client import InstagramConnector
from quartieri.channels.kinds.instagram.fake import IG_USER, FakeInstagram, FakeMedia
from quartieri.channels.models import AccountState, ChannelAccount
from quartieri.channels.services import credential_store
from quartieri.publishing.models import OutboxEntry
from tests.publishing.conftest import (
    campaign_item,
    drain,
    queued,
    refreshed,
    schedule,
    scheduled_variant,
)

CAPTION = "Sunset over Borgo #quartieri q.example/ig1"


def image_post(text: str = CAPTION) -> PostRequest:
    return PostRequest(
        kind=PostKind.IMAGE,
        text=text,
        media=(MediaItem(kind=MediaKind.IMAGE, url="https://media.example.org/borgo.jpg"),),
        marker="q.example/ig1" if "q.example/ig1" in text else "",
    )


def poll_ready(connector: InstagramConnector, container_id: str):
    for _ in range(10):
        result = connector.status(publish_id=container_id)
        if result.state != PublishState.PROCESSING:
            return result
    return result


def test_it_creates_a_container_polls_and_publishes(instagram, fake_instagram):
    # given a container that needs two status reads
    fake_instagram.processing_polls = 2

    # when
    submitted = instagram.submit(request=image_post())
    assert instagram.status(publish_id=submitted.publish_id).state == PublishState.PROCESSING
    assert instagram.status(publish_id=submitted.publish_id).state == PublishState.READY
    assert fake_instagram.posts == []  # nothing is visible before media_publish
    result = instagram.finalize(publish_id=submitted.publish_id)

    # then
    assert result.state == PublishState.PUBLISHED
    assert result.platform_post_id == fake_instagram.posts[0].id
    assert result.permalink.startswith("https://www.instagram.com/p/")
    assert fake_instagram.posts[0].caption == CAPTION
    # the quota was read before media_publish
    paths = [r.path for r in fake_instagram.requests]
    assert paths.index(f"/v25.0/{IG_USER}/content_publishing_limit") < paths.index(
        f"/v25.0/{IG_USER}/media_publish"
    )


def test_finalize_twice_publishes_once(instagram, fake_instagram):
    submitted = instagram.submit(request=image_post())
    poll_ready(instagram, submitted.publish_id)
    instagram.finalize(publish_id=submitted.publish_id)
    again = instagram.finalize(publish_id=submitted.publish_id)
    assert again.state == PublishState.PUBLISHED
    assert len(fake_instagram.posts) == 1


def test_it_publishes_a_carousel_reel_and_story(instagram, fake_instagram):
    images = tuple(
        MediaItem(kind=MediaKind.IMAGE, url=f"https://media.example.org/{n}.jpg") for n in range(3)
    )
    video = (MediaItem(kind=MediaKind.VIDEO, url="https://media.example.org/reel.mp4"),)
    requests = [
        PostRequest(kind=PostKind.CAROUSEL, text="Three views", media=images),
        PostRequest(kind=PostKind.REEL, text="A reel", media=video),
        PostRequest(kind=PostKind.STORY, media=video),
    ]
    for request in requests:
        submitted = instagram.submit(request=request)
        poll_ready(instagram, submitted.publish_id)
        assert instagram.finalize(publish_id=submitted.publish_id).state == PublishState.PUBLISHED
    assert [m.media_type for m in fake_instagram.posts] == ["CAROUSEL", "REELS", "STORIES"]
    children = [c for c in fake_instagram.containers.values() if c.fields.get("is_carousel_item")]
    assert len(children) == 3


def test_a_container_error_is_a_permanent_error_with_a_plain_reason(instagram, fake_instagram):
    fake_instagram.fail_next_container(2207026)
    submitted = instagram.submit(request=image_post())
    status = poll_ready(instagram, submitted.publish_id)
    assert status.state == PublishState.FAILED
    assert "video format" in str(status.error.reason)
    with pytest.raises(PermanentError) as error:
        instagram.finalize(publish_id=submitted.publish_id)
    assert "video format" in str(error.value.reason)
    assert str(error.value.action)
    assert fake_instagram.posts == []


def test_a_full_publishing_quota_is_rate_limited_before_media_publish(instagram, fake_instagram):
    fake_instagram.quota_total = 0
    submitted = instagram.submit(request=image_post())
    poll_ready(instagram, submitted.publish_id)
    with pytest.raises(RateLimited) as error:
        instagram.finalize(publish_id=submitted.publish_id)
    assert error.value.scope == "publishing_quota"
    assert instagram.quota_reading == QuotaReading(usage=0, total=0)  # kept for the outbox
    assert fake_instagram.requests_to("media_publish") == []
    assert fake_instagram.posts == []


def test_the_daily_limit_subcode_is_rate_limited(instagram, fake_instagram):
    submitted = instagram.submit(request=image_post())
    poll_ready(instagram, submitted.publish_id)
    fake_instagram.inject(FaultKind.PLATFORM_ERROR, path="media_publish", code=9, subcode=2207042)
    with pytest.raises(RateLimited) as error:
        instagram.finalize(publish_id=submitted.publish_id)
    assert error.value.scope == "publishing_quota"
    assert fake_instagram.posts == []


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        pytest.param(120, 120.0, id="with_retry_after_case"),
        pytest.param(None, None, id="without_case"),
    ],
)
def test_429_is_rate_limited(instagram, fake_instagram, retry_after, expected):
    fake_instagram.inject(FaultKind.RATE_LIMITED, path="/media$", retry_after=retry_after)
    with pytest.raises(RateLimited) as error:
        instagram.submit(request=image_post())
    assert error.value.retry_after_seconds == expected
    assert fake_instagram.containers == {}


@pytest.mark.parametrize(
    ("code", "scope"),
    [
        pytest.param(4, "app", id="app_case"),
        pytest.param(17, "user", id="user_case"),
        pytest.param(32, "page", id="page_case"),
        pytest.param(613, "custom", id="custom_case"),
        pytest.param(80002, "business", id="business_use_case"),
    ],
)
def test_meta_throttling_codes_are_rate_limited(instagram, fake_instagram, code, scope):
    usage = {"1": [{"type": "instagram", "call_count": 100, "estimated_time_to_regain_access": 7}]}
    fake_instagram.inject(
        FaultKind.RATE_LIMITED,
        path="/media$",
        code=code,
        status=400,
        headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
    )
    with pytest.raises(RateLimited) as error:
        instagram.submit(request=image_post())
    assert error.value.scope == scope
    assert error.value.retry_after_seconds == 7 * 60


def test_usage_above_90_percent_backs_off_before_the_next_call(instagram, fake_instagram):
    # given an answer that reports 95 % of the app's call budget used
    fake_instagram.app_usage = {"call_count": 95, "total_time": 10, "total_cputime": 10}

    # when: the first call succeeds (a success is never turned into an error)
    submitted = instagram.submit(request=image_post())
    requests_before = len(fake_instagram.requests)

    # then the next call backs off without being sent
    with pytest.raises(RateLimited) as error:
        instagram.status(publish_id=submitted.publish_id)
    assert error.value.scope == "app"
    assert len(fake_instagram.requests) == requests_before
    assert instagram.backoff is error.value


def test_usage_at_or_below_90_percent_does_not_back_off(instagram, fake_instagram):
    fake_instagram.app_usage = {"call_count": 90, "total_time": 10, "total_cputime": 10}
    submitted = instagram.submit(request=image_post())
    assert instagram.status(publish_id=submitted.publish_id).state == PublishState.READY


def test_an_expired_token_is_token_expired(instagram, fake_instagram):
    fake_instagram.expire_token("ig-tok")
    with pytest.raises(TokenExpired):
        instagram.submit(request=image_post())


def test_a_5xx_on_a_status_read_is_retryable(instagram, fake_instagram):
    submitted = instagram.submit(request=image_post())
    fake_instagram.inject(FaultKind.SERVER_ERROR, path=submitted.publish_id)
    with pytest.raises(RetryableError):
        instagram.status(publish_id=submitted.publish_id)


def test_a_media_url_meta_cannot_fetch_is_permanent(instagram, fake_instagram):
    request = PostRequest(
        kind=PostKind.IMAGE, media=(MediaItem(kind=MediaKind.IMAGE, url="http://localhost/x.jpg"),)
    )
    with pytest.raises(PermanentError) as error:
        instagram.submit(request=request)
    assert "public" in str(error.value.action)


def test_timeout_after_media_publish_is_maybe_submitted_and_reconcile_finds_one_post(
    instagram, fake_instagram
):
    # given a ready container whose media_publish answer arrives too late
    since = timezone.now()
    submitted = instagram.submit(request=image_post())
    poll_ready(instagram, submitted.publish_id)
    fake_instagram.inject(FaultKind.TIMEOUT_AFTER_EFFECT, path="media_publish", delay=1.5)

    # when
    with pytest.raises(MaybeSubmitted) as error:
        instagram.finalize(publish_id=submitted.publish_id)
    by_container = instagram.reconcile(query=ReconcileQuery(publish_id=error.value.publish_id))
    by_marker = instagram.reconcile(
        query=ReconcileQuery(
            publish_id=error.value.publish_id,
            marker="q.example/ig1",
            since=since.replace(microsecond=0),
        )
    )

    # then
    assert error.value.publish_id == submitted.publish_id
    assert len(fake_instagram.posts) == 1
    assert by_container.found is True
    assert by_marker.found is True
    assert by_marker.matches == 1
    assert by_marker.platform_post_id == fake_instagram.posts[0].id
    # and finalize after the fact does not publish again
    instagram.finalize(publish_id=submitted.publish_id)
    assert len(fake_instagram.posts) == 1


def test_reconcile_of_an_unpublished_container_is_not_found(instagram, fake_instagram):
    submitted = instagram.submit(request=image_post())
    poll_ready(instagram, submitted.publish_id)
    result = instagram.reconcile(query=ReconcileQuery(publish_id=submitted.publish_id))
    assert result.found is False
    assert result.state == PublishState.READY


def test_refresh_exchanges_the_long_lived_token(instagram, fake_instagram):
    before = timezone.now()
    tokens = instagram.refresh(refresh_token="ig-tok")
    assert tokens.access_token.startswith("fake-long-lived-")
    assert tokens.expires_at is not None
    assert 59 <= (tokens.expires_at - before).days <= 60


def test_refresh_of_an_expired_token_is_token_expired(instagram, fake_instagram):
    fake_instagram.expire_token("old")
    with pytest.raises(TokenExpired):
        instagram.refresh(refresh_token="old")


def test_a_5xx_on_media_publish_is_maybe_submitted_and_reconcile_tells_the_truth(
    instagram, fake_instagram
):
    # given a ready container and a media_publish that fails with a 5xx before acting
    submitted = instagram.submit(request=image_post())
    poll_ready(instagram, submitted.publish_id)
    fake_instagram.inject(FaultKind.SERVER_ERROR, path="media_publish")

    # when
    with pytest.raises(MaybeSubmitted):
        instagram.finalize(publish_id=submitted.publish_id)
    result = instagram.reconcile(query=ReconcileQuery(publish_id=submitted.publish_id))

    # then reconcile says it is not there, so finalizing again is safe and publishes once
    assert result.found is False
    assert instagram.finalize(publish_id=submitted.publish_id).state == PublishState.PUBLISHED
    assert len(fake_instagram.posts) == 1


def test_the_quota_reading_is_kept_by_the_connector(instagram, fake_instagram):
    # given one post made today outside quartieri
    made_in_the_app(fake_instagram)
    assert instagram.quota_reading is None

    # when / then
    assert instagram.check_publishing_limit() == QuotaReading(usage=1, total=50)
    assert instagram.quota_reading == QuotaReading(usage=1, total=50)


# --- Through the outbox: Instagram's reading is kept on the account ------------------------------
def made_in_the_app(fake: FakeInstagram) -> None:
    """A post the account made today without quartieri: Instagram counts it in its quota."""
    media = FakeMedia(id="17900000999", caption="from the app", media_type="IMAGE", container_id="")
    fake.media[media.id] = media


@pytest.fixture
def item(db: None) -> ContentItem:
    return campaign_item(this_year=True)


@pytest.fixture
def ig_account(db: None, settings: Any, fake_instagram: FakeInstagram) -> ChannelAccount:
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    settings.META_GRAPH_URL = fake_instagram.url
    settings.PUBLISHING_MEDIA_URL = "https://media.example.org/"
    settings.PUBLISHING_POLL_DELAYS = (0, 0, 0)
    settings.PUBLISHING_HTTP_TIMEOUT_SECONDS = 0.5
    account = ChannelAccount.objects.create(platform="instagram", handle="@yesmilano")
    credential_store(
        actor=None,
        account=account,
        tokens=TokenSet(access_token="ig-token"),
        external_id=fake_instagram.ig_user,
    )
    return account


# The outbox enqueues its tasks on commit: real transactions.
@pytest.mark.django_db(transaction=True)
def test_a_publish_keeps_instagrams_quota_reading_on_the_account(item, ig_account, fake_instagram):
    # given one post already made today outside quartieri
    made_in_the_app(fake_instagram)
    before = timezone.now()

    # when
    entry = schedule(scheduled_variant(item, ig_account, caption="Isola #quartieri"))
    drain()

    # then Instagram's own figures, read just before media_publish, are on the account
    assert refreshed(entry).state == OutboxEntry.State.PUBLISHED
    assert len(fake_instagram.posts) == 2
    state = AccountState.objects.get(account=ig_account)
    assert (state.quota_usage, state.quota_total) == (1, 50)
    assert state.quota_read_at is not None
    assert before <= state.quota_read_at <= timezone.now()
    assert state.paused_until is None


@pytest.mark.django_db(transaction=True)
def test_a_used_up_quota_is_kept_on_the_account_and_nothing_is_published(
    item, ig_account, fake_instagram
):
    # given a quota of one post, already used outside quartieri
    fake_instagram.quota_total = 1
    made_in_the_app(fake_instagram)

    # when the post is submitted and its ready container reaches finalize
    entry = schedule(scheduled_variant(item, ig_account, caption="Isola #quartieri"))
    assert drain(steps=1) == ["polling"]

    # then the reading is stored, the account paused, and media_publish never called
    state = AccountState.objects.get(account=ig_account)
    assert (state.quota_usage, state.quota_total) == (1, 1)
    assert state.quota_read_at is not None
    assert state.paused_until is not None
    assert "publishing_quota" in state.last_error
    assert refreshed(entry).state == OutboxEntry.State.SUBMITTED
    assert queued() == [("poll_entry", {"entry_id": entry.pk}, state.paused_until)]
    assert fake_instagram.requests_to("media_publish") == []
    assert [media.id for media in fake_instagram.posts] == ["17900000999"]
