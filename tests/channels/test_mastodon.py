"""The Mastodon kind's connector against its fake: the documented contract, limits included."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

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
    TokenExpired,
)
from quartieri.channels.connectors.fakeserver import FaultKind
from quartieri.channels.kinds.mastodon.client import (
    MastodonConnector,
    MastodonOptions,
    idempotency_key,
    server_of,
)
from quartieri.channels.kinds.mastodon.fake import ACCOUNT_ID, TOKEN, FakeMastodon
from tests.publishing.conftest import FAST_TIMEOUT

MARKER = "https://q.example/p/7-abcdef"


@pytest.fixture
def fake() -> Iterator[FakeMastodon]:
    with FakeMastodon() as server:
        yield server


@pytest.fixture
def mastodon(fake: FakeMastodon) -> Iterator[MastodonConnector]:
    connector = MastodonConnector(
        auth=AccountAuth(TOKEN, handle="@comune@mastodon.example"),
        base_url=fake.url,
        timeout=FAST_TIMEOUT,
    )
    yield connector
    connector.close()


def _text(text: str = "Isola: the open workshops") -> PostRequest:
    return PostRequest(kind=PostKind.TEXT, text=f"{text}\n{MARKER}", marker=MARKER)


def test_a_status_goes_out_once_with_an_idempotency_key(mastodon, fake):
    first = mastodon.submit(request=_text())
    again = mastodon.submit(request=_text())  # e.g. a retry of the same post

    assert first == again
    assert first.state == PublishState.PUBLISHED
    assert first.permalink == f"{fake.url}/@comune/{first.platform_post_id}"
    assert len(fake.posts) == 1
    keys = [r.headers["Idempotency-Key"] for r in fake.requests_to("/api/v1/statuses$")]
    assert keys == [idempotency_key(MARKER, _text().text)] * 2


def test_the_server_forgets_a_key_after_an_hour(mastodon, fake):
    mastodon.submit(request=_text())
    fake.advance(seconds=3601)
    mastodon.submit(request=_text())
    assert len(fake.posts) == 2


def test_the_server_counts_urls_as_23_and_refuses_past_500(mastodon, fake):
    long_link = "https://example.org/" + "x" * 300
    fits = "a" * (500 - 23 * 2 - 2) + f"\n{long_link}"  # the marker is a second URL
    assert mastodon.submit(request=_text(fits)).state == PublishState.PUBLISHED
    with pytest.raises(PermanentError) as refused:
        mastodon.submit(request=_text("!" + fits))
    assert "character limit of 500 exceeded" in str(refused.value.reason)
    assert len(fake.posts) == 1


def test_pictures_are_uploaded_with_their_alternative_text(mastodon, fake, tmp_path):
    files = []
    for number in range(2):
        path = tmp_path / f"cave-{number}.jpg"
        path.write_bytes(b"\xff\xd8picture" + bytes([number]))
        files.append(MediaItem(MediaKind.IMAGE, path=path))
    request = PostRequest(
        kind=PostKind.CAROUSEL,
        text=f"Parco delle Cave\n{MARKER}",
        media=tuple(files),
        options=MastodonOptions(alt_texts=("The lake at dusk", "The old quarry")),
        marker=MARKER,
    )
    mastodon.submit(request=request)

    [status] = fake.posts
    uploads = [fake.uploads[media_id] for media_id in status.media_ids]
    assert [(m.filename, m.description) for m in uploads] == [
        ("cave-0.jpg", "The lake at dusk"),
        ("cave-1.jpg", "The old quarry"),
    ]


def test_a_video_is_waited_for_while_the_server_processes_it(mastodon, fake, tmp_path):
    fake.processing_polls = 2
    video = tmp_path / "walk.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    request = PostRequest(
        kind=PostKind.VIDEO,
        text=f"A walk in Baggio\n{MARKER}",
        media=(MediaItem(MediaKind.VIDEO, path=video),),
        marker=MARKER,
    )
    mastodon.submit(request=request)

    assert len(fake.requests_to(r"/api/v1/media/\d+")) == 3  # 206, 206, 200
    assert fake.posts[0].media_ids


def test_more_than_four_pictures_are_refused_and_nothing_is_posted(mastodon, fake, tmp_path):
    path = tmp_path / "a.jpg"
    path.write_bytes(b"\xff\xd8x")
    request = PostRequest(
        kind=PostKind.CAROUSEL,
        text=f"Five\n{MARKER}",
        media=tuple(MediaItem(MediaKind.IMAGE, path=path) for _ in range(5)),
        marker=MARKER,
    )
    with pytest.raises(PermanentError) as refused:
        mastodon.submit(request=request)
    assert str(refused.value.reason) == (
        "Mastodon refused the post: Validation failed: Media attachments can't be more than 4"
    )
    assert fake.posts == []


def test_a_refused_token_is_expired_and_cannot_be_refreshed(mastodon, fake):
    fake.expire_token(TOKEN)
    with pytest.raises(TokenExpired):
        mastodon.submit(request=_text())
    with pytest.raises(TokenExpired):
        mastodon.refresh(refresh_token="anything")
    assert fake.posts == []


def test_the_rate_limit_says_when_to_come_back(mastodon, fake):
    fake.rate_limit = 2
    mastodon.submit(request=_text("one"))
    mastodon.submit(request=_text("two"))
    with pytest.raises(RateLimited) as limited:
        mastodon.submit(request=_text("three"))
    assert limited.value.scope == "account"
    assert 250 < limited.value.retry_after_seconds <= 300
    assert len(fake.posts) == 2


def test_an_injected_rate_limit_names_its_reset(mastodon, fake):
    fake.inject(FaultKind.RATE_LIMITED, path="statuses", retry_after=90)
    with pytest.raises(RateLimited) as limited:
        mastodon.submit(request=_text())
    assert 80 < limited.value.retry_after_seconds <= 90
    assert fake.posts == []


@pytest.mark.parametrize(
    "kind", [FaultKind.TIMEOUT_AFTER_EFFECT, FaultKind.DROP_AFTER_EFFECT], ids=str
)
def test_a_lost_answer_may_have_posted(mastodon, fake, kind):
    fake.inject(kind, path="/api/v1/statuses$", delay=1.0)
    with pytest.raises(MaybeSubmitted):
        mastodon.submit(request=_text())
    assert len(fake.posts) == 1  # it did


def test_a_server_error_on_the_post_may_have_posted_too(mastodon, fake):
    fake.inject(FaultKind.SERVER_ERROR, path="/api/v1/statuses$")
    with pytest.raises(MaybeSubmitted):
        mastodon.submit(request=_text())


def test_reconcile_reads_the_account_page_by_page_with_max_id(mastodon, fake):
    sent = timezone.now()
    mastodon.submit(request=_text())
    for number in range(45):
        fake.add_status(f"someone else's post {number}")

    found = mastodon.reconcile(query=ReconcileQuery(marker=MARKER, since=sent))

    assert (found.found, found.matches) == (True, 1)
    assert found.platform_post_id == fake.posts[0].id
    pages = fake.requests_to(f"/api/v1/accounts/{ACCOUNT_ID}/statuses")
    assert [p.query.get("max_id") is None for p in pages] == [True, False]
    assert pages[0].query["limit"] == ["40"]
    # The account id was asked of the server once (none was stored with the token).
    assert len(fake.requests_to("verify_credentials")) == 1


def test_reconcile_by_id_says_not_found_when_the_status_is_gone(mastodon, fake):
    result = mastodon.reconcile(query=ReconcileQuery(publish_id="42"))
    assert (result.found, result.conclusive) == (False, True)


def test_the_server_is_the_handles():
    assert server_of("@comune@mastodon.uno") == "https://mastodon.uno"
    assert server_of("comune@127.0.0.1:8780") == "http://127.0.0.1:8780"
    with pytest.raises(PermanentError, match="does not name its server"):
        server_of("@comune")


def test_the_fake_runs_standalone():
    process = subprocess.Popen(
        [sys.executable, "-m", "quartieri.channels.kinds.mastodon.fake", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        url = process.stdout.readline().split(" listening on ")[1].split()[0]
        me = httpx.get(
            f"{url}/api/v1/accounts/verify_credentials",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert me.json()["id"] == ACCOUNT_ID
        refused = httpx.get(f"{url}/api/v1/accounts/verify_credentials")
        assert (refused.status_code, refused.json()) == (
            401,
            {"error": "The access token is invalid"},
        )
    finally:
        process.terminate()
        process.wait(timeout=5)
