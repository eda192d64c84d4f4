from __future__ import annotations

import httpx
import pytest
from django.utils import timezone

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
from quartieri.channels.kinds.facebook.client import FacebookConnector, FacebookOptions
from quartieri.channels.kinds.facebook.fake import PAGE_ID
from tests.publishing.conftest import FAST_TIMEOUT

TEXT = "Walk the Borgo this Sunday q.example/fb1"


def text_post(**options: str) -> PostRequest:
    return PostRequest(
        kind=PostKind.TEXT, text=TEXT, marker="q.example/fb1", options=FacebookOptions(**options)
    )


def image(n: int) -> MediaItem:
    return MediaItem(kind=MediaKind.IMAGE, url=f"https://media.example.org/{n}.jpg")


def test_it_posts_text_with_a_link_to_the_feed(facebook, fake_facebook):
    result = facebook.submit(request=text_post(link="https://visit.example.org/borgo"))
    assert result.state == PublishState.PUBLISHED
    assert result.platform_post_id == fake_facebook.posts[0].id
    assert result.permalink == fake_facebook.posts[0].permalink
    assert fake_facebook.posts[0].link == "https://visit.example.org/borgo"
    assert facebook.status(publish_id=result.publish_id).state == PublishState.PUBLISHED


def test_it_posts_one_photo_and_several_photos(facebook, fake_facebook):
    one = facebook.submit(request=PostRequest(kind=PostKind.IMAGE, text="One", media=(image(1),)))
    many = facebook.submit(
        request=PostRequest(kind=PostKind.CAROUSEL, text="Many", media=(image(2), image(3)))
    )
    assert one.platform_post_id == fake_facebook.posts[0].id
    assert many.platform_post_id == fake_facebook.posts[1].id
    assert len(fake_facebook.posts) == 2  # the unpublished uploads are not posts
    assert len(fake_facebook.posts[1].attached) == 2


def test_a_video_is_polled_until_processed(facebook, fake_facebook):
    fake_facebook.processing_polls = 2
    request = PostRequest(
        kind=PostKind.VIDEO,
        text="Borgo in 30 seconds",
        media=(MediaItem(kind=MediaKind.VIDEO, url="https://media.example.org/v.mp4"),),
    )
    submitted = facebook.submit(request=request)
    assert submitted.state == PublishState.PROCESSING
    assert facebook.status(publish_id=submitted.publish_id).state == PublishState.PROCESSING
    done = facebook.status(publish_id=submitted.publish_id)
    assert done.state == PublishState.PUBLISHED
    assert done.permalink


def test_a_failed_video_reports_a_plain_reason(facebook, fake_facebook):
    fake_facebook.fail_next_video()
    request = PostRequest(
        kind=PostKind.VIDEO,
        media=(MediaItem(kind=MediaKind.VIDEO, url="https://media.example.org/v.mp4"),),
    )
    submitted = facebook.submit(request=request)
    result = facebook.status(publish_id=submitted.publish_id)
    assert result.state == PublishState.FAILED
    assert "video" in str(result.error.reason)
    assert fake_facebook.posts == []


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        pytest.param(60, 60.0, id="with_retry_after_case"),
        pytest.param(None, None, id="without_case"),
    ],
)
def test_429_is_rate_limited(facebook, fake_facebook, retry_after, expected):
    fake_facebook.inject(FaultKind.RATE_LIMITED, path="/feed$", retry_after=retry_after)
    with pytest.raises(RateLimited) as error:
        facebook.submit(request=text_post())
    assert error.value.retry_after_seconds == expected
    assert fake_facebook.posts == []


def test_page_throttling_code_32_is_rate_limited_for_the_page(facebook, fake_facebook):
    fake_facebook.inject(FaultKind.RATE_LIMITED, path="/feed$", code=32, status=400)
    with pytest.raises(RateLimited) as error:
        facebook.submit(request=text_post())
    assert error.value.scope == "page"


def test_business_use_case_usage_above_90_percent_backs_off(facebook, fake_facebook):
    fake_facebook.business_usage = {
        PAGE_ID: [
            {
                "type": "pages",
                "call_count": 3,
                "total_cputime": 96,
                "total_time": 20,
                "estimated_time_to_regain_access": 0,
            }
        ]
    }
    facebook.submit(request=text_post())
    with pytest.raises(RateLimited) as error:
        facebook.submit(request=text_post())
    assert error.value.scope == "business"
    assert len(fake_facebook.posts) == 1


def test_an_expired_page_token_is_token_expired(facebook, fake_facebook):
    fake_facebook.expire_token("page-tok")
    with pytest.raises(TokenExpired):
        facebook.submit(request=text_post())
    assert fake_facebook.posts == []


@pytest.mark.parametrize(
    ("code", "words"),
    [
        pytest.param(200, "permission", id="permission_case"),
        pytest.param(368, "policy", id="policy_block_case"),
        pytest.param(506, "duplicate", id="duplicate_case"),
        pytest.param(1609005, "link", id="link_case"),
    ],
)
def test_refusals_are_permanent_with_plain_words(facebook, fake_facebook, code, words):
    fake_facebook.inject(FaultKind.PLATFORM_ERROR, path="/feed$", code=code)
    with pytest.raises(PermanentError) as error:
        facebook.submit(request=text_post())
    assert words in str(error.value.reason)
    assert str(error.value.action)
    assert fake_facebook.posts == []


def test_a_5xx_on_a_read_is_retryable(facebook, fake_facebook):
    fake_facebook.inject(FaultKind.SERVER_ERROR, path="/posts$")
    with pytest.raises(RetryableError):
        facebook.recent_posts()


def test_a_5xx_on_a_post_is_maybe_submitted(facebook, fake_facebook):
    fake_facebook.inject(FaultKind.SERVER_ERROR, path="/feed$")
    with pytest.raises(MaybeSubmitted):
        facebook.submit(request=text_post())


def test_a_connection_refused_is_retryable_because_nothing_was_sent(fake_facebook):
    # given a connector pointed at a closed port
    fake_facebook.stop()
    connector = FacebookConnector(
        auth=AccountAuth(access_token="page-tok", account_id=PAGE_ID),
        base_url=fake_facebook.url,
        timeout=FAST_TIMEOUT,
    )
    with pytest.raises(RetryableError):
        connector.submit(request=text_post())
    connector.close()


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(FaultKind.TIMEOUT_AFTER_EFFECT, id="timeout_case"),
        pytest.param(FaultKind.DROP_AFTER_EFFECT, id="dropped_connection_case"),
    ],
)
def test_a_lost_answer_is_maybe_submitted_and_reconcile_finds_exactly_one_post(
    facebook, fake_facebook, fault
):
    # given: Facebook creates the post but the answer is lost
    since = timezone.now()
    fake_facebook.inject(fault, path="/feed$", delay=1.5)

    # when
    with pytest.raises(MaybeSubmitted):
        facebook.submit(request=text_post())
    result = facebook.reconcile(query=ReconcileQuery(marker="q.example/fb1", since=since))

    # then
    assert len(fake_facebook.posts) == 1
    assert result.found is True
    assert result.matches == 1
    assert result.platform_post_id == fake_facebook.posts[0].id


def test_reconcile_ignores_posts_without_the_marker(facebook, fake_facebook):
    facebook.submit(request=PostRequest(kind=PostKind.TEXT, text="Another post"))
    result = facebook.reconcile(query=ReconcileQuery(marker="q.example/fb1"))
    assert result.found is False


def test_reconcile_pages_back_to_the_submit_time(facebook, fake_facebook):
    # given our post, then thirty newer ones: ours is on the second page of 25
    since = timezone.now()
    facebook.submit(request=text_post())
    for number in range(30):
        facebook.submit(request=PostRequest(kind=PostKind.TEXT, text=f"Other post {number}"))

    result = facebook.reconcile(query=ReconcileQuery(marker="q.example/fb1", since=since))

    assert result.found is True
    assert result.platform_post_id == fake_facebook.posts[0].id
    reads = fake_facebook.requests_to("/posts$")
    assert [bool(read.param("after")) for read in reads] == [False, True]


def test_not_found_is_conclusive_only_when_every_page_was_read(
    facebook, fake_facebook, monkeypatch
):
    from quartieri.channels.connectors import base

    since = timezone.now()
    for number in range(30):
        facebook.submit(request=PostRequest(kind=PostKind.TEXT, text=f"Other post {number}"))
    query = ReconcileQuery(marker="q.example/fb1", since=since)

    every_page = facebook.reconcile(query=query)
    monkeypatch.setattr(base, "MAX_RECENT_PAGES", 1)
    first_page_only = facebook.reconcile(query=query)

    assert (every_page.found, every_page.conclusive) == (False, True)
    assert (first_page_only.found, first_page_only.conclusive) == (False, False)


def test_the_fake_pages_like_the_graph_api(fake_facebook, facebook):
    for number in range(3):
        facebook.submit(request=PostRequest(kind=PostKind.TEXT, text=f"Post {number}"))
    posts = f"{fake_facebook.url}/v25.0/{PAGE_ID}/posts"
    auth = {"Authorization": "Bearer page-tok"}
    first = httpx.get(posts, params={"limit": 2}, headers=auth).json()
    rest = httpx.get(first["paging"]["next"], headers=auth).json()
    refused = httpx.get(posts, params={"limit": 500}, headers=auth)
    forged = httpx.get(posts, params={"after": "bm90LWFuLWlk"}, headers=auth)

    assert [post["message"] for post in first["data"] + rest["data"]] == [
        "Post 2",
        "Post 1",
        "Post 0",
    ]
    assert "next" not in rest["paging"]
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == 100
    assert forged.status_code == 400


def test_refresh_exchanges_the_long_lived_token(facebook, fake_facebook):
    tokens = facebook.refresh(refresh_token="user-long-lived")
    assert tokens.access_token.startswith("fake-long-lived-")
    assert tokens.refresh_token == ""
    assert tokens.expires_at is not None
