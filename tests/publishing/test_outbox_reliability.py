"""Sixty posts over six accounts, faults injected, a worker killed mid-run: each post is on
the platform exactly once at the end.

The fakes run in this process on loopback; the workers are real ``quartieri worker``
processes on a platform of their own (tests/processes.py), pointed at the fakes through
``QUARTIERI_TIKTOK_API_URL`` / ``QUARTIERI_META_GRAPH_URL`` and using
``outbox_process_settings`` (shortened waits).
"""

from __future__ import annotations

import json
import re
import signal
from collections import Counter
from typing import Any

import pytest

from quartieri.publishing.connectors.facebook.fake import PAGE_ID, FakeFacebook
from quartieri.publishing.connectors.fakeserver import FakeRequest, FakeResponse, FaultKind
from quartieri.publishing.connectors.graph_fake import graph_time
from quartieri.publishing.connectors.tiktok.fake import FakeTikTok
from tests.processes import platform_env, python, spawn, wait_for

__all__ = ["platform_env"]

POSTS = 60
PAGES = (PAGE_ID, "104000000000002")

SETUP = """
import datetime as dt, json
from django.utils import timezone
from quartieri.campaigns.models import Campaign, ChannelAccount, ContentItem, MediaAsset, Variant
from quartieri.publishing.connectors.base import TokenSet
from quartieri.publishing.outbox import outbox_schedule
from quartieri.publishing.services import credential_store

campaign = Campaign.objects.create(
    name="Reliability", slug="reliability", start_date=dt.date(2026, 1, 1),
    end_date=dt.date(2026, 12, 31),
)
item = ContentItem.objects.create(campaign=campaign, title="Quartieri")
accounts = []
for i in range(4):
    accounts.append(ChannelAccount.objects.create(platform="tiktok", handle=f"@tt{i}"))
    credential_store(actor=None, platform="tiktok", handle=f"@tt{i}", tokens=TokenSet(
        access_token=f"tt-token-{i}", refresh_token="fake-refresh-0" if i == 0 else ""))
PAGES = PAGES_LIST
for i in range(2):
    accounts.append(ChannelAccount.objects.create(platform="facebook", handle=f"fb{i}"))
    credential_store(actor=None, platform="facebook", handle=f"fb{i}", external_id=PAGES[i],
                     tokens=TokenSet(access_token=f"fb-token-{i}"))
now = timezone.now()
markers = []
for n in range(POSTS):
    account = accounts[n % len(accounts)]
    tiktok = account.platform == "tiktok"
    variant = Variant.objects.create(
        content_item=item, account=account, caption=f"Post {n} in Baggio",
        post_type="video" if tiktok else "text",
        tiktok_privacy_level="SELF_ONLY" if tiktok else "",
        status=Variant.Status.SCHEDULED, scheduled_at=now + dt.timedelta(seconds=n * 0.2),
    )
    if tiktok:
        variant.media.add(MediaAsset.objects.create(
            content_item=item, kind="video", file=f"campaigns/media/clip-{n}.mp4",
            mime_type="video/mp4"))
    markers.append(outbox_schedule(variant_id=variant.pk).marker)
print(json.dumps(markers))
"""

STATES = """
import json
from quartieri.publishing.models import OutboxEntry
print(json.dumps(list(OutboxEntry.objects.order_by("pk").values_list("state", flat=True))))
"""


class PerAccountTikTok(FakeTikTok):
    """TikTok lists each creator's own videos; the base fake lists everyone's together, and a
    page of other accounts' posts would hide ours from reconcile."""

    def __init__(self, **kwargs: Any) -> None:
        self.owners: dict[str, str] = {}
        super().__init__(**kwargs)

    def _video_init(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        response = super()._video_init(request, match)
        publish_id = ((response.body or {}).get("data") or {}).get("publish_id")
        if publish_id:
            with self.lock:
                self.owners[publish_id] = request.bearer_token()
        return response

    def _video_list(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        token = request.bearer_token()
        with self.lock:
            videos = [
                {
                    "id": publish.post_id or publish.publish_id,
                    "title": publish.title,
                    "video_description": publish.description,
                    "create_time": publish.created_unix,
                }
                for publish in reversed(self.publishes.values())
                if publish.upload_complete
                and not publish.fail_reason
                and self.owners.get(publish.publish_id) == token
            ]
        body = {"videos": videos[:20], "cursor": 0, "has_more": len(videos) > 20}
        return FakeResponse(200, {"data": body, "error": {"code": "ok", "message": ""}})


class TwoPagesFacebook(FakeFacebook):
    """Two Facebook Pages, each listing its own posts."""

    def __init__(self, **kwargs: Any) -> None:
        self.page_of: dict[str, str] = {}
        super().__init__(**kwargs)

    def _check_page(self, match: re.Match[str]) -> FakeResponse | None:
        return None if match["page"] in PAGES else super()._check_page(match)

    def _feed(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        response = super()._feed(request, match)
        if response.status == 200:
            with self.lock:
                self.page_of[str(response.body["id"])] = match["page"]
        return response

    def _list_posts(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        since = float(request.param("since") or 0)
        with self.lock:
            items = [
                {
                    "id": post.id,
                    "message": post.message,
                    "created_time": graph_time(post.created),
                    "permalink_url": post.permalink,
                }
                for post in reversed(self.posts)
                if post.created >= since and self.page_of.get(post.id) == match["page"]
            ]
        return FakeResponse(200, {"data": items[:25]})


def states(env: dict[str, str]) -> list[str]:
    return list(json.loads(python(env, STATES).stdout))


def inject_faults(tiktok: FakeTikTok, facebook: FakeFacebook) -> None:
    tiktok.inject(FaultKind.TIMEOUT_AFTER_EFFECT, path="video/init", delay=2.0, times=2)
    tiktok.inject(FaultKind.DROP_AFTER_EFFECT, path="video/init", times=2)
    tiktok.inject(FaultKind.SERVER_ERROR, path="status/fetch", times=3)
    tiktok.inject(FaultKind.SERVER_ERROR, path="creator_info", times=2)
    tiktok.inject(FaultKind.RATE_LIMITED, path="creator_info", retry_after=1, times=2)
    tiktok.expire_token("tt-token-0")  # refreshed once, then publishing goes on
    facebook.inject(FaultKind.DROP_AFTER_EFFECT, path="/feed$", times=2)
    facebook.inject(FaultKind.SERVER_ERROR, path="/feed$", times=1)  # 5xx on a create
    facebook.inject(FaultKind.RATE_LIMITED, path="/feed$", retry_after=1, times=1)


@pytest.mark.slow
def test_sixty_posts_survive_faults_and_a_killed_worker(platform_env):
    with (
        PerAccountTikTok(processing_polls=2, processing_seconds=0.2) as tiktok,
        TwoPagesFacebook() as facebook,
    ):
        env = {
            **platform_env,
            "QUARTIERI_TIKTOK_API_URL": tiktok.url,
            "QUARTIERI_META_GRAPH_URL": facebook.url,
            "DJANGO_SETTINGS_MODULE": "tests.publishing.outbox_process_settings",
        }
        inject_faults(tiktok, facebook)
        setup = SETUP.replace("POSTS", str(POSTS)).replace("PAGES_LIST", repr(PAGES))
        markers: list[str] = json.loads(python(env, setup).stdout)

        def on_platform() -> list[str]:
            texts = [p.title for p in tiktok.posts] + [p.message for p in facebook.posts]
            return [marker for marker in markers for text in texts if marker in text]

        workers = [spawn(env, "worker", "--interval", "0.2") for _ in range(2)]
        try:
            wait_for(lambda: len(on_platform()) >= 15, timeout=120, what="15 posts out")
            # Killed mid-run: whatever it held is re-queued by the sweeper of the others.
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait()
            workers.append(spawn(env, "worker", "--interval", "0.2"))
            wait_for(
                lambda: set(states(env)) == {"published"},
                timeout=240,
                what="every entry published",
            )
        finally:
            for worker in workers[1:]:
                worker.terminate()
            for worker in workers[1:]:
                worker.wait(timeout=30)

        counts = Counter(on_platform())
        final = Counter(states(env))
        print(  # noqa: T201 (the figures of the run)
            f"\nposts={POSTS} on platform={sum(counts.values())} distinct={len(counts)} "
            f"duplicated={sum(1 for c in counts.values() if c > 1)} "
            f"missing={POSTS - len(counts)} states={dict(final)} "
            f"tiktok init calls={len(tiktok.requests_to('video/init'))} "
            f"facebook feed calls={len(facebook.requests_to('/feed$'))}"
        )
        assert final == {"published": POSTS}
        assert set(counts) == set(markers)
        assert all(count == 1 for count in counts.values())
