"""Publish many posts through real worker processes against the fakes, and count the result.

Shared by the reduced reliability test (tests/publishing/test_outbox_reliability.py) and the
full-size runs in bench/ (reliability with random SIGKILLs, throughput with 1/2/4 workers).

The fakes run in the calling process on loopback; the workers are real ``quartieri worker``
processes on a platform of their own (tests/processes.py), pointed at the fakes through
``QUARTIERI_TIKTOK_API_URL`` / ``QUARTIERI_META_GRAPH_URL`` and using
``outbox_process_settings`` (shortened waits). The count of what was published is the
fakes' own: each post's marker (its short link, unique per outbox entry) found in the texts
the fakes accepted.
"""

from __future__ import annotations

import json
import random
import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from quartieri.channels.connectors.fakeserver import FakeRequest, FakeResponse, FaultKind
from quartieri.channels.kinds.facebook.fake import PAGE_ID, FakeFacebook, FakePost
from quartieri.channels.kinds.tiktok.fake import FakePublish, FakeTikTok
from tests.processes import python, spawn, wait_for

SETUP = """
import datetime as dt, json
from django.utils import timezone
from quartieri.campaigns.models import Campaign, ContentItem, MediaAsset, Variant
from quartieri.channels.models import ChannelAccount
from quartieri.channels.connectors.base import TokenSet
from quartieri.publishing.outbox import outbox_schedule
from quartieri.channels.services import credential_store

today = timezone.localdate()
campaign = Campaign.objects.create(
    name="Reliability", slug="reliability", start_date=today - dt.timedelta(days=1),
    end_date=today + dt.timedelta(days=30),
)
item = ContentItem.objects.create(campaign=campaign, title="Quartieri")
accounts = []
for i in range(TIKTOK_ACCOUNTS):
    accounts.append(ChannelAccount.objects.create(platform="tiktok", handle=f"@tt{i}"))
    credential_store(actor=None, account=accounts[-1], tokens=TokenSet(
        access_token=f"tt-token-{i}", refresh_token="fake-refresh-0" if i == 0 else ""))
PAGES = PAGES_LIST
for i, page in enumerate(PAGES):
    accounts.append(ChannelAccount.objects.create(platform="facebook", handle=f"fb{i}"))
    credential_store(actor=None, account=accounts[-1], external_id=page,
                     tokens=TokenSet(access_token=f"fb-token-{i}"))
now = timezone.now()
markers = []
for n in range(POSTS):
    account = accounts[n % len(accounts)]
    tiktok = account.platform == "tiktok"
    variant = Variant.objects.create(
        content_item=item, account=account, caption=f"Post {n} in Baggio",
        post_type="video" if tiktok else "text",
        options={"privacy_level": "SELF_ONLY"} if tiktok else {},
        status=Variant.Status.SCHEDULED, scheduled_at=now + dt.timedelta(seconds=n * SPREAD),
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

    def __init__(self, *, latency: tuple[float, float] | None = None, **kwargs: Any) -> None:
        self.owners: dict[str, str] = {}
        self.latency = latency
        super().__init__(**kwargs)

    def dispatch(self, request: FakeRequest) -> Any:
        _wait(self.latency)
        return super().dispatch(request)

    def _video_init(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        response = super()._video_init(request, match)
        publish_id = ((response.body or {}).get("data") or {}).get("publish_id")
        if publish_id:
            with self.lock:
                self.owners[publish_id] = request.bearer_token()
        return response

    def listed_videos(self, request: FakeRequest) -> list[FakePublish]:
        token = request.bearer_token()
        videos = super().listed_videos(request)
        with self.lock:
            return [video for video in videos if self.owners.get(video.publish_id) == token]


class PagesFacebook(FakeFacebook):
    """Several Facebook Pages, each listing its own posts."""

    def __init__(
        self,
        *,
        pages: tuple[str, ...],
        latency: tuple[float, float] | None = None,
        **kwargs: Any,
    ) -> None:
        self.pages = pages
        self.page_of: dict[str, str] = {}
        self.latency = latency
        super().__init__(**kwargs)

    def dispatch(self, request: FakeRequest) -> Any:
        _wait(self.latency)
        return super().dispatch(request)

    def _check_page(self, match: re.Match[str]) -> FakeResponse | None:
        return None if match["page"] in self.pages else super()._check_page(match)

    def _feed(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        response = super()._feed(request, match)
        if response.status == 200:
            with self.lock:
                self.page_of[str(response.body["id"])] = match["page"]
        return response

    def on_page(self, post: FakePost, page: str) -> bool:
        return self.page_of.get(post.id) == page


def _wait(latency: tuple[float, float] | None) -> None:
    # The platform's answer time: each request waits in its own server thread.
    if latency is not None:
        time.sleep(random.uniform(*latency))  # noqa: S311 (simulated latency, not a secret)


def page_ids(count: int) -> tuple[str, ...]:
    return (PAGE_ID, *(f"1040000000{n:05d}" for n in range(2, count + 1)))[:count]


def inject_faults(tiktok: FakeTikTok, facebook: FakeFacebook, *, scale: int = 1) -> None:
    """Every fault class of the issue; ``scale`` multiplies how often each one strikes."""
    tiktok.inject(FaultKind.TIMEOUT_AFTER_EFFECT, path="video/init", delay=2.0, times=2 * scale)
    tiktok.inject(FaultKind.DROP_AFTER_EFFECT, path="video/init", times=2 * scale)
    tiktok.inject(FaultKind.SERVER_ERROR, path="status/fetch", times=3 * scale)
    tiktok.inject(FaultKind.SERVER_ERROR, path="creator_info", times=2 * scale)
    tiktok.inject(FaultKind.RATE_LIMITED, path="creator_info", retry_after=1, times=2 * scale)
    tiktok.expire_token("tt-token-0")  # refreshed once, then publishing goes on
    facebook.inject(FaultKind.DROP_AFTER_EFFECT, path="/feed$", times=2 * scale)
    facebook.inject(FaultKind.SERVER_ERROR, path="/feed$", times=1 * scale)  # 5xx on a create
    facebook.inject(FaultKind.RATE_LIMITED, path="/feed$", retry_after=1, times=1 * scale)
    facebook.inject(FaultKind.RATE_LIMITED, path="/feed$", times=1 * scale)  # no Retry-After


# The shortened waits of the reliability test (outbox_process_settings, platform()'s heartbeats).
TEST_ENV = {"DJANGO_SETTINGS_MODULE": "tests.publishing.outbox_process_settings"}
# The real settings with the defaults a deployment starts from; only what points them at the
# fakes is set (their app keys, a media address), and the daily insights pull is off because
# its read calls would reach the fakes the counts are taken from.
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "quartieri.settings",
    "QUARTIERI_SANDBOX": "0",
    "QUARTIERI_WORKER_HEARTBEAT_SECONDS": "5",
    "QUARTIERI_WORKER_STALE_SECONDS": "30",
    "QUARTIERI_TIKTOK_CLIENT_KEY": "fake-client-key",
    "QUARTIERI_TIKTOK_CLIENT_SECRET": "fake-client-secret",
    "QUARTIERI_MEDIA_PUBLIC_URL": "https://media.example.org/",
    "QUARTIERI_INSIGHTS_DAILY": "0",
}


@dataclass
class Outcome:
    posts: int
    on_platform: Counter[str]
    states: Counter[str]
    seconds: float
    kills: int = 0
    calls: dict[str, int] = field(default_factory=dict)

    @property
    def duplicated(self) -> int:
        return sum(1 for count in self.on_platform.values() if count > 1)

    @property
    def missing(self) -> int:
        return self.posts - len(self.on_platform)

    def summary(self) -> str:
        return (
            f"posts={self.posts} on platform={sum(self.on_platform.values())} "
            f"distinct={len(self.on_platform)} duplicated={self.duplicated} "
            f"missing={self.missing} unconfirmed={self.states.get('unconfirmed', 0)} "
            f"states={dict(self.states)} workers killed={self.kills} "
            f"seconds={self.seconds:.1f} calls={self.calls}"
        )


def states(env: dict[str, str]) -> Counter[str]:
    return Counter(json.loads(python(env, STATES).stdout))


@dataclass
class Fleet:
    """The worker processes of a run; a killed one is replaced by a new one."""

    env: dict[str, str]
    size: int
    threads: int = 1  # task threads per worker process (quartieri worker --threads)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    kills: int = 0

    def start(self) -> None:
        self.workers = [self._spawn() for _ in range(self.size)]

    def _spawn(self) -> subprocess.Popen[bytes]:
        return spawn(self.env, "worker", "--interval", "0.2", "--threads", str(self.threads))

    def kill_one(self, index: int | None = None) -> None:
        index = random.randrange(len(self.workers)) if index is None else index  # noqa: S311
        victim = self.workers.pop(index)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        self.kills += 1
        self.workers.append(self._spawn())

    def stop(self) -> None:
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            worker.wait(timeout=30)


def run(
    env: dict[str, str],
    *,
    posts: int,
    tiktok_accounts: int,
    facebook_pages: int,
    workers: int = 2,
    threads: int = 1,
    spread_seconds: float = 0.2,
    fault_scale: int = 1,
    latency: tuple[float, float] | None = None,
    chaos: Callable[[Fleet, Callable[[], int]], None] | None = None,
    timeout: float = 240,
    production: bool = False,
) -> Outcome:
    """Schedule ``posts`` over the accounts, publish them with ``workers`` real workers.

    ``chaos(fleet, published_so_far)`` is called once the workers run (e.g. to SIGKILL some);
    the run ends when every outbox entry is published (or ``timeout`` passes: AssertionError).
    ``production``: the workers run with the real settings and their default waits, HTTP
    timeouts and heartbeats (a benchmark), not the shortened ones of the tests.
    """
    pages = page_ids(facebook_pages)
    with (
        PerAccountTikTok(processing_polls=2, processing_seconds=0.2, latency=latency) as tiktok,
        PagesFacebook(pages=pages, latency=latency) as facebook,
    ):
        env = {
            **env,
            "QUARTIERI_TIKTOK_API_URL": tiktok.url,
            "QUARTIERI_META_GRAPH_URL": facebook.url,
            **(PRODUCTION_ENV if production else TEST_ENV),
        }
        if fault_scale:
            inject_faults(tiktok, facebook, scale=fault_scale)
        setup = (
            SETUP.replace("TIKTOK_ACCOUNTS", str(tiktok_accounts))
            .replace("PAGES_LIST", repr(pages))
            .replace("POSTS", str(posts))
            .replace("SPREAD", str(spread_seconds))
        )
        # About 20 ms a post to create and schedule: give large runs the time they need.
        created = python(env, setup, timeout=60 + posts * 0.1)
        markers = {_marker_in(marker) for marker in json.loads(created.stdout)}

        def on_platform() -> Counter[str]:
            with tiktok.lock, facebook.lock:
                texts = [p.title for p in tiktok.posts] + [p.message for p in facebook.posts]
            found = Counter(_marker_in(text) for text in texts)
            found.pop("", None)
            return found

        fleet = Fleet(env, workers, threads)
        started = time.monotonic()
        fleet.start()
        try:
            if chaos is not None:
                chaos(fleet, lambda: sum(on_platform().values()))
            # The fakes' own count first (in this process, cheap); the outbox states only
            # then: reading them starts a Python process, a CPU the workers would miss.
            wait_for(
                lambda: len(on_platform()) >= posts and set(states(env)) == {"published"},
                timeout=timeout,
                what="every entry published",
            )
            seconds = time.monotonic() - started
        finally:
            fleet.stop()
        found = on_platform()
        assert set(found) <= markers, "a post on the platform that we never scheduled"
        return Outcome(
            posts=posts,
            on_platform=found,
            states=states(env),
            seconds=seconds,
            kills=fleet.kills,
            calls={
                "tiktok video/init": len(tiktok.requests_to("video/init")),
                "facebook feed": len(facebook.requests_to("/feed$")),
            },
        )


_MARKER = re.compile(r"/p/\d+-[a-z2-9]{6}")


def _marker_in(text: str) -> str:
    match = _MARKER.search(text or "")
    return match.group(0) if match else ""
