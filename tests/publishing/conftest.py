"""Fakes for the publishing tests: real HTTP servers on 127.0.0.1, one per test; the task
queue the outbox enqueues into; posts scheduled by hand; the outbox tests' settings, item and
TikTok account; the retry/reconcile and settle tests' Facebook page and presses; the demo
sandbox."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from django.conf import settings as django_settings
from django.forms.models import model_to_dict
from django.tasks import TaskResultStatus
from django.test import Client
from django.utils import timezone, translation

from quartieri.accounts.models import AuditEvent, Role, User
from quartieri.campaigns.models import Campaign, ContentItem, MediaAsset, Variant
from quartieri.campaigns.services import (
    variant_approve,
    variant_create,
    variant_schedule,
    variant_submit,
)
from quartieri.channels.connectors.base import (
    AccountAuth,
    AppCredentials,
    MediaItem,
    MediaKind,
    PostKind,
    PostRequest,
    TokenSet,
)
from quartieri.channels.connectors.fakeserver import FaultKind
from quartieri.channels.kinds.facebook.client import FacebookConnector
from quartieri.channels.kinds.facebook.fake import PAGE_ID, FakeFacebook
from quartieri.channels.kinds.instagram.client import InstagramConnector
from quartieri.channels.kinds.instagram.fake import IG_USER, FakeInstagram
from quartieri.channels.kinds.tiktok.client import ChunkRule, TikTokConnector, TikTokOptions
from quartieri.channels.kinds.tiktok.fake import FakeTikTok
from quartieri.channels.models import AccountGrant, ChannelAccount
from quartieri.channels.services import credential_store
from quartieri.publishing import outbox
from quartieri.publishing.demo_sandbox import Sandbox, sandbox_build
from quartieri.publishing.models import OutboxEntry
from tests.campaigns.conftest import IN_WINDOW
from tests.channels.options import as_options
from tests.conftest import make_person

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


def queued_untimed() -> list[tuple[str, dict[str, Any]]]:
    """The tasks in the queue without their times (a press enqueues for now or for the
    check)."""
    return [(name, kwargs) for name, kwargs, _at in queued()]


def keep_tasks(settings: Any) -> None:
    """Tasks go to Django's DummyBackend, which keeps them for ``drain`` to run."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }


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


@pytest.fixture
def facebook(fake_facebook: FakeFacebook) -> Iterator[FacebookConnector]:
    connector = FacebookConnector(
        auth=AccountAuth(access_token="page-tok", account_id=PAGE_ID),
        app=AppCredentials(client_id="fake-app", client_secret="fake-app-secret"),
        base_url=fake_facebook.url,
        timeout=FAST_TIMEOUT,
    )
    yield connector
    connector.close()


# --- Posts scheduled by hand and sent through the outbox ----------------------------------------
@pytest.fixture
def owner(db: None) -> User:
    return make_person("giulia", Role.APPROVER, first_name="Giulia")


def tiktok_account(handle: str, *, token: str, owner: User | None = None) -> ChannelAccount:
    account = ChannelAccount.objects.create(platform="tiktok", handle=handle, owner=owner)
    credential_store(
        actor=None,
        account=account,
        tokens=TokenSet(access_token=token, refresh_token="fake-refresh-0"),
    )
    return account


def scheduled_variant(
    item: ContentItem,
    account: ChannelAccount,
    *,
    caption: str = "Baggio, slow",
    defaults: dict[str, Any] | None = None,
    file_name: str = "{kind}-{pk}.bin",
    alt_text: str = "Il parco delle Cave al tramonto",
    **fields: Any,
) -> Variant:
    """A variant due a minute ago, with its medium unless on Facebook (an image on
    Instagram, else a video). ``fields`` go over ``defaults``, which are by default a
    public video on TikTok and a feed post elsewhere; ``file_name`` may name ``kind``,
    ``pk`` (the variant's) and ``ext``."""
    if defaults is None:
        defaults = {"post_type": "feed"}
        if account.platform == "tiktok":
            defaults = {"post_type": "video", "tiktok_privacy_level": "PUBLIC_TO_EVERYONE"}
    variant = Variant.objects.create(
        content_item=item,
        account=account,
        caption=caption,
        status=Variant.Status.SCHEDULED,
        scheduled_at=timezone.now() - dt.timedelta(minutes=1),
        **as_options(defaults | fields),
    )
    kind = "image" if account.platform == "instagram" else "video"
    if account.platform != "facebook":
        asset = MediaAsset.objects.create(
            content_item=item,
            kind=kind,
            file="campaigns/media/"
            + file_name.format(kind=kind, pk=variant.pk, ext="mp4" if kind == "video" else "jpg"),
            mime_type="video/mp4" if kind == "video" else "image/jpeg",
            alt_text=alt_text,
        )
        variant.media.add(asset)
    return variant


def schedule(variant: Variant) -> OutboxEntry:
    entry = outbox.outbox_schedule(variant_id=variant.pk)
    assert entry is not None
    return entry


def refreshed(entry: OutboxEntry) -> OutboxEntry:
    entry.refresh_from_db()
    return entry


# --- The outbox tests' world (test_outbox, test_outbox_guards, test_outbox_sweep, ----------------
# test_reconcile_listing, test_post_links: ``pytest.mark.usefixtures("outbox_settings")``)
@pytest.fixture
def outbox_settings(settings: Any, fake_tiktok: FakeTikTok) -> None:
    """Tasks kept for ``drain``, the TikTok fake behind the real connector, no waits."""
    keep_tasks(settings)
    settings.TIKTOK_API_URL = fake_tiktok.url
    settings.TIKTOK_CLIENT_KEY = fake_tiktok.client_key
    settings.TIKTOK_CLIENT_SECRET = fake_tiktok.client_secret
    settings.PUBLISHING_MEDIA_URL = "https://media.example.org/"
    settings.PUBLISHING_POLL_DELAYS = (0, 0, 0)
    settings.PUBLISHING_RECONCILE_DELAY_SECONDS = 0
    settings.PUBLISHING_HTTP_TIMEOUT_SECONDS = 0.5


@pytest.fixture
def current_item(db: None) -> ContentItem:
    """A content item of this year's campaign (``item`` is one of the 2021 campaign)."""
    return campaign_item(title="Baggio – Parco delle Cave", this_year=True)


@pytest.fixture
def giulia_tiktok(current_item: ContentItem, owner: User) -> ChannelAccount:
    """Giulia's TikTok account, connected to the fake (``tiktok`` is a connector)."""
    return tiktok_account("@visit.quartieri", token="tok-a", owner=owner)


# --- Retry, reconcile and settle pressed by people (test_recovery, test_settle: -----------------
# ``pytest.mark.usefixtures("recovery_settings")``): the city's Facebook page, where Giulia
# publishes and Marco only drafts, the mayor's own page, a post Facebook refused
@pytest.fixture
def recovery_settings(settings: Any, fake_facebook: FakeFacebook) -> None:
    """Tasks kept for ``drain`` (the queue starts empty), the Facebook fake as the real
    platform (not the sandbox), no waits but the reconcile's minute."""
    keep_tasks(settings)
    settings.META_GRAPH_URL = fake_facebook.url
    settings.PUBLISHING_POLL_DELAYS = (0, 0, 0)
    settings.PUBLISHING_RECONCILE_DELAY_SECONDS = 60
    settings.PUBLISHING_HTTP_TIMEOUT_SECONDS = 0.5
    settings.SANDBOX = False
    queue_backend().clear()


@pytest.fixture
def mayor(db: None) -> User:
    return make_person("mayor", Role.APPROVER, first_name="Beppe")


def _facebook_account(handle: str, **extra: Any) -> ChannelAccount:
    account = ChannelAccount.objects.create(platform="facebook", handle=handle, **extra)
    credential_store(
        actor=None, account=account, tokens=TokenSet(access_token="tok-fb"), external_id=PAGE_ID
    )
    return account


@pytest.fixture
def facebook_page(editor: User, approver: User) -> ChannelAccount:
    """The city's page: the approver publishes, the editor only drafts (``page`` is the
    browser's)."""
    account = _facebook_account("ComunediMilano")
    AccountGrant.objects.create(account=account, user=editor, can_draft=True)
    AccountGrant.objects.create(
        account=account, user=approver, can_draft=True, can_approve=True, can_publish=True
    )
    return account


@pytest.fixture
def mayor_page(mayor: User, approver: User) -> ChannelAccount:
    account = _facebook_account("sindaco.demo", kind=ChannelAccount.Kind.PERSONAL, owner=mayor)
    # A grant that would allow it on an institutional account must not matter here.
    AccountGrant.objects.create(
        account=account, user=approver, can_draft=True, can_approve=True, can_publish=True
    )
    return account


def scheduled_after_review(
    item: ContentItem, account: ChannelAccount, author: User, reviewer: User
) -> OutboxEntry:
    """A post written by ``author``, approved and scheduled by ``reviewer`` (due at once)."""
    variant = variant_create(
        actor=author, content_item=item, account=account, post_type="feed", caption="Isola #Isola"
    )
    variant = variant_submit(actor=author, variant=variant)
    variant = variant_approve(actor=reviewer, variant=variant)
    variant_schedule(actor=reviewer, variant=variant, at=IN_WINDOW, allow_past=True)
    return OutboxEntry.objects.get(variant=variant)


@pytest.fixture
def failed(
    item: ContentItem,
    facebook_page: ChannelAccount,
    editor: User,
    approver: User,
    fake_facebook: FakeFacebook,
) -> OutboxEntry:
    """A post Facebook refused (it could not read the link): failed, nothing on the page."""
    fake_facebook.inject(FaultKind.PLATFORM_ERROR, path="/feed$", code=1609005)
    entry = scheduled_after_review(item, facebook_page, editor, approver)
    drain()
    entry.refresh_from_db()
    assert entry.state == OutboxEntry.State.FAILED
    assert fake_facebook.posts == []
    return entry


class Untouched:
    """Asserts that a refused press changed no field, queued no task, audited nothing."""

    def __init__(self, entry: OutboxEntry) -> None:
        self.entry = entry
        self.fields = model_to_dict(OutboxEntry.objects.get(pk=entry.pk))
        self.audit = AuditEvent.objects.count()

    def check(self) -> None:
        assert model_to_dict(OutboxEntry.objects.get(pk=self.entry.pk)) == self.fields
        assert queued_untimed() == []
        assert AuditEvent.objects.count() == self.audit


def press(client: Client, entry: OutboxEntry, action: str, **data: str) -> Any:
    # Staff pages speak Italian by default; these tests read the English msgids.
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.post(f"/publishing/{entry.pk}/{action}/", data, follow=True)


# --- A TikTok video request (connector tests) --------------------------------------------------
VIDEO_URL = "https://media.example.org/tour.mp4"


def video_by_url(
    text: str = "Tour of Borgo #quartieri q.example/abc",
    privacy_level: str = "PUBLIC_TO_EVERYONE",
    **options: bool,
) -> PostRequest:
    return PostRequest(
        kind=PostKind.VIDEO,
        text=text,
        media=(MediaItem(kind=MediaKind.VIDEO, url=VIDEO_URL),),
        options=TikTokOptions(privacy_level=privacy_level, **options),
        marker="q.example/abc",
    )


# --- The demo sandbox: its fakes on free ports behind the real connectors -----------------------
@pytest.fixture
def sandbox(settings: Any) -> Iterator[Sandbox]:
    """The sandbox's two servers on free ports, and a platform pointed at them."""
    keep_tasks(settings)
    settings.SANDBOX = True
    settings.PUBLISHING_MEDIA_URL = settings.SANDBOX_MEDIA_URL
    settings.PUBLISHING_POLL_DELAYS = (0, 0, 0)
    running = sandbox_build(port=0)
    running.tiktok.processing_seconds = running.meta.processing_seconds = 0
    running.start()
    settings.TIKTOK_API_URL = running.tiktok.url
    settings.META_GRAPH_URL = running.meta.url
    queue_backend().clear()
    yield running
    running.stop()


def connected(platform: str, handle: str, external_id: str = "") -> ChannelAccount:
    account = ChannelAccount.objects.create(platform=platform, handle=handle)
    credential_store(
        actor=None,
        account=account,
        tokens=TokenSet(access_token=f"sandbox-{platform}"),
        external_id=external_id,
    )
    return account


def post(item: ContentItem, account: ChannelAccount, caption: str, **fields: Any) -> OutboxEntry:
    """A post of the sandbox tests sent to the outbox: only the ``fields`` given (no post
    type unless named) and Isola's picture or video."""
    return schedule(
        scheduled_variant(
            item,
            account,
            caption=caption,
            defaults={},
            file_name="isola.{ext}",
            alt_text="La Stecca degli artigiani",
            **fields,
        )
    )


class KeptLog(logging.Handler):
    """Keeps each record's level and message as an operator reads them."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.levelname, record.getMessage()))


def _kept_log(name: str) -> Iterator[KeptLog]:
    """What logger ``name`` logs at INFO and above, whatever QUARTIERI_LOG_LEVEL the run has.
    Not caplog: mutation runs turn pytest's logging plugin off."""
    logger = logging.getLogger(name)
    handler, level = KeptLog(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
def outbox_log() -> Iterator[KeptLog]:
    yield from _kept_log("quartieri.publishing.outbox")


@pytest.fixture
def sweep_log() -> Iterator[KeptLog]:
    yield from _kept_log("quartieri.publishing.sweep")


def entry_in_place(item: ContentItem, account: ChannelAccount, **fields: Any) -> OutboxEntry:
    """A post due now in the outbox, its row set to ``fields`` (a state another step left it
    in), with no task queued yet."""
    entry = schedule(scheduled_variant(item, account))
    if fields:
        OutboxEntry.objects.filter(pk=entry.pk).update(**fields)
    queue_backend().clear()
    return refreshed(entry)
