"""Reconcile never sends again what a platform's listing cannot show (issue 21, points 1-2).

TikTok's ``POST /v2/video/list/`` lists only public video posts and cuts ``title`` and
``video_description`` at 150 characters; Graph edges page by cursors or by time. The fakes
do the same, so these tests see what the platforms would do: a public post whose answer was
lost is settled whatever its caption's length; a post the listing cannot show is left
unconfirmed for a person, with the reason, and never sent twice.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from quartieri.campaigns.models import MediaAsset
from quartieri.channels import connection
from quartieri.channels.connectors.base import ReconcileQuery, TokenSet
from quartieri.channels.connectors.fakeserver import FaultKind
from quartieri.channels.kinds.facebook.fake import PAGE_ID, FakeFacebook, FakePost
from quartieri.channels.kinds.instagram.fake import FakeInstagram, FakeMedia
from quartieri.channels.kinds.tiktok.fake import FakeTikTok
from quartieri.channels.models import ChannelAccount
from quartieri.channels.services import credential_store
from quartieri.publishing import outbox, payload
from quartieri.publishing.models import OutboxEntry
from tests.publishing.conftest import (
    drain,
    queue_backend,
    queued,
    refreshed,
    schedule,
    scheduled_variant,
    video_by_url,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("outbox_settings")]
State = OutboxEntry.State
ALL_LEVELS = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"]
LONG = ("Baggio " + "tra cave e cascine, " * 10).strip()  # 206 characters on one line


# --- The TikTok fake lists what TikTok documents -------------------------------------------------
def test_the_tiktok_list_shows_public_videos_only_cut_at_150(tiktok, fake_tiktok: FakeTikTok):
    fake_tiktok.privacy_level_options = ALL_LEVELS
    for level in ALL_LEVELS:
        tiktok.submit(
            request=video_by_url(text=f"{level} {LONG} q.example/abc", privacy_level=level)
        )

    recent = tiktok.recent_posts(since=timezone.now() - timedelta(minutes=5))

    [only] = recent.posts
    title = only.text.split("\n")[0]
    assert title == f"PUBLIC_TO_EVERYONE {LONG}"[:150]
    assert "q.example/abc" not in only.text  # cut off: a marker placed last is never seen


# --- The outbox: TikTok ----------------------------------------------------------------------
def _lose_the_answer(fake: FakeTikTok, path: str = "video/init") -> None:
    fake.inject(FaultKind.TIMEOUT_AFTER_EFFECT, path=path, delay=1.5)


def test_a_public_post_with_a_long_caption_is_settled_once(
    current_item, giulia_tiktok, fake_tiktok
):
    _lose_the_answer(fake_tiktok)
    entry = schedule(
        scheduled_variant(current_item, giulia_tiktok, caption=f"Festa a Baggio\n{LONG}")
    )

    drain()

    entry = refreshed(entry)
    assert entry.state == State.PUBLISHED
    assert len(fake_tiktok.posts) == 1
    sent = fake_tiktok.posts[0].title
    assert entry.marker in sent[:150]
    assert len(fake_tiktok.requests_to("video/init")) == 1


@pytest.mark.parametrize("level", ["SELF_ONLY", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR"])
def test_a_post_that_is_not_public_is_never_sent_twice(
    current_item, giulia_tiktok, fake_tiktok, level
):
    fake_tiktok.privacy_level_options = ALL_LEVELS
    _lose_the_answer(fake_tiktok)
    entry = schedule(scheduled_variant(current_item, giulia_tiktok, tiktok_privacy_level=level))

    drain()

    entry = refreshed(entry)
    assert entry.state == State.UNCONFIRMED
    assert "not public" in entry.last_error
    assert "TikTok app" in entry.last_error
    assert len(fake_tiktok.requests_to("video/init")) == 1
    assert len(fake_tiktok.posts) == 1
    assert queued() == []


def test_a_photo_post_is_never_sent_twice(current_item, giulia_tiktok, fake_tiktok):
    _lose_the_answer(fake_tiktok, path="content/init")
    variant = scheduled_variant(
        current_item, giulia_tiktok, tiktok_privacy_level="PUBLIC_TO_EVERYONE"
    )
    variant.post_type = "photo"
    variant.title = "Baggio"
    variant.save()
    variant.media.set(
        [
            MediaAsset.objects.create(
                content_item=current_item,
                kind="image",
                file=f"campaigns/media/cave-{variant.pk}.jpg",
                mime_type="image/jpeg",
                alt_text="Le cave",
            )
        ]
    )
    entry = schedule(variant)

    drain()

    entry = refreshed(entry)
    assert entry.state == State.UNCONFIRMED
    assert "photo posts" in entry.last_error
    assert len(fake_tiktok.requests_to("content/init")) == 1
    assert len(fake_tiktok.posts) == 1


def test_a_post_not_public_with_its_handle_is_settled_by_status(
    current_item, giulia_tiktok, fake_tiktok
):
    # No listing is needed when TikTok gave a publish_id: status/fetch knows every post.
    entry = schedule(
        scheduled_variant(current_item, giulia_tiktok, tiktok_privacy_level="SELF_ONLY")
    )
    queue_backend().clear()
    connector = connection.connector_for(giulia_tiktok)
    submitted = connector.submit(request=payload.post_request_for(entry))
    connector.close()
    OutboxEntry.objects.filter(pk=entry.pk).update(
        state=State.UNCONFIRMED, publish_id=submitted.publish_id, sent_at=timezone.now()
    )

    assert outbox.outbox_reconcile(entry_id=entry.pk) in (State.PUBLISHED, State.SUBMITTED)
    drain()
    assert refreshed(entry).state == State.PUBLISHED
    assert len(fake_tiktok.requests_to("video/init")) == 1
    assert fake_tiktok.requests_to("/v2/video/list/") == []


# --- Graph paging by time ------------------------------------------------------------------------
def _facebook_posts(fake: FakeFacebook, count: int, *, marker_at: int) -> None:
    now = time.time()
    for number in range(count):
        text = f"Post {number}" + (" q.example/fb" if number == marker_at else "")
        # Two posts a second: time pages must not skip or repeat posts of the same second.
        made = now - 60 + number // 2
        fake.posts.append(
            FakePost(id=f"{PAGE_ID}_{number}", message=text, kind="feed", created=made)
        )


@pytest.mark.parametrize("by_time", [False, True], ids=["cursors", "time"])
def test_facebook_follows_either_kind_of_paging(facebook, fake_facebook, by_time):
    fake_facebook.time_paging = by_time
    _facebook_posts(fake_facebook, 60, marker_at=3)
    since = timezone.now() - timedelta(minutes=5)

    recent = facebook.recent_posts(since=since)
    found = facebook.reconcile(query=ReconcileQuery(marker="q.example/fb", since=since))

    assert sorted(int(post.platform_post_id.split("_")[1]) for post in recent.posts) == list(
        range(60)
    )
    assert recent.complete
    assert found.found
    assert found.platform_post_id == f"{PAGE_ID}_3"
    # Two reads (recent_posts, then reconcile) of three pages each; pages 2 and 3 follow
    # the kind of paging the edge gave, and the token stays in a header, out of the URL.
    queries = [request.query for request in fake_facebook.requests_to("/posts$")]
    assert len(queries) == 6
    for query in queries[1:3] + queries[4:6]:
        assert ("until" in query, "after" in query) == (by_time, not by_time)
        assert "access_token" not in query


def test_instagram_follows_paging_by_time(instagram, fake_instagram: FakeInstagram):
    fake_instagram.time_paging = True
    now = time.time()
    for number in range(60):
        media_id = str(17_900_000_000 + number)
        caption = f"Post {number}" + (" q.example/ig" if number == 2 else "")
        fake_instagram.media[media_id] = FakeMedia(
            id=media_id,
            caption=caption,
            media_type="IMAGE",
            container_id="",
            timestamp=now - 60 + number // 3,
        )
    since = timezone.now() - timedelta(minutes=5)

    found = instagram.reconcile(query=ReconcileQuery(marker="q.example/ig", since=since))

    assert found.found
    assert found.platform_post_id == str(17_900_000_002)
    assert found.conclusive
    queries = [request.query for request in fake_instagram.requests_to("/media$")]
    assert len(queries) == 3
    assert all("until" in query and "after" not in query for query in queries[1:])


def test_a_time_paged_facebook_post_beyond_the_first_page_is_not_sent_again(current_item, settings):
    with FakeFacebook() as fake:
        fake.time_paging = True
        settings.META_GRAPH_URL = fake.url
        account = ChannelAccount.objects.create(platform="facebook", handle="Comune")
        credential_store(
            actor=None,
            account=account,
            tokens=TokenSet(access_token="page-token"),
            external_id=PAGE_ID,
        )
        fake.inject(FaultKind.DROP_AFTER_EFFECT, path="/feed$")
        entry = schedule(scheduled_variant(current_item, account, caption="Festa in Baggio"))
        drain(steps=1)
        assert refreshed(entry).state == State.UNCONFIRMED
        _facebook_posts(fake, 40, marker_at=-1)  # 40 newer posts push ours to the second page
        for post in fake.posts[1:]:
            post.created = time.time() + 1

        drain()

        entry = refreshed(entry)
        assert entry.state == State.PUBLISHED
        assert sum(1 for post in fake.posts if entry.marker in post.message) == 1
        later = [request.query for request in fake.requests_to("/posts$")][1:]
        assert later
        assert all("until" in query for query in later)
