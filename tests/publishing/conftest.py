"""Fakes for the publishing tests: real HTTP servers on 127.0.0.1, one per test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone, translation

from quartieri.campaigns.models import Campaign, ContentItem
from quartieri.channels.connectors.base import AccountAuth, AppCredentials
from quartieri.channels.kinds.facebook.fake import FakeFacebook
from quartieri.channels.kinds.instagram.client import InstagramConnector
from quartieri.channels.kinds.instagram.fake import IG_USER, FakeInstagram
from quartieri.channels.kinds.tiktok.client import ChunkRule, TikTokConnector
from quartieri.channels.kinds.tiktok.fake import FakeTikTok
from quartieri.publishing import outbox

# Short enough that a "timeout after the side effect" fault costs a fraction of a second.
FAST_TIMEOUT = httpx.Timeout(connect=2.0, read=0.5, write=2.0, pool=2.0)
# The documented 5-64 MB rule scaled down to bytes so uploads stay tiny.
SMALL_CHUNKS = ChunkRule(
    min_bytes=5, max_bytes=64, max_last_bytes=128, max_chunks=1000, preferred_bytes=16
)


# --- The task queue the outbox enqueues into (one copy for every publishing test) -----------
RUNNERS: dict[str, Callable[..., str]] = {
    "publish_entry": outbox.outbox_publish,
    "poll_entry": outbox.outbox_poll,
    "reconcile_entry": outbox.outbox_reconcile,
}


def queue_backend() -> Any:
    """The backend the publishing tasks enqueue into (asked of a task, as enqueue does: after
    other tests have run, the handler can hold more than one instance per alias)."""
    from quartieri.publishing import tasks

    return tasks.publish_entry.get_backend()


def queued() -> list[tuple[str, dict[str, Any], dt.datetime | None]]:
    """The tasks in the queue: name, arguments and the time they may run from."""
    return [(r.task.name, r.kwargs, r.task.run_after) for r in queue_backend().results]


def drain(limit: int = 60, *, steps: int | None = None, due_only: bool = False) -> list[str]:
    """Run the queued publishing tasks in order (what workers would do); returns their
    outcomes.

    ``steps`` runs only that many tasks and leaves the rest queued; otherwise tasks still
    queued after ``limit`` fail the test. ``due_only``: only those whose time has come (by
    ``timezone.now``, which a test may move), as a worker does.
    """
    backend = queue_backend()
    outcomes: list[str] = []
    for _ in range(steps or limit):
        due_by = timezone.now() if due_only else None
        ready = [r for r in backend.results if _to_run(r, due_by=due_by)]
        if not ready:
            return outcomes
        result = ready[0]
        backend.results.remove(result)
        outcomes.append(RUNNERS[result.task.name](**result.kwargs))
    if steps:
        return outcomes
    raise AssertionError(f"tasks still queued after {limit}: {outcomes[-5:]}")


def _to_run(result: Any, *, due_by: dt.datetime | None) -> bool:
    """A queued publishing task (due by ``due_by`` when given)."""
    if result.status != TaskResultStatus.READY or result.task.name not in RUNNERS:
        return False
    run_after = result.task.run_after
    return due_by is None or run_after is None or run_after <= due_by


def campaign_item(*, title: str = "Isola", this_year: bool = False) -> ContentItem:
    """A content item of the 2021 campaign, or of a campaign running all of 2026
    (``this_year``), for posts scheduled by hand around now."""
    year = 2026 if this_year else 2021
    campaign, _created = Campaign.objects.get_or_create(
        slug=f"quartieri-{year}",
        defaults={
            "name": f"Quartieri {year}" if this_year else "Milano quartieri 2021",
            "start_date": dt.date(year, 1, 1) if this_year else dt.date(2021, 5, 3),
            "end_date": dt.date(year, 12, 31) if this_year else dt.date(2021, 9, 30),
        },
    )
    return ContentItem.objects.create(campaign=campaign, title=title)


@pytest.fixture
def item(db: None) -> ContentItem:
    return campaign_item()


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # Assertions read the English msgids; test_locale checks the Italian catalogue.
    with translation.override("en"):
        yield


@pytest.fixture
def fake_tiktok() -> Iterator[FakeTikTok]:
    with FakeTikTok(chunk_rule=SMALL_CHUNKS) as fake:
        yield fake


@pytest.fixture
def fake_instagram() -> Iterator[FakeInstagram]:
    with FakeInstagram() as fake:
        yield fake


@pytest.fixture
def fake_facebook() -> Iterator[FakeFacebook]:
    with FakeFacebook() as fake:
        yield fake


# Connectors talking to the fakes, with the tokens the fakes accept.
@pytest.fixture
def tiktok(fake_tiktok: FakeTikTok) -> Iterator[TikTokConnector]:
    connector = TikTokConnector(
        auth=AccountAuth(access_token="tok-1"),
        app=AppCredentials(client_id="fake-client-key", client_secret="fake-client-secret"),
        base_url=fake_tiktok.url,
        timeout=FAST_TIMEOUT,
        chunk_rule=SMALL_CHUNKS,
    )
    yield connector
    connector.close()


@pytest.fixture
def instagram(fake_instagram: FakeInstagram) -> Iterator[InstagramConnector]:
    connector = InstagramConnector(
        auth=AccountAuth(access_token="ig-tok", account_id=IG_USER),
        app=AppCredentials(client_id="fake-app", client_secret="fake-app-secret"),
        base_url=fake_instagram.url,
        timeout=FAST_TIMEOUT,
    )
    yield connector
    connector.close()
