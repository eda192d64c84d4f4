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
import select
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quartieri.channels.connectors.fakeserver import FakeRequest, FakeResponse, Fault, FaultKind
from quartieri.channels.kinds.facebook.fake import PAGE_ID, FakeFacebook, FakePost
from quartieri.channels.kinds.tiktok.fake import FakePublish, FakeTikTok
from tests.processes import python, python_process, spawn, wait_for

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
# TikTok posts in turn: public, public with a caption longer than the listing returns,
# private, friends only, followers only, a photo post (the last four are never listed).
STYLES = [("PUBLIC_TO_EVERYONE", ""), ("PUBLIC_TO_EVERYONE", " tra cave e cascine," * 12),
          ("SELF_ONLY", ""), ("MUTUAL_FOLLOW_FRIENDS", ""), ("FOLLOWER_OF_CREATOR", ""),
          ("PUBLIC_TO_EVERYONE", "photo")]
markers = []
for n in range(POSTS):
    account = accounts[n % len(accounts)]
    tiktok = account.platform == "tiktok"
    level, extra = STYLES[(n // len(accounts)) % len(STYLES)] if MIX else STYLES[0]
    photo = tiktok and extra == "photo"
    # A third of the posts lose the answer to their first submit (the fakes act, then drop
    # it), in every round on a different account: the lost answers land on every style.
    # Another third of the TikTok posts get a server error to their first submit before
    # TikTok makes anything: the worker cannot tell, and those of them the listing cannot
    # show are left for a person, who finds them missing.
    turn = (n // len(accounts) + n % len(accounts)) % 3
    mark = " [lose]" if LOSE and turn == 0 else " [500]" if LOSE and tiktok and turn == 1 else ""
    caption = f"Post {n} in Baggio{mark}" + ("" if photo or not tiktok else extra)
    variant = Variant.objects.create(
        content_item=item, account=account, caption=caption, title=f"Baggio {n}",
        post_type=("photo" if photo else "video") if tiktok else "text",
        options={"privacy_level": level} if tiktok else {},
        status=Variant.Status.SCHEDULED, scheduled_at=now + dt.timedelta(seconds=n * SPREAD),
    )
    if tiktok:
        kind, name = ("image", f"pic-{n}.jpg") if photo else ("video", f"clip-{n}.mp4")
        variant.media.add(MediaAsset.objects.create(
            content_item=item, kind=kind, file=f"campaigns/media/{name}",
            mime_type="image/jpeg" if photo else "video/mp4"))
    markers.append(outbox_schedule(variant_id=variant.pk).marker)
print(json.dumps(markers))
"""

# Each entry: its state, its marker, and for an unconfirmed one whether its message is the
# reason its connector gives for a post the platform's listing cannot show (in either
# language: the workers write in the staff's); and what a person settled (SETTLE).
ENTRIES = """
import json
from django.utils import translation
from quartieri.accounts.models import AuditEvent
from quartieri.channels.registry import kind_for
from quartieri.publishing.models import OutboxEntry
from quartieri.publishing.payload import post_request_for
rows = []
for entry in OutboxEntry.objects.select_related("account", "variant").order_by("pk"):
    explained = False
    if entry.state == "unconfirmed":
        connector = kind_for(entry.account.platform).connector_class()
        reason = connector.unlisted_reason(post_request_for(entry))
        for language in ("it", "en"):
            with translation.override(language):
                explained = explained or bool(reason) and entry.last_error == str(reason)
    rows.append([entry.state, entry.marker, explained])
# Each settle by a person the audit trail holds, with the entry it settled as it is now.
settles = []
settled_by = AuditEvent.objects.filter(action__startswith="publishing.outbox.settle_")
for event in settled_by.order_by("pk"):
    entry = OutboxEntry.objects.get(pk=event.target_id)
    settles.append({
        "marker": entry.marker, "action": event.action.rsplit("_", 1)[1],
        "actor": event.actor.username if event.actor else "", "state": entry.state,
        "post_id": entry.platform_post_id, "permalink": entry.permalink,
    })
print(json.dumps({"entries": rows, "settles": settles}))
"""

# A person settles the posts left for her (publishing/recovery.py) through the staff's own
# pages: an approver with the publish grant on every account opens the outbox list of posts
# not confirmed (page by page), follows each one's "it is there" or "it is missing, send
# again" link and sends its form. Started with the run (its start-up is not the run's
# time), it reads a plan a line on stdin, a round each time the workers have done what they
# could: [marker, answer, post id, TikTok's word for the post in its address] each; "it is
# there" gets the id, or every other time the post's address on TikTok: she may copy
# either. Prints a line of what each press did.
SETTLE = """
import json, re, sys
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from quartieri.accounts.roles import Role
from quartieri.accounts.services import user_create
from quartieri.channels.models import AccountGrant, ChannelAccount
from quartieri.publishing.models import OutboxEntry

# The pages' static files from the finders, as the suite serves them (a deployment serves
# collectstatic's output, which this platform of its own has not made).
finders = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
override_settings(STORAGES={**settings.STORAGES, "staticfiles": finders}).enable()
person = user_create(
    actor=None, username="giulia", email="giulia@example.org", role=Role.APPROVER, password=None
)
for account in ChannelAccount.objects.all():
    AccountGrant.objects.create(account=account, user=person, can_approve=True, can_publish=True)
client = Client(HTTP_HOST="localhost")
client.force_login(person)

def settle(plan):
    offered, page = set(), 1
    while True:  # the list of posts not confirmed, page by page
        listing = client.get(reverse("publishing:outbox"), {"state": "unconfirmed", "page": page})
        links = set(re.findall(r'href="([^"]+/(?:found|missing)/)"', listing.content.decode()))
        if listing.status_code != 200 or links <= offered:
            break
        offered, page = offered | links, page + 1
    pressed = []
    for marker, answer, post_id, word in plan:
        entry = OutboxEntry.objects.select_related("account").get(marker=marker)
        link = reverse(f"publishing:settle_{answer}", args=[entry.pk])
        where = post_id
        found = sum(1 for press in pressed if press["answer"] == "found")
        if found % 2 and entry.account.platform == "tiktok":
            where = f"https://www.tiktok.com/{entry.account.handle}/{word}/{post_id}"
        answered = client.post(link, {"where": where} if answer == "found" else {"confirm": "yes"})
        pressed.append({
            "marker": marker, "answer": answer, "where": where if answer == "found" else "",
            "offered": link in offered, "status": answered.status_code,
            "to": answered.get("Location", ""),
            "entry_page": reverse("publishing:outbox_entry", args=[entry.pk]),
        })
    return pressed


for line in sys.stdin:  # a round each time the workers have done what they could
    print(json.dumps(settle(json.loads(line))), flush=True)
"""

# What the first submit of a post gets when its text carries the mark: "[lose]" is acted
# on and its answer dropped (the post exists, the worker never hears so); "[500]" is a
# server error before anything is made (no post, and the worker cannot tell).
_MARKS = {"[lose]": FaultKind.DROP_AFTER_EFFECT, "[500]": FaultKind.SERVER_ERROR}


class MarkedFaults:
    """The fault of its mark (``_MARKS``) on the first submit of each marked post: a
    deterministic fault, whichever worker sends the post and whenever."""

    creates: re.Pattern[str]
    lock: Any
    struck: set[str]

    def _take_fault(self, request: FakeRequest) -> Fault | None:
        fault: Fault | None = super()._take_fault(request)  # type: ignore[misc]
        if fault is not None or not self.creates.search(request.path):
            return fault
        text = _request_text(request)
        kind = next((kind for mark, kind in _MARKS.items() if mark in text), None)
        marker = _marker_in(text)
        with self.lock:
            if kind is None or marker in self.struck:
                return None
            self.struck.add(marker)
        return Fault(kind, self.creates)


def _request_text(request: FakeRequest) -> str:
    info = request.json().get("post_info") or {}
    if info:
        return f"{info.get('title', '')}\n{info.get('description', '')}"
    return request.param("message")


class PerAccountTikTok(MarkedFaults, FakeTikTok):
    """TikTok lists each creator's own videos; the base fake lists everyone's together, and a
    page of other accounts' posts would hide ours from reconcile."""

    creates = re.compile(r"/(video|content)/init/")

    def __init__(self, *, latency: tuple[float, float] | None = None, **kwargs: Any) -> None:
        self.owners: dict[str, str] = {}
        self.latency = latency
        self.struck = set()
        super().__init__(**kwargs)
        self.privacy_level_options = [
            "PUBLIC_TO_EVERYONE",
            "MUTUAL_FOLLOW_FRIENDS",
            "FOLLOWER_OF_CREATOR",
            "SELF_ONLY",
        ]

    def dispatch(self, request: FakeRequest) -> Any:
        _wait(self.latency)
        return super().dispatch(request)

    def _video_init(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        return self._owned(request, super()._video_init(request, match))

    def _content_init(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        return self._owned(request, super()._content_init(request, match))

    def _owned(self, request: FakeRequest, response: FakeResponse) -> FakeResponse:
        publish_id = ((response.body or {}).get("data") or {}).get("publish_id")
        if publish_id:
            with self.lock:
                self.owners[publish_id] = request.bearer_token()
        return response

    def seen_by_person(self, marker: str) -> tuple[str, str] | None:
        """(post id, "video" or "photo") of the post carrying ``marker`` as a person finds it
        on the account, None when there is none. TikTok finishes processing a post whether
        anyone asks or not; the fake does it as its status is read, so her look reads it."""
        with self.lock:
            for publish in self.publishes.values():
                text = f"{publish.title}\n{publish.description}"
                if not publish.upload_complete or publish.fail_reason or _marker_in(text) != marker:
                    continue
                for _read in range(self.processing_polls + 1):
                    if publish.status != "PUBLISH_COMPLETE":
                        publish.status_reads += 1
                        self._advance(publish)
                return publish.post_id, publish.kind
        return None

    def listed_videos(self, request: FakeRequest) -> list[FakePublish]:
        token = request.bearer_token()
        videos = super().listed_videos(request)
        with self.lock:
            return [video for video in videos if self.owners.get(video.publish_id) == token]


class PagesFacebook(MarkedFaults, FakeFacebook):
    """Several Facebook Pages, each listing its own posts."""

    creates = re.compile(r"/feed$")

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
        self.struck = set()
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

    def seen_by_person(self, marker: str) -> tuple[str, str] | None:
        """(post id, "posts") of the post carrying ``marker``, None when there is none."""
        with self.lock:
            found = (post.id for post in self.posts if _marker_in(post.message) == marker)
            post_id = next(found, None)
        return None if post_id is None else (post_id, "posts")


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


# How many times a person looks at what is left for her before the run gives up on it.
SETTLE_ROUNDS = 5

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
    # Each outbox entry at the end: [state, marker, explained] (ENTRIES).
    entries: list[list[Any]]
    seconds: float  # until the workers had done what they could
    kills: int = 0
    calls: dict[str, int] = field(default_factory=dict)
    # The entries as the workers left them, before a person settled any.
    unsettled: list[list[Any]] = field(default_factory=list)
    pressed: list[dict[str, Any]] = field(default_factory=list)  # what she did (SETTLE)
    audited: list[dict[str, Any]] = field(default_factory=list)  # the trail (ENTRIES)
    settle_seconds: float = 0.0  # from her first look until every entry was published

    @property
    def states(self) -> Counter[str]:
        return Counter(state for state, _marker, _explained in self.entries)

    @property
    def duplicated(self) -> int:
        return sum(1 for count in self.on_platform.values() if count > 1)

    @property
    def missing(self) -> int:
        return self.posts - len(self.on_platform)

    @property
    def left_for_person(self) -> set[str]:
        """Entries the workers left unconfirmed with the reason the listing cannot show them."""
        return {
            _marker_in(marker)
            for state, marker, explained in self.unsettled
            if state == "unconfirmed" and explained
        }

    @property
    def unexplained(self) -> int:
        """Entries the workers left neither published nor for a person with their reason."""
        return sum(
            1
            for state, _marker, explained in self.unsettled
            if state != "published" and not (state == "unconfirmed" and explained)
        )

    def answered(self, answer: str) -> set[str]:
        """The posts she said were there ("found") or missing ("missing")."""
        return {_marker_in(press["marker"]) for press in self.pressed if press["answer"] == answer}

    @property
    def settle_problems(self) -> list[str]:
        """Where her settling went otherwise than the staff pages promise: each post left for
        her offered in the outbox list and settled through its page, each press audited with
        her name, found ones with the id or address she gave; none left unpublished."""
        problems = [
            f"not published at the end: {state} {marker}"
            for state, marker, _e in self.entries
            if state != "published"
        ]
        pressed = {_marker_in(press["marker"]) for press in self.pressed}
        if not self.left_for_person <= pressed:
            problems.append(f"left for her {self.left_for_person}, settled {pressed}")
        problems += [
            f"{press['answer']} {press['marker']}: offered in the list {press['offered']}, "
            f"answer {press['status']} to {press['to']!r}"
            for press in self.pressed
            if (press["offered"], press["status"], press["to"]) != (True, 302, press["entry_page"])
        ]
        return problems + _audit_problems(self.pressed, self.audited)

    @property
    def good(self) -> bool:
        """Every post exactly once, none left unconfirmed or unexplained; what the workers
        could not settle settled by a person, audited; never twice."""
        return (
            self.duplicated == 0
            and self.missing == 0
            and self.unexplained == 0
            and not self.settle_problems
        )

    def summary(self) -> str:
        return (
            f"posts={self.posts} on platform={sum(self.on_platform.values())} "
            f"distinct={len(self.on_platform)} duplicated={self.duplicated} "
            f"missing={self.missing} unexplained={self.unexplained} "
            f"left unconfirmed with reason={len(self.left_for_person)} "
            f"(a person found {len(self.answered('found'))} there and had "
            f"{len(self.answered('missing'))} sent again, {self.settle_seconds:.1f} s; "
            f"audited {len(self.audited)}) states={dict(self.states)} "
            f"workers killed={self.kills} seconds={self.seconds:.1f} calls={self.calls}"
        )


def _audit_problems(pressed: list[dict[str, Any]], audited: list[dict[str, Any]]) -> list[str]:
    """Each press has its audit event, in order, naming her; a post she last found there
    ends with the id or address she gave."""
    problems = []
    for marker in {_marker_in(press["marker"]) for press in pressed}:
        presses = [press for press in pressed if _marker_in(press["marker"]) == marker]
        events = [row for row in audited if _marker_in(row["marker"]) == marker]
        said = [(press["answer"], "giulia") for press in presses]
        if [(row["action"], row["actor"]) for row in events] != said:
            problems.append(f"{marker}: pressed {said}, audited {events}")
            continue
        where = presses[-1]["where"]
        kept = ("", where) if where.startswith("https://") else (where, "")
        if said[-1][0] == "found" and (events[-1]["post_id"], events[-1]["permalink"]) != kept:
            problems.append(f"found {marker} at {where!r}, recorded {events[-1]}")
    return problems


def read_outbox(env: dict[str, str]) -> dict[str, Any]:
    """The outbox as ENTRIES reads it: ``entries`` (rows) and ``settles`` (audited)."""
    outbox: dict[str, Any] = json.loads(python(env, ENTRIES).stdout)
    return outbox


def settled(rows: list[list[Any]]) -> bool:
    """Every entry published, or left for a person with its reason (nothing in progress)."""
    return all(
        state == "published" or (state == "unconfirmed" and explained)
        for state, _marker, explained in rows
    )


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
    reconcile_cases: bool = False,
) -> Outcome:
    """Schedule ``posts`` over the accounts, publish them with ``workers`` real workers.

    ``chaos(fleet, published_so_far)`` is called once the workers run (e.g. to SIGKILL some);
    the run ends when every outbox entry is published or left unconfirmed with the reason the
    platform's listing cannot show it (or ``timeout`` passes: AssertionError).
    ``reconcile_cases``: TikTok posts of every privacy level, long captions and photo posts,
    a third of the posts losing their first answer, Facebook listing by time.
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
        facebook.time_paging = reconcile_cases
        setup = (
            SETUP.replace("TIKTOK_ACCOUNTS", str(tiktok_accounts))
            .replace("MIX", str(reconcile_cases))
            .replace("LOSE", str(reconcile_cases and fault_scale > 0))
            .replace("PAGES_LIST", repr(pages))
            .replace("POSTS", str(posts))
            .replace("SPREAD", str(spread_seconds))
        )
        # About 20 ms a post to create and schedule: give large runs the time they need.
        created = python(env, setup, timeout=60 + posts * 0.1)
        markers = {_marker_in(marker) for marker in json.loads(created.stdout)}

        def on_platform() -> Counter[str]:
            with tiktok.lock, facebook.lock:
                texts = [f"{p.title}\n{p.description}" for p in tiktok.posts]
                texts += [p.message for p in facebook.posts]
            found = Counter(_marker_in(text) for text in texts)
            found.pop("", None)
            return found

        fleet = Fleet(env, workers, threads)
        log = Path(env["QUARTIERI_DATA_DIR"]) / "person.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        person = python_process(env, SETTLE, log=log, settings_module=env["DJANGO_SETTINGS_MODULE"])
        started = time.monotonic()
        fleet.start()
        try:
            if chaos is not None:
                chaos(fleet, lambda: sum(on_platform().values()))
            unsettled = _wait_until(
                env, on_platform, posts, settled, timeout=timeout,
                what="every entry published or left for a person with its reason",
            )["entries"]  # fmt: skip
            seconds = time.monotonic() - started
            final: dict[str, Any] = {"entries": unsettled, "settles": []}
            pressed: list[dict[str, Any]] = []
            # She looks again while posts are left for her: one she had sent again may be
            # lost again (a request that timed out before the fake read it).
            for _round in range(SETTLE_ROUNDS):
                plan = person_looks(tiktok, facebook, final["entries"])
                if not plan:
                    break
                pressed += person_settles(person, plan, log=log)
                final = _wait_until(
                    env, on_platform, posts, settled, timeout=timeout,
                    what="every post a person had sent again published or left for her",
                )  # fmt: skip
            settle_seconds = time.monotonic() - started - seconds
        finally:
            fleet.stop()
            if person.poll() is None:
                person.kill()
                person.wait()
        found = on_platform()
        assert set(found) <= markers, "a post on the platform that we never scheduled"
        return Outcome(
            posts=posts,
            on_platform=found,
            entries=final["entries"],
            unsettled=unsettled,
            pressed=pressed,
            audited=final["settles"],
            seconds=seconds,
            settle_seconds=settle_seconds if pressed else 0.0,
            kills=fleet.kills,
            calls={
                "tiktok video/init": len(tiktok.requests_to("video/init")),
                "facebook feed": len(facebook.requests_to("/feed$")),
            },
        )


def _wait_until(
    env: dict[str, str],
    on_platform: Callable[[], Counter[str]],
    posts: int,
    done: Callable[[list[list[Any]]], bool],
    *,
    timeout: float,
    what: str,
) -> dict[str, Any]:
    """Wait until the outbox entries are ``done``; returns the outbox as last read
    (``read_outbox``). The fakes' own count first (in this process, cheap); the entries only
    when every post is out or the count stood still for two seconds (some may be left for a
    person): reading them starts a Python process, a CPU the workers miss."""
    last: dict[str, Any] = {"count": -1, "since": time.monotonic(), "outbox": {}}

    def check() -> bool:
        count = len(on_platform())
        if count != last["count"]:
            last.update(count=count, since=time.monotonic())
        if count < posts and time.monotonic() - last["since"] < 2:
            return False
        last["since"] = time.monotonic()  # at most one read per two seconds while stuck
        last["outbox"] = read_outbox(env)
        return done(last["outbox"]["entries"])

    wait_for(check, timeout=timeout, what=what)
    outbox: dict[str, Any] = last["outbox"]
    return outbox


def person_looks(
    tiktok: PerAccountTikTok, facebook: PagesFacebook, rows: list[list[Any]]
) -> list[list[str]]:
    """What a person finds for each post left for her when she looks on its account: [marker,
    "found", post id, the platform's word for it] for one that is there, [marker, "missing",
    "", ""] for one that is not."""
    plan = []
    for state, marker, explained in rows:
        if state != "unconfirmed" or not explained:
            continue
        seen = tiktok.seen_by_person(_marker_in(marker)) or facebook.seen_by_person(
            _marker_in(marker)
        )
        plan.append([marker, "found", *seen] if seen else [marker, "missing", "", ""])
    return plan


def person_settles(
    person: subprocess.Popen[str], plan: list[list[str]], *, log: Path
) -> list[dict[str, Any]]:
    """She says on each post's page what she saw (``person``: the SETTLE process, run with
    the workers' settings, since the wait before "missing" is theirs): "it is there" with
    its id or address, or "it is missing, send again"."""
    assert person.stdin is not None
    assert person.stdout is not None
    person.stdin.write(json.dumps(plan) + "\n")
    person.stdin.flush()
    ready, _w, _x = select.select([person.stdout], [], [], 60 + 2 * len(plan))
    line = person.stdout.readline() if ready else ""
    if not line:
        person.kill()
        raise AssertionError(f"the person's settling failed:\n{log.read_text()[-3000:]}")
    pressed: list[dict[str, Any]] = json.loads(line)
    return pressed


_MARKER = re.compile(r"/p/\d+-[a-z2-9]{6}")


def _marker_in(text: str) -> str:
    match = _MARKER.search(text or "")
    return match.group(0) if match else ""
