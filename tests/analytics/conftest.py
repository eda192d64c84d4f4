"""Fixtures for the insights tests: the platform fakes, connected accounts, published posts.

Posts are published into the fakes through the real connectors, so the figures the fakes
answer are derived from what was really published there. Instagram and Facebook share
``META_GRAPH_URL``, so a test uses one of the two Meta fakes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone, translation

from quartieri.campaigns.models import ContentItem, Variant
from quartieri.channels.connectors.base import (
    AccountAuth,
    MediaItem,
    MediaKind,
    PostKind,
    PostRequest,
    TokenSet,
)
from quartieri.channels.kinds.facebook.client import FacebookConnector
from quartieri.channels.kinds.facebook.fake import PAGE_ID, FakeFacebook
from quartieri.channels.kinds.instagram.client import InstagramConnector
from quartieri.channels.kinds.instagram.fake import IG_USER, FakeInstagram
from quartieri.channels.kinds.tiktok.client import TikTokConnector, TikTokOptions
from quartieri.channels.kinds.tiktok.fake import FakeTikTok
from quartieri.channels.models import ChannelAccount
from quartieri.channels.services import credential_store
from quartieri.publishing.models import OutboxEntry
from tests.publishing.conftest import campaign_item

# Deprecated names (platform-apis.md §0, §2.4, §3.3); prefixes stand for their families.
DEPRECATED = {
    "impressions",
    "plays",
    "clips_replays_count",
    "ig_reels_aggregated_all_plays_count",
    "video_views",
    "page_engaged_users",
}
DEPRECATED_PREFIXES = (
    "page_impressions",
    "page_posts_impressions",
    "post_impressions",
    "page_fans",
)


@pytest.fixture(autouse=True)
def _insights_settings(settings: Any) -> Iterator[None]:
    settings.INSIGHTS_RETRY_SECONDS = 0  # back-off is tested by counting tries, not waiting
    settings.PUBLISHING_HTTP_TIMEOUT_SECONDS = 2
    settings.TIKTOK_CLIENT_KEY, settings.TIKTOK_CLIENT_SECRET = (
        "fake-client-key",
        "fake-client-secret",
    )
    settings.META_APP_ID, settings.META_APP_SECRET = "fake-app", "fake-app-secret"
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    # Assertions read the English msgids.
    with translation.override("en"):
        yield


@pytest.fixture
def fake_tiktok(settings: Any) -> Iterator[FakeTikTok]:
    with FakeTikTok() as fake:
        settings.TIKTOK_API_URL = fake.url
        yield fake


@pytest.fixture
def fake_instagram(settings: Any) -> Iterator[FakeInstagram]:
    with FakeInstagram() as fake:
        settings.META_GRAPH_URL = fake.url
        yield fake


@pytest.fixture
def fake_facebook(settings: Any) -> Iterator[FakeFacebook]:
    with FakeFacebook() as fake:
        settings.META_GRAPH_URL = fake.url
        yield fake


@pytest.fixture
def item(db: None) -> ContentItem:
    return campaign_item(title="Isola – Stecca degli artigiani", this_year=True)


def connect(platform: str, handle: str, *, token: str, external_id: str = "") -> ChannelAccount:
    account = ChannelAccount.objects.create(platform=platform, handle=handle)
    credential_store(
        actor=None,
        account=account,
        tokens=TokenSet(access_token=token, refresh_token="fake-refresh-0"),
        external_id=external_id,
    )
    return account


def published(
    item: ContentItem, account: ChannelAccount, post_id: str, *, days_ago: float = 0
) -> OutboxEntry:
    """An outbox entry as the outbox leaves a post it published ``days_ago`` days ago."""
    at = timezone.now() - dt.timedelta(days=days_ago)
    variant = Variant.objects.create(
        content_item=item,
        account=account,
        post_type="video" if account.platform == "tiktok" else "feed",
        caption="Isola, the workshops",
        status=Variant.Status.PUBLISHED,
        scheduled_at=at,
    )
    return OutboxEntry.objects.create(
        variant=variant,
        account=account,
        due_at=at,
        state=OutboxEntry.State.PUBLISHED,
        platform_post_id=post_id,
        published_at=at,
    )


# --- Publishing into the fakes through the connectors ---------------------------------------
def tiktok_video(fake: FakeTikTok, *, token: str) -> str:
    connector = TikTokConnector(
        auth=AccountAuth(token, account_id="visit.quartieri"), base_url=fake.url
    )
    try:
        submitted = connector.submit(
            request=PostRequest(
                kind=PostKind.VIDEO,
                text="Isola, the workshops",
                media=(MediaItem(MediaKind.VIDEO, url="https://media.example.org/isola.mp4"),),
                options=TikTokOptions(privacy_level="PUBLIC_TO_EVERYONE"),
            )
        )
        post_id = connector.status(publish_id=submitted.publish_id).platform_post_id
    finally:
        connector.close()
    assert post_id
    return post_id


def instagram_image(fake: FakeInstagram, *, token: str) -> str:
    connector = InstagramConnector(auth=AccountAuth(token, account_id=IG_USER), base_url=fake.url)
    try:
        image = MediaItem(MediaKind.IMAGE, url="https://media.example.org/isola.jpg")
        submitted = connector.submit(
            request=PostRequest(kind=PostKind.IMAGE, text="Isola", media=(image,))
        )
        media_id = connector.finalize(publish_id=submitted.publish_id).platform_post_id
    finally:
        connector.close()
    assert media_id
    return media_id


def facebook_post(fake: FakeFacebook, *, token: str) -> str:
    connector = FacebookConnector(auth=AccountAuth(token, account_id=PAGE_ID), base_url=fake.url)
    try:
        result = connector.submit(request=PostRequest(kind=PostKind.TEXT, text="Isola tonight"))
    finally:
        connector.close()
    return result.platform_post_id


# --- Measurement: tracked links, page views, ingestion (issue 17) -----------------------------
SITE = "https://quartieri.example.org"  # a mini-site served elsewhere, allowed to send views


@pytest.fixture
def measure_settings(settings: Any, tmp_path: Any) -> Any:
    settings.PUBLIC_URL = "http://127.0.0.1:8000"
    settings.ANALYTICS_SITE_ORIGINS = [SITE]
    settings.LINK_ALLOWED_DOMAINS = ["yesmilano.it", "comune.milano.it"]
    settings.ANALYTICS_SPOOL_DIR = tmp_path / "spool"
    return settings


@pytest.fixture
def buffer(measure_settings: Any, monkeypatch: Any) -> Any:
    """The process's event buffer, without its thread: tests flush it step by step."""
    from quartieri.analytics import edge, ingest
    from quartieri.analytics.sink import DatabaseSink

    made = ingest.EventBuffer(
        sink=DatabaseSink(timeout_ms=2000),
        spool=ingest.Spool(measure_settings.ANALYTICS_SPOOL_DIR),
        flush_seconds=0.5,
        batch_max=1000,
        background=False,
    )
    monkeypatch.setattr(ingest, "_buffer", made)
    monkeypatch.setattr(edge, "_edge", edge.Edge(buffer=made))
    return made


class WSGIAnswer:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status_code = int(status[:3])
        self.headers = {name.lower(): value for name, value in headers}
        self.body = body


def call(
    app: Any,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    content_length: bool = True,
    address: str = "203.0.113.7",
) -> WSGIAnswer:
    """One request to a WSGI application, as a server hands it over."""
    import io

    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "REMOTE_ADDR": address,
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
    }
    if body and content_length:
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key in {"CONTENT_TYPE", "CONTENT_LENGTH"} else f"HTTP_{key}"] = value
    seen: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, response_headers

    chunks = app(environ, start_response)
    return WSGIAnswer(seen["status"], seen["headers"], b"".join(chunks))


def django_must_not_answer(environ: Any, start_response: Any) -> Any:
    raise AssertionError(f"{environ['PATH_INFO']} reached Django's request stack")


@pytest.fixture
def edge(buffer: Any) -> Any:
    """The edge in front of an application that fails if anything reaches it."""
    from quartieri.analytics.edge import Edge

    return Edge(django_must_not_answer, buffer=buffer)


IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
DESKTOP = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36"
)
