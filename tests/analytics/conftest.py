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
