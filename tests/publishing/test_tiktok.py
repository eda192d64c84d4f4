from __future__ import annotations

from pathlib import Path

import pytest

from quartieri.channels.connectors.base import (
    AccountAuth,
    MaybeSubmitted,
    MediaItem,
    MediaKind,
    PermanentError,
    PostKind,
    PostRequest,
    PublishState,
    RateLimited,
    ReconcileQuery,
    RetryableError,
    TokenExpired,
)
from quartieri.channels.connectors.fakeserver import FaultKind
from quartieri.channels.kinds.tiktok.client import ChunkRule, TikTokConnector, TikTokOptions
from tests.publishing.conftest import FAST_TIMEOUT, VIDEO_URL, video_by_url

PUBLIC = TikTokOptions(privacy_level="PUBLIC_TO_EVERYONE")


def poll(connector: TikTokConnector, publish_id: str, attempts: int = 10):
    for _ in range(attempts):
        result = connector.status(publish_id=publish_id)
        if result.state != PublishState.PROCESSING:
            return result
    return result


def test_it_publishes_a_video_by_url_and_polls_to_completion(tiktok, fake_tiktok):
    # given a fake that needs two status reads to finish processing
    fake_tiktok.processing_polls = 2

    # when
    submitted = tiktok.submit(request=video_by_url())
    first = tiktok.status(publish_id=submitted.publish_id)
    second = tiktok.status(publish_id=submitted.publish_id)

    # then
    assert submitted.state == PublishState.PROCESSING
    assert first.state == PublishState.PROCESSING
    assert second.state == PublishState.PUBLISHED
    assert second.platform_post_id
    assert second.permalink.endswith(f"/video/{second.platform_post_id}")
    assert len(fake_tiktok.posts) == 1
    assert fake_tiktok.posts[0].source == {"source": "PULL_FROM_URL", "video_url": VIDEO_URL}
    # creator_info is queried before the post (platform-apis.md §1.6)
    paths = [request.path for request in fake_tiktok.requests]
    assert paths[:2] == ["/v2/post/publish/creator_info/query/", "/v2/post/publish/video/init/"]


def test_it_keeps_interactions_off_unless_chosen(tiktok, fake_tiktok):
    tiktok.submit(request=video_by_url(allow_comment=True, allow_stitch=True))
    body = fake_tiktok.requests_to("video/init")[0].json()["post_info"]
    assert body["disable_comment"] is False
    assert body["disable_duet"] is True
    # the creator has stitch disabled, so it stays off whatever the post asked
    assert body["disable_stitch"] is True


@pytest.mark.parametrize(
    ("size", "expected_ranges"),
    [
        pytest.param(4, ["bytes 0-3/4"], id="under_min_is_one_chunk_case"),
        pytest.param(16, ["bytes 0-15/16"], id="exactly_one_chunk_case"),
        pytest.param(
            50, ["bytes 0-15/50", "bytes 16-31/50", "bytes 32-49/50"], id="last_absorbs_rest_case"
        ),
    ],
)
def test_it_uploads_a_file_in_chunks_with_content_range(
    tiktok, fake_tiktok, tmp_path: Path, size, expected_ranges
):
    video = tmp_path / "tour.mp4"
    video.write_bytes(bytes(range(size)))
    request = PostRequest(
        kind=PostKind.VIDEO,
        text="Borgo",
        media=(MediaItem(kind=MediaKind.VIDEO, path=video),),
        options=PUBLIC,
    )

    submitted = tiktok.submit(request=request)
    result = poll(tiktok, submitted.publish_id)

    puts = fake_tiktok.requests_to("^/upload/")
    assert [put.headers["Content-Range"] for put in puts] == expected_ranges
    assert result.state == PublishState.PUBLISHED
    assert bytes(fake_tiktok.posts[0].uploaded) == video.read_bytes()
    init = fake_tiktok.requests_to("video/init")[0].json()["source_info"]
    assert init["source"] == "FILE_UPLOAD"
    assert init["video_size"] == size
    assert init["total_chunk_count"] == len(expected_ranges)


def test_the_production_chunk_rule_follows_the_documented_sizes():
    rule = ChunkRule()
    mb = 1024 * 1024
    assert rule.plan(3 * mb) == (3 * mb, 1)  # under 5 MB: one chunk
    chunk, count = rule.plan(1000 * mb)
    assert 5 * mb <= chunk <= 64 * mb
    assert count == (1000 * mb) // chunk
    assert 1000 * mb - chunk * (count - 1) <= 128 * mb
    chunk, count = rule.plan(4 * 1024 * mb)  # 4 GB stays within 1,000 chunks
    assert count <= 1000
    assert chunk <= 64 * mb


def test_the_fake_refuses_chunks_that_break_the_rule(fake_tiktok, tmp_path: Path):
    # given a connector whose chunks (80 bytes) exceed the fake's 64-byte maximum
    video = tmp_path / "tour.mp4"
    video.write_bytes(b"x" * 200)
    connector = TikTokConnector(
        auth=AccountAuth(access_token="tok-1"),
        base_url=fake_tiktok.url,
        timeout=FAST_TIMEOUT,
        chunk_rule=ChunkRule(min_bytes=5, max_bytes=80, preferred_bytes=80, max_last_bytes=200),
    )
    request = PostRequest(
        kind=PostKind.VIDEO, media=(MediaItem(kind=MediaKind.VIDEO, path=video),), options=PUBLIC
    )
    with pytest.raises(PermanentError):
        connector.submit(request=request)
    connector.close()
    assert fake_tiktok.posts == []


def test_it_publishes_photos_by_url(tiktok, fake_tiktok):
    request = PostRequest(
        kind=PostKind.CAROUSEL,
        text="Three views of Borgo",
        media=tuple(
            MediaItem(kind=MediaKind.IMAGE, url=f"https://media.example.org/{n}.jpg")
            for n in range(3)
        ),
        options=TikTokOptions(privacy_level="SELF_ONLY", photo_title="Borgo"),
    )
    submitted = tiktok.submit(request=request)
    assert poll(tiktok, submitted.publish_id).state == PublishState.PUBLISHED
    body = fake_tiktok.requests_to("content/init")[0].json()
    assert body["media_type"] == "PHOTO"
    assert len(body["source_info"]["photo_images"]) == 3


def test_a_failed_publish_reports_a_plain_reason(tiktok, fake_tiktok):
    fake_tiktok.fail_next_publish("frame_rate_check_failed")
    submitted = tiktok.submit(request=video_by_url())
    result = poll(tiktok, submitted.publish_id)
    assert result.state == PublishState.FAILED
    assert isinstance(result.error, PermanentError)
    assert "frame rate" in str(result.error.reason)
    assert fake_tiktok.posts == []


def test_moderation_delays_the_public_id(tiktok, fake_tiktok):
    fake_tiktok.moderation_polls = 2
    submitted = tiktok.submit(request=video_by_url())
    first = tiktok.status(publish_id=submitted.publish_id)
    assert first.state == PublishState.PUBLISHED
    assert first.platform_post_id == ""
    later = poll_until_id(tiktok, submitted.publish_id)
    assert later.platform_post_id


def poll_until_id(connector, publish_id):
    for _ in range(5):
        result = connector.status(publish_id=publish_id)
        if result.platform_post_id:
            return result
    return result


def test_a_privacy_level_the_creator_lacks_is_refused_before_posting(tiktok, fake_tiktok):
    with pytest.raises(PermanentError) as error:
        tiktok.submit(request=video_by_url(privacy_level="FOLLOWER_OF_CREATOR"))
    assert "privacy" in str(error.value.reason)
    assert fake_tiktok.requests_to("video/init") == []


def test_a_post_without_privacy_choice_is_refused(tiktok, fake_tiktok):
    request = PostRequest(
        kind=PostKind.VIDEO, media=(MediaItem(kind=MediaKind.VIDEO, url=VIDEO_URL),)
    )
    with pytest.raises(PermanentError):
        tiktok.submit(request=request)
    assert fake_tiktok.requests == []


def test_an_unverified_media_domain_is_a_permanent_error(tiktok, fake_tiktok):
    request = PostRequest(
        kind=PostKind.VIDEO,
        media=(MediaItem(kind=MediaKind.VIDEO, url="https://elsewhere.example.com/v.mp4"),),
        options=PUBLIC,
    )
    with pytest.raises(PermanentError) as error:
        tiktok.submit(request=request)
    assert "web address" in str(error.value.reason)
    assert fake_tiktok.posts == []


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        pytest.param(30, 30.0, id="with_retry_after_case"),
        pytest.param(None, None, id="without_case"),
    ],
)
def test_429_is_rate_limited(tiktok, fake_tiktok, retry_after, expected):
    fake_tiktok.inject(FaultKind.RATE_LIMITED, path="video/init", retry_after=retry_after)
    with pytest.raises(RateLimited) as error:
        tiktok.submit(request=video_by_url())
    assert error.value.retry_after_seconds == expected
    assert error.value.scope == "user_token"
    assert fake_tiktok.posts == []


def test_an_invalid_token_is_token_expired(tiktok, fake_tiktok):
    fake_tiktok.expire_token("tok-1")
    with pytest.raises(TokenExpired):
        tiktok.submit(request=video_by_url())
    assert fake_tiktok.posts == []


def test_a_5xx_on_a_read_is_retryable(tiktok, fake_tiktok):
    submitted = tiktok.submit(request=video_by_url())
    fake_tiktok.inject(FaultKind.SERVER_ERROR, path="status/fetch")
    with pytest.raises(RetryableError):
        tiktok.status(publish_id=submitted.publish_id)
    assert poll(tiktok, submitted.publish_id).state == PublishState.PUBLISHED


def test_a_5xx_on_a_pull_submit_is_maybe_submitted(tiktok, fake_tiktok):
    fake_tiktok.inject(FaultKind.SERVER_ERROR, path="video/init")
    with pytest.raises(MaybeSubmitted):
        tiktok.submit(request=video_by_url())


@pytest.mark.parametrize(
    ("code", "scope"),
    [
        pytest.param("spam_risk_too_many_posts", "creator_daily", id="creator_cap_case"),
        pytest.param("reached_active_user_cap", "app_daily", id="app_cap_case"),
    ],
)
def test_a_daily_cap_is_rate_limited_without_retry_after(tiktok, fake_tiktok, code, scope):
    fake_tiktok.inject(FaultKind.PLATFORM_ERROR, path="video/init", code=code, status=403)
    with pytest.raises(RateLimited) as error:
        tiktok.submit(request=video_by_url())
    assert error.value.scope == scope
    assert error.value.retry_after_seconds is None
    assert fake_tiktok.posts == []


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("spam_risk_text", id="spam_text_case"),
        pytest.param("unaudited_client_can_only_post_to_private_accounts", id="unaudited_case"),
        pytest.param("scope_not_authorized", id="scope_case"),
        pytest.param("something_new", id="unknown_code_case"),
    ],
)
def test_refusals_are_permanent_with_plain_words(tiktok, fake_tiktok, code):
    fake_tiktok.inject(FaultKind.PLATFORM_ERROR, path="video/init", code=code)
    with pytest.raises(PermanentError) as error:
        tiktok.submit(request=video_by_url())
    assert str(error.value.reason)
    assert str(error.value.action)
    assert code in error.value.detail
    assert fake_tiktok.posts == []


def test_timeout_after_the_side_effect_is_maybe_submitted_and_reconcile_finds_one_post(
    tiktok, fake_tiktok
):
    # given: TikTok creates the post but its answer arrives after our read timeout
    fake_tiktok.inject(FaultKind.TIMEOUT_AFTER_EFFECT, path="video/init", delay=1.5)

    # when
    with pytest.raises(MaybeSubmitted) as error:
        tiktok.submit(request=video_by_url())
    found = tiktok.reconcile(query=ReconcileQuery(marker="q.example/abc"))

    # then: the post exists exactly once and reconcile says so
    assert error.value.publish_id == ""
    assert len(fake_tiktok.posts) == 1
    assert found.found is True
    assert found.matches == 1


def test_a_dropped_first_chunk_is_retryable_because_nothing_is_published_yet(
    tiktok, fake_tiktok, tmp_path: Path
):
    video = tmp_path / "tour.mp4"
    video.write_bytes(b"v" * 40)
    fake_tiktok.inject(FaultKind.DROP_AFTER_EFFECT, path="^/upload/", method="PUT", times=1)
    request = PostRequest(
        kind=PostKind.VIDEO, media=(MediaItem(kind=MediaKind.VIDEO, path=video),), options=PUBLIC
    )
    # the first chunk is dropped after it was stored: not the last, so it is retryable
    with pytest.raises(RetryableError):
        tiktok.submit(request=request)


def test_a_dropped_final_chunk_is_maybe_submitted_with_its_publish_id(
    tiktok, fake_tiktok, tmp_path: Path
):
    video = tmp_path / "tour.mp4"
    video.write_bytes(b"v" * 10)  # one chunk: the only chunk is the last
    fake_tiktok.inject(FaultKind.DROP_AFTER_EFFECT, path="^/upload/", method="PUT")
    request = PostRequest(
        kind=PostKind.VIDEO, media=(MediaItem(kind=MediaKind.VIDEO, path=video),), options=PUBLIC
    )
    with pytest.raises(MaybeSubmitted) as error:
        tiktok.submit(request=request)
    found = tiktok.reconcile(query=ReconcileQuery(publish_id=error.value.publish_id))
    assert error.value.publish_id
    assert found.found is True
    assert len(fake_tiktok.posts) == 1


def test_reconcile_finds_nothing_when_nothing_was_posted(tiktok, fake_tiktok):
    found = tiktok.reconcile(query=ReconcileQuery(marker="q.example/none"))
    assert found.found is False


def test_refresh_rotates_the_refresh_token(tiktok, fake_tiktok):
    tokens = tiktok.refresh(refresh_token="fake-refresh-0")
    assert tokens.access_token.startswith("fake-access-")
    assert tokens.refresh_token != "fake-refresh-0"
    assert tokens.expires_at is not None
    assert tokens.refresh_expires_at is not None
    assert (tokens.refresh_expires_at - tokens.expires_at).days > 100
    assert "video.publish" in tokens.scopes
    # the old refresh token no longer works
    with pytest.raises(TokenExpired):
        tiktok.refresh(refresh_token="fake-refresh-0")


def test_a_timeout_on_a_status_read_is_retryable_not_maybe_submitted(tiktok, fake_tiktok):
    submitted = tiktok.submit(request=video_by_url())
    fake_tiktok.inject(FaultKind.TIMEOUT_AFTER_EFFECT, path="status/fetch", delay=1.0)
    with pytest.raises(RetryableError):
        tiktok.status(publish_id=submitted.publish_id)
    assert poll(tiktok, submitted.publish_id).state == PublishState.PUBLISHED
