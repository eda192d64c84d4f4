"""The demo sandbox in one process: its fakes behind the real connectors and the outbox, the
read-only listing every fake serves, the viewer page, and the demo loader."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from quartieri.campaigns.models import ContentItem, MediaAsset, Variant
from quartieri.channels.kinds.tiktok.fake import FakeTikTok
from quartieri.channels.models import ChannelAccount, PlatformCredential
from quartieri.publishing.demo_sandbox import Sandbox
from quartieri.publishing.models import OutboxEntry
from tests.publishing.conftest import connected, drain, post

pytestmark = pytest.mark.django_db(transaction=True)
State = OutboxEntry.State
IG_USER = "17841400000000123"
PAGE = "104000000000777"


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def published(sandbox: Sandbox, item: ContentItem) -> dict[str, OutboxEntry]:
    """One post per platform, sent through the outbox and the real connectors."""
    entries = {
        "tiktok": post(
            item,
            connected("tiktok", "@comunedimilano"),
            "Isola in 30 seconds",
            post_type="video",
            tiktok_privacy_level="PUBLIC_TO_EVERYONE",
            tiktok_allow_comment=True,
        ),
        "instagram": post(
            item, connected("instagram", "@yesmilano", IG_USER), "Isola: open workshops"
        ),
        "facebook": post(
            item, connected("facebook", "ComunediMilano", PAGE), "Isola, the neighbourhood"
        ),
    }
    drain()
    for entry in entries.values():
        entry.refresh_from_db()
        assert entry.state == State.PUBLISHED, entry.last_error
    return entries


# --- The fakes ---------------------------------------------------------------------------------
def test_every_fake_serves_a_read_only_listing_of_what_it_recorded():
    with FakeTikTok() as fake:
        answer = httpx.get(f"{fake.url}/_sandbox/posts").json()
        assert answer == {"platform": "tiktok", "posts": []}
        assert fake.requests == []  # outside the platform's contract: not recorded


def test_instagram_and_facebook_share_one_graph_address(sandbox, published):
    listing = httpx.get(f"{sandbox.meta.url}/_sandbox/posts").json()["posts"]
    by_platform = {item["platform"]: item for item in listing}
    assert sorted(by_platform) == ["facebook", "instagram"]
    instagram, facebook = by_platform["instagram"], by_platform["facebook"]
    assert instagram["account"] == IG_USER
    assert instagram["id"] == published["instagram"].platform_post_id
    assert instagram["media"] == [
        {
            "url": f"{settings.SANDBOX_MEDIA_URL}campaigns/media/isola.jpg",
            "kind": "image",
            "alt": "La Stecca degli artigiani",
        }
    ]
    assert facebook["account"] == PAGE
    assert facebook["text"].startswith("Isola, the neighbourhood\n")
    tiktok = httpx.get(f"{sandbox.tiktok.url}/_sandbox/posts").json()["posts"]
    assert [item["id"] for item in tiktok] == [published["tiktok"].publish_id]
    assert tiktok[0]["options"]["privacy_level"] == "PUBLIC_TO_EVERYONE"
    assert tiktok[0]["options"]["disable_comment"] is False


def test_the_fakes_permalinks_open_the_viewer(published):
    viewer = f"{settings.PUBLIC_URL}/publishing/sandbox/"
    instagram, facebook = published["instagram"], published["facebook"]
    assert instagram.permalink == f"{viewer}instagram/{instagram.platform_post_id}/"
    assert facebook.permalink == f"{viewer}facebook/{facebook.platform_post_id}/"


# --- The viewer --------------------------------------------------------------------------------
def test_the_viewer_shows_each_post_once_with_its_text_media_options_and_entry(
    published, client_for, analyst
):
    client = english(client_for(analyst))
    html = client.get("/publishing/sandbox/").content.decode()
    shown = re.findall(r'data-platform="(\w+)" data-post="([\w.-]+)"', html)
    assert sorted(platform for platform, _id in shown) == ["facebook", "instagram", "tiktok"]
    for entry in published.values():
        assert html.count(f"{entry.variant.caption}\n{entry.marker}") == 1
        assert f'href="/publishing/{entry.pk}/"' in html  # back to its outbox entry
    assert "PUBLIC_TO_EVERYONE" in html
    # The picture is shown from this server, never from the address given to the platform.
    assert 'src="/media/campaigns/media/isola.jpg" alt="La Stecca degli artigiani"' in html
    assert f"{settings.SANDBOX_MEDIA_URL}campaigns/media/isola.jpg" in html
    # Each received post is drawn by its kind as the editor draws it; the fields stay below.
    drawn = re.findall(r'data-testid="sandbox-preview">\s*<\w+[^>]*data-kind="(\w+)"', html)
    assert sorted(drawn) == ["facebook", "instagram", "tiktok"]
    assert html.count("What the platform received, field by field") == 3


def test_the_outbox_links_every_published_post_to_the_viewer(published, client_for, analyst):
    client = english(client_for(analyst))
    html = client.get("/publishing/").content.decode()
    links = re.findall(r'<a href="([^"]+)" data-testid="platform-link"', html)
    assert sorted(links) == sorted(
        f"/publishing/sandbox/{platform}/{entry.publish_id}/"
        for platform, entry in published.items()
    )
    assert "tiktok.com" not in html  # TikTok's connector builds real addresses: not shown
    for link in links:
        page = client.get(link)
        assert page.status_code == 200
        assert page.content.decode().count('data-testid="sandbox-post"') == 1


def test_the_viewer_says_when_the_sandbox_is_not_running(sandbox, client_for, analyst, settings):
    sandbox.stop()
    html = english(client_for(analyst)).get("/publishing/sandbox/").content.decode()
    assert "The TikTok sandbox does not answer at" in html
    assert "quartieri serve" in html
    assert (
        english(client_for(analyst)).get("/publishing/sandbox/tiktok/v_pub_1/").status_code == 404
    )
    sandbox.servers = []  # already stopped


def test_the_viewer_never_asks_a_real_platform(client_for, analyst, settings, monkeypatch):
    settings.SANDBOX = True
    settings.TIKTOK_API_URL = "https://open.tiktokapis.com"
    settings.META_GRAPH_URL = "https://graph.facebook.com"

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the viewer called a real platform")

    monkeypatch.setattr(httpx, "get", refuse)
    html = english(client_for(analyst)).get("/publishing/sandbox/").content.decode()
    assert "TikTok is not a local sandbox here (https://open.tiktokapis.com)." in html


def test_outside_a_sandbox_the_viewer_does_not_exist(client_for, analyst, settings):
    settings.SANDBOX = False
    assert client_for(analyst).get("/publishing/sandbox/").status_code == 404
    assert client_for(analyst).get("/publishing/sandbox/tiktok/v_pub_1/").status_code == 404


# --- The demo loader -----------------------------------------------------------------------------
def test_the_demo_makes_a_sandbox_and_a_second_run_changes_nothing(settings, tmp_path):
    from rich.console import Console

    from quartieri.campaigns import demo as campaigns_demo
    from quartieri.core import demo as core_demo
    from quartieri.publishing import demo

    settings.SANDBOX_MARKER = tmp_path / "sandbox"
    settings.DEMO_SANDBOX = True
    console = Console(file=None, quiet=True)
    core_demo.load(console=console, from_today=True)
    campaigns_demo.load(console=console, from_today=True)
    demo.load(console=console, from_today=True)

    assert settings.SANDBOX_MARKER.is_file()
    credentials = PlatformCredential.objects.select_related("account")
    assert sorted(c.account.handle for c in credentials) == [
        "@comunedimilano",
        "@sindaco.demo",
        "@yesmilano",
        "ComunediMilano",
        "YesMilano",  # connected, then refused by Meta: to reconnect
    ]
    refused = credentials.get(account__handle=demo.EXPIRED_HANDLE)
    assert refused.status == PlatformCredential.Status.RECONNECT_NEEDED
    ig_ids = {c.external_id for c in credentials if c.account.platform == "instagram"}
    assert len(ig_ids) == 2  # the fake tells the two Instagram accounts apart
    # Every scheduled Instagram post now has its picture, and is scheduled again.
    waiting = Variant.objects.filter(account__platform="instagram", status="scheduled").exclude(
        caption=demo.FAILED_POST[3]  # failed earlier today, as the outbox says
    )
    assert waiting.count() == 2
    assert all(variant.media.count() == 1 for variant in waiting)
    assert all(OutboxEntry.objects.get(variant=v).state == State.SCHEDULED for v in waiting)
    live = Variant.objects.get(caption=demo.LIVE_CAPTION)
    assert live.status == Variant.Status.SCHEDULED
    assert live.scheduled_at is not None
    assert timezone.now() < live.scheduled_at <= timezone.now() + dt.timedelta(minutes=1)

    counts = (
        PlatformCredential.objects.count(),
        MediaAsset.objects.count(),
        Variant.objects.count(),
        OutboxEntry.objects.count(),
    )
    demo.load(console=console, from_today=True)
    assert counts == (
        PlatformCredential.objects.count(),
        MediaAsset.objects.count(),
        Variant.objects.count(),
        OutboxEntry.objects.count(),
    )


def test_without_a_sandbox_the_demo_connects_nothing(settings, tmp_path):
    from rich.console import Console

    from quartieri.publishing import demo

    settings.SANDBOX_MARKER = tmp_path / "sandbox"
    settings.DEMO_SANDBOX = False
    ChannelAccount.objects.create(platform="tiktok", handle="@comunedimilano")
    demo.load(console=Console(quiet=True), from_today=False)
    assert not settings.SANDBOX_MARKER.exists()
    assert PlatformCredential.objects.count() == 0


def test_the_sandbox_tiktok_renews_tokens_it_forgot(sandbox):
    # A restarted sandbox does not know the refresh token it rotated before.
    form = {
        "client_key": sandbox.tiktok.client_key,
        "client_secret": sandbox.tiktok.client_secret,
        "grant_type": "refresh_token",
        "refresh_token": "fake-refresh-from-before-the-restart",
    }
    answer = httpx.post(f"{sandbox.tiktok.url}/v2/oauth/token/", data=form)
    assert answer.status_code == 200
    assert answer.json()["refresh_token"] != form["refresh_token"]


# --- `quartieri serve` keeps the sandbox running ----------------------------------------------------
class _Dead:
    def poll(self) -> int:
        return 1


def test_serve_restarts_a_sandbox_that_keeps_dying_less_and_less_often(monkeypatch):
    from quartieri.core.management.commands import serve

    clock = [1000.0]
    started: list[float] = []
    monkeypatch.setattr(serve.time, "monotonic", lambda: clock[0])
    supervisor = serve.Supervisor(web=["web"], worker=["worker"], workers=0, helpers=[["sandbox"]])
    assert supervisor.commands == [["sandbox"]]
    monkeypatch.setattr(supervisor, "_start", lambda command: started.append(clock[0]) or _Dead())
    supervisor.children, supervisor.started = [_Dead()], [clock[0]]  # as run() starts them
    # Its port is taken: it dies at once, every time. Check once a second for a minute.
    for _ in range(60):
        clock[0] += 1
        supervisor._restart_dead_children()
    gaps = [later - earlier for earlier, later in zip([1000.0, *started], started, strict=False)]
    # A second to notice each death, then waits of 1, 2, 4, 8 … seconds: not sixty
    # restarts of a whole Django process in a minute.
    assert gaps[:4] == [2.0, 3.0, 5.0, 9.0]
    assert len(started) < 8
