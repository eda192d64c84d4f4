"""Connecting accounts in a real browser, through the local fakes, checked with axe-core.

The browser may reach the live server and the one fake each test starts (on loopback),
nothing else: the fake's authorize page redirects straight back to the live server.
"""

from __future__ import annotations

from typing import Any

import pytest

from quartieri.channels.connectors.fakeserver import FakeServer
from quartieri.channels.kinds.facebook.fake import PAGE_ID
from quartieri.channels.kinds.instagram.fake import IG_USER, FakeInstagram
from quartieri.channels.kinds.tiktok.fake import FakeTikTok
from quartieri.channels.models import ChannelAccount, PlatformCredential
from tests.accessibility import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def allow(page: Any, fake: FakeServer) -> None:
    # Registered after the fixture's catch-all abort, so it takes precedence for the fake.
    page.context.route(f"{fake.url}/**", lambda route: route.continue_())


def test_an_admin_connects_a_tiktok_account(
    page, login, admin_user, live_server, settings, fake_tiktok: FakeTikTok
):
    settings.PUBLIC_URL = live_server.url
    settings.TIKTOK_AUTH_URL = settings.TIKTOK_API_URL = fake_tiktok.url
    settings.TIKTOK_CLIENT_KEY = fake_tiktok.client_key
    settings.TIKTOK_CLIENT_SECRET = fake_tiktok.client_secret
    allow(page, fake_tiktok)
    account = ChannelAccount.objects.create(platform="tiktok", handle="@comunedimilano")
    login(admin_user)

    page.goto("/publishing/connect/")
    assert axe_violations(page) == []
    page.click(f'a[href="/publishing/connect/{account.pk}/"]')
    page.wait_for_load_state()
    assert axe_violations(page) == []
    page.click('[data-testid="connect-button"]')
    page.wait_for_url(f"{live_server.url}/publishing/connect/{account.pk}/")

    assert page.locator(".alert-success").is_visible()
    assert "fake-open-id" in page.locator('[data-testid="connection-status"]').inner_text()
    assert PlatformCredential.objects.get(account=account).external_id == "fake-open-id"
    assert axe_violations(page) == []


def test_an_admin_connects_instagram_by_choosing_the_page(
    page, login, admin_user, live_server, settings
):
    with FakeInstagram() as fake:
        settings.PUBLIC_URL = live_server.url
        settings.META_DIALOG_URL = settings.META_GRAPH_URL = fake.url
        settings.META_APP_ID, settings.META_APP_SECRET = fake.app_id, fake.app_secret
        allow(page, fake)
        account = ChannelAccount.objects.create(platform="instagram", handle="@comunemilano")
        login(admin_user)

        page.goto(f"/publishing/connect/{account.pk}/")
        page.click('[data-testid="connect-button"]')
        page.wait_for_url(f"{live_server.url}/publishing/connect/{account.pk}/page/")
        assert axe_violations(page) == []
        # The Page linked to @comunemilano is offered first and already chosen.
        assert page.locator(f"#page-{PAGE_ID}").is_checked()
        page.click(f'form[action="/publishing/connect/{account.pk}/page/"] button[type=submit]')
        page.wait_for_url(f"{live_server.url}/publishing/connect/{account.pk}/")

        assert page.locator(".alert-success").is_visible()
        assert PlatformCredential.objects.get(account=account).external_id == IG_USER
        assert axe_violations(page) == []
