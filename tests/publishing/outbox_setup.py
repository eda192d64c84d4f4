"""The outbox tests' world (test_outbox, test_outbox_guards, test_outbox_sweep,
test_reconcile_listing import these fixtures by name): tasks kept in Django's DummyBackend
for ``drain`` to run, the TikTok fake behind the real connector, a content item of this
year's campaign and Giulia's TikTok account.

Not in conftest.py: the settings are for these modules only (autouse where imported), and
``item`` and ``tiktok`` here mean another thing than the folder's fixtures of the same name
(the 2021 item; a connector talking to the fake)."""

from __future__ import annotations

from typing import Any

import pytest

from quartieri.accounts.models import User
from quartieri.campaigns.models import ContentItem
from quartieri.channels.kinds.tiktok.fake import FakeTikTok
from quartieri.channels.models import ChannelAccount
from tests.publishing.conftest import campaign_item, tiktok_account


@pytest.fixture(autouse=True)
def _outbox_settings(settings: Any, fake_tiktok: FakeTikTok) -> None:
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    settings.TIKTOK_API_URL = fake_tiktok.url
    settings.TIKTOK_CLIENT_KEY = fake_tiktok.client_key
    settings.TIKTOK_CLIENT_SECRET = fake_tiktok.client_secret
    settings.PUBLISHING_MEDIA_URL = "https://media.example.org/"
    settings.PUBLISHING_POLL_DELAYS = (0, 0, 0)
    settings.PUBLISHING_RECONCILE_DELAY_SECONDS = 0
    settings.PUBLISHING_HTTP_TIMEOUT_SECONDS = 0.5


@pytest.fixture
def item(db: None) -> ContentItem:
    return campaign_item(title="Baggio – Parco delle Cave", this_year=True)


@pytest.fixture
def tiktok(item: ContentItem, owner: User) -> ChannelAccount:
    return tiktok_account("@visit.quartieri", token="tok-a", owner=owner)
