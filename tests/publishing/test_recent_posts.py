"""Reading an account's recent posts back to an instant, page by page (reconciliation's
evidence): the connectors follow each platform's cursor and stop as soon as a page reaches
older posts, and say when they could not read far enough."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

import httpx
from django.utils import timezone

from quartieri.channels.connectors import base
from quartieri.channels.connectors.base import ReconcileQuery
from quartieri.channels.kinds.instagram.fake import FakeInstagram, FakeMedia
from quartieri.channels.kinds.tiktok.fake import FakeTikTok
from tests.publishing.conftest import video_by_url

HOUR_MS = 3_600_000


def _tiktok_posts(connector, count: int) -> None:
    for number in range(count):
        request = video_by_url()
        text = f"Video {number} q.example/v{number}"
        connector.submit(request=replace(request, text=text, marker=f"q.example/v{number}"))


def test_tiktok_stops_at_the_first_page_that_reaches_the_instant(tiktok, fake_tiktok):
    _tiktok_posts(tiktok, 45)
    for publish in list(fake_tiktok.publishes.values())[:35]:
        publish.created_ms -= HOUR_MS  # 35 made an hour ago, the 10 newest just now

    recent = tiktok.recent_posts(since=timezone.now() - timedelta(minutes=10))

    assert len(recent.posts) == 10
    assert recent.complete
    assert len(fake_tiktok.requests_to("/v2/video/list/")) == 1


def test_tiktok_follows_the_cursor_to_the_end(tiktok, fake_tiktok):
    _tiktok_posts(tiktok, 45)

    recent = tiktok.recent_posts(since=timezone.now() - timedelta(minutes=10))

    assert [post.text.split()[1] for post in recent.posts] == [str(n) for n in range(44, -1, -1)]
    assert recent.complete
    assert len(fake_tiktok.requests_to("/v2/video/list/")) == 3


def test_tiktok_says_incomplete_when_the_page_limit_stops_it(tiktok, fake_tiktok, monkeypatch):
    monkeypatch.setattr(base, "MAX_RECENT_PAGES", 2)
    _tiktok_posts(tiktok, 45)

    recent = tiktok.recent_posts(since=timezone.now() - timedelta(minutes=10))
    missed = tiktok.reconcile(query=ReconcileQuery(marker="q.example/v0", since=timezone.now()))

    assert len(recent.posts) == 40
    assert not recent.complete
    assert (missed.found, missed.conclusive) == (False, False)


def test_the_tiktok_fake_refuses_a_page_larger_than_documented(fake_tiktok: FakeTikTok):
    answer = httpx.post(
        f"{fake_tiktok.url}/v2/video/list/?fields=id",
        json={"max_count": 50},
        headers={"Authorization": "Bearer tok-1"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_params"


def test_instagram_pages_its_media_back_to_the_instant(instagram, fake_instagram: FakeInstagram):
    now = time.time()
    for number in range(60):  # oldest first: 20 from yesterday, then 40 from the last minute
        made = now - 86_400 + number if number < 20 else now - 60 + number
        media_id = str(17_900_000_000 + number)
        caption = f"Post {number}" + (" q.example/ig-old" if number == 25 else "")
        fake_instagram.media[media_id] = FakeMedia(
            id=media_id, caption=caption, media_type="IMAGE", container_id="", timestamp=made
        )
    since = timezone.now() - timedelta(minutes=5)

    recent = instagram.recent_posts(since=since)
    found = instagram.reconcile(query=ReconcileQuery(marker="q.example/ig-old", since=since))

    assert len(recent.posts) == 40
    assert recent.complete
    # Pages of 25: the second one reaches yesterday, so a third is never asked for.
    assert len(fake_instagram.requests_to("/media$")) == 4
    assert found.found
    assert found.platform_post_id == str(17_900_000_025)


def test_without_an_instant_only_the_first_page_is_read(tiktok, fake_tiktok):
    _tiktok_posts(tiktok, 25)
    recent = tiktok.recent_posts(since=None)
    assert len(recent.posts) == 20
    assert not recent.complete
