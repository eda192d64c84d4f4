"""The staff pages of publishing: the outbox list and a post's page, the accounts' health,
the dashboard card and the menu. Reads only: the buttons are tested in test_recovery.py."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quartieri.accounts.models import User
from quartieri.accounts.services import audit_record
from quartieri.campaigns.models import Campaign, ContentItem, Transition, Variant
from quartieri.channels.connectors.base import TokenSet
from quartieri.channels.models import AccountGrant, AccountState, ChannelAccount, PlatformCredential
from quartieri.channels.services import credential_mark_reconnect_needed, credential_store
from quartieri.core.workers import heartbeat_beat
from quartieri.publishing.models import OutboxEntry

pytestmark = pytest.mark.django_db
State = OutboxEntry.State
DUE = dt.datetime(2021, 5, 15, 8, 0, tzinfo=dt.UTC)  # 10:00 in Milan (CEST)


@pytest.fixture(autouse=True)
def _not_a_sandbox(settings: Any) -> None:
    settings.SANDBOX = False


def english(client: Client) -> Client:
    # Staff pages speak Italian by default; these tests read the English msgids.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def other_item(db: None) -> ContentItem:
    campaign = Campaign.objects.create(
        name="Natale 2021",
        slug="natale-2021",
        start_date=dt.date(2021, 12, 1),
        end_date=dt.date(2021, 12, 31),
    )
    return ContentItem.objects.create(campaign=campaign, title="Luci in Brera")


def account(platform: str, handle: str, *, publisher: User | None = None) -> ChannelAccount:
    created = ChannelAccount.objects.create(platform=platform, handle=handle)
    if publisher is not None:
        AccountGrant.objects.create(account=created, user=publisher, can_publish=True)
    return created


def entry(item: ContentItem, on: ChannelAccount, state: str, **fields: Any) -> OutboxEntry:
    variant = Variant.objects.create(
        content_item=item,
        account=on,
        post_type="feed",
        caption=f"{item.title} on {on.handle}",
        status=Variant.Status.PUBLISHED if state == State.PUBLISHED else Variant.Status.SCHEDULED,
        scheduled_at=fields.get("due_at", DUE),
    )
    return OutboxEntry.objects.create(
        variant=variant, account=on, state=state, **({"due_at": DUE} | fields)
    )


@pytest.fixture
def page_account(approver: User) -> ChannelAccount:
    return account("facebook", "ComunediMilano", publisher=approver)


# --- The outbox list ------------------------------------------------------------------------
def rows(response: Any) -> list[str]:
    return re.findall(r'data-entry="(\d+)" data-state="(\w+)"', response.content.decode())


def test_the_outbox_shows_each_post_with_its_state_error_and_link(
    client_for, analyst, item, page_account
):
    failed = entry(
        item,
        page_account,
        State.FAILED,
        last_error="Facebook could not read the link in the post. Check that the link opens "
        "in a browser, then schedule the post again.",
        attempts=1,
    )
    out = entry(
        item,
        page_account,
        State.PUBLISHED,
        due_at=DUE + dt.timedelta(days=1),
        permalink="https://www.facebook.com/104/posts/1",
        platform_post_id="104_1",
    )
    response = english(client_for(analyst)).get("/publishing/")
    html = response.content.decode()
    assert response.status_code == 200
    assert rows(response) == [(str(out.pk), "published"), (str(failed.pk), "failed")]
    assert "Facebook could not read the link in the post. Check that the link opens" in html
    assert "Not published, and not on the platform." in html  # what the state means
    assert '<time datetime="2021-05-15T10:00:00+02:00">15 May 2021 10:00</time>' in html
    assert 'href="https://www.facebook.com/104/posts/1"' in html
    # An analyst sees everything and may press nothing.
    assert "retry-form" not in html
    assert "reconcile-form" not in html


def test_the_outbox_filters_by_campaign_account_and_state(
    client_for, analyst, item, other_item, page_account
):
    tiktok = account("tiktok", "@comunedimilano")
    a = entry(item, page_account, State.FAILED)
    b = entry(item, tiktok, State.SCHEDULED)
    c = entry(other_item, page_account, State.SCHEDULED)
    client = english(client_for(analyst))

    def shown(**query: Any) -> set[str]:
        return {pk for pk, _state in rows(client.get("/publishing/", query))}

    assert shown() == {str(a.pk), str(b.pk), str(c.pk)}
    assert shown(campaign=item.campaign_id) == {str(a.pk), str(b.pk)}
    assert shown(account=page_account.pk) == {str(a.pk), str(c.pk)}
    assert shown(state="scheduled", account=page_account.pk) == {str(c.pk)}
    # A value that is not a choice is ignored rather than failing the page.
    assert shown(state="exploded") == {str(a.pk), str(b.pk), str(c.pk)}


def test_the_outbox_pages_run_a_constant_number_of_queries(
    client_for, approver, item, page_account, django_assert_num_queries
):
    client = english(client_for(approver))
    entry(item, page_account, State.FAILED)
    client.get("/publishing/")  # warm the session and the caches
    with CaptureQueriesContext(connection) as one:
        client.get("/publishing/")
    for day in range(1, 60):
        # Accounts where Giulia may publish: every row shows its "check" button.
        entry(
            item,
            account("tiktok", f"@a{day}", publisher=approver),
            State.UNCONFIRMED,
            due_at=DUE + dt.timedelta(days=day),
        )
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get("/publishing/")
    assert len(rows(response)) == 50  # a page
    page_two = client.get("/publishing/", {"page": 2})
    assert len(rows(page_two)) == 10


# --- Late posts and stopped workers ----------------------------------------------------------
def late_rows(response: Any) -> list[str]:
    return re.findall(r'data-entry="(\d+)" data-state="\w+" data-late', response.content.decode())


def test_a_post_past_its_time_is_marked_late_and_can_be_listed_alone(
    client_for, analyst, item, page_account
):
    heartbeat_beat(worker_ids=["w1"], started_at=timezone.now())
    now = timezone.now()
    late = entry(item, page_account, State.SCHEDULED, due_at=now - dt.timedelta(minutes=20))
    entry(item, page_account, State.SCHEDULED, due_at=now - dt.timedelta(minutes=1))  # just due
    entry(item, page_account, State.SCHEDULED, due_at=now + dt.timedelta(hours=2))
    entry(item, page_account, State.FAILED, due_at=now - dt.timedelta(hours=2))
    client = english(client_for(analyst))

    response = client.get("/publishing/")
    html = response.content.decode()
    assert late_rows(response) == [str(late.pk)]
    assert "1 scheduled post is late" in html
    assert 'data-testid="no-worker"' not in html  # a worker is running
    assert "Late: its time has passed and it has not been sent." in html
    assert rows(client.get("/publishing/", {"state": "late"})) == [(str(late.pk), "scheduled")]
    page = client.get(f"/publishing/{late.pk}/").content.decode()
    assert 'data-testid="late"' in page
    assert "1 scheduled post is late" in page


def test_the_outbox_says_when_no_worker_is_running_to_send_what_waits(
    client_for, analyst, item, page_account
):
    client = english(client_for(analyst))
    entry(item, page_account, State.PUBLISHED)
    assert 'data-testid="no-worker"' not in client.get("/publishing/").content.decode()

    entry(item, page_account, State.SCHEDULED, due_at=timezone.now() + dt.timedelta(hours=1))
    html = client.get("/publishing/").content.decode()
    assert "No worker is running, so nothing in the outbox is being published." in html

    heartbeat_beat(worker_ids=["w1"], started_at=timezone.now())
    assert 'data-testid="no-worker"' not in client.get("/publishing/").content.decode()


# --- One post -------------------------------------------------------------------------------
def test_a_posts_page_tells_its_history_in_order(client_for, approver, item, page_account):
    sent = timezone.now() - dt.timedelta(minutes=5)
    one = entry(
        item,
        page_account,
        State.PUBLISHED,
        sent_at=sent,
        published_at=sent + dt.timedelta(seconds=3),
    )
    Transition.objects.create(
        variant=one.variant,
        action="schedule",
        from_status="approved",
        to_status="scheduled",
        actor=approver,
        at=sent - dt.timedelta(days=1),
    )
    OutboxEntry.objects.filter(pk=one.pk).update(created_at=sent - dt.timedelta(hours=1))
    audit_record(actor=approver, action="publishing.outbox.retry", target=one)
    response = english(client_for(approver)).get(f"/publishing/{one.pk}/")
    html = response.content.decode()
    history = re.findall(
        r'<th scope="row">([^<]+)</th>', html.split('data-testid="entry-history"')[1]
    )
    assert history == [
        "Scheduled",
        "Put in the outbox",
        "Last sent to the platform",
        "Confirmed published",
        "Sent again (retry) by a person",
    ]
    assert "giulia" in html
    assert "retry-form" not in html  # published: nothing to press


def test_the_retry_button_shows_only_to_who_may_publish_on_the_account(
    client_for, approver, editor, item, page_account
):
    AccountGrant.objects.create(account=page_account, user=editor, can_draft=True)
    failed = entry(item, page_account, State.FAILED)
    unconfirmed = entry(item, page_account, State.UNCONFIRMED)
    mine = english(client_for(approver)).get(f"/publishing/{failed.pk}/").content.decode()
    theirs = english(client_for(editor)).get(f"/publishing/{failed.pk}/").content.decode()
    assert 'data-testid="retry-form"' in mine
    assert 'data-testid="retry-form"' not in theirs
    check = english(client_for(approver)).get(f"/publishing/{unconfirmed.pk}/").content.decode()
    assert 'data-testid="reconcile-form"' in check
    assert 'data-testid="retry-form"' not in check


def test_a_variant_links_to_its_outbox_entry(client_for, analyst, item, page_account):
    one = entry(item, page_account, State.SCHEDULED)
    detail = english(client_for(analyst)).get(f"/campaigns/{item.campaign.slug}/")
    assert f'href="/publishing/variants/{one.variant_id}/"' in detail.content.decode()
    response = client_for(analyst).get(f"/publishing/variants/{one.variant_id}/")
    assert response.status_code == 302
    assert response["Location"] == f"/publishing/{one.pk}/"

    draft = Variant.objects.create(
        content_item=item, account=page_account, post_type="feed", caption="not yet"
    )
    response = english(client_for(analyst)).get(f"/publishing/variants/{draft.pk}/", follow=True)
    assert "This post is not in the outbox: it was never scheduled." in response.content.decode()


# --- Account health -----------------------------------------------------------------------------
def test_the_health_page_says_what_may_stop_each_account(
    client_for, approver, item, page_account, monkeypatch
):
    now = timezone.now()
    tiktok = account("tiktok", "@comunedimilano")
    instagram = account("instagram", "@yesmilano")
    account("instagram", "@nobody")  # never connected
    credential_store(
        actor=None,
        account=tiktok,
        tokens=TokenSet.from_response(
            access_token="a", refresh_token="r", expires_in=7200, refresh_expires_in=15_552_000
        ),
    )
    AccountState.objects.create(
        account=tiktok,
        paused_until=now + dt.timedelta(minutes=30),
        last_error="rate limited (account): spam_risk_too_many_posts",
    )
    credential_store(actor=None, account=instagram, tokens=TokenSet(access_token="b"))
    credential = credential_store(
        actor=None, account=page_account, tokens=TokenSet(access_token="c")
    )
    credential_mark_reconnect_needed(actor=None, credential_id=credential.pk, reason="code 190")
    for hours in (1, 23):
        entry(item, instagram, State.PUBLISHED, published_at=now - dt.timedelta(hours=hours))
    entry(item, instagram, State.PUBLISHED, published_at=now - dt.timedelta(hours=25))

    def no_platform(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the health page called a platform")

    monkeypatch.setattr(httpx.Client, "send", no_platform)
    client = english(client_for(approver))
    html = client.get("/publishing/health/").content.decode()

    table = html.split('data-testid="account-health"')[1]
    assert re.findall(r'data-connection="(\w+)"', table) == [
        "reconnect_needed",  # facebook ComunediMilano
        "not_connected",  # instagram @nobody
        "connected",  # instagram @yesmilano
        "connected",  # tiktok
    ]
    assert "code 190" in html
    assert f'href="/publishing/connect/{page_account.pk}/"' in html  # approver may reconnect
    expires = timezone.localtime(PlatformCredential.objects.get(account=tiktok).expires_at)
    assert f"{expires:%d %b %Y %H:%M}".lstrip("0") in html
    assert "Paused until" in html
    assert "spam_risk_too_many_posts" in html
    # Instagram's own count was never read (no publish yet): said so, and our own count
    assert "Not read from the platform yet" in html
    assert "Quartieri's own count: 2" in html  # our posts in the last 24 hours
    assert "0 (no documented limit)" in html  # TikTok and Facebook
    assert "does not publish the number" in html  # TikTok's cap, in words


def quota_cells(html: str) -> dict[str, str]:
    """The quota cell of each account row, by account id, tags and spaces squeezed."""
    cells = re.findall(
        r'<tr data-account="(\d+)".*?<td data-testid="quota">(.*?)</td>', html, flags=re.S
    )
    return {pk: " ".join(re.sub(r"<[^>]+>", " ", cell).split()) for pk, cell in cells}


def test_the_health_page_shows_instagrams_own_quota_as_last_read(client_for, approver, item):
    # given one Instagram account whose quota the connector read, one never read
    now = timezone.now()
    read = account("instagram", "@yesmilano")
    unread = account("instagram", "@nobody")
    read_at = dt.datetime(2021, 5, 15, 8, 5, tzinfo=dt.UTC)  # 10:05 in Milan
    AccountState.objects.create(account=read, quota_usage=7, quota_total=50, quota_read_at=read_at)
    entry(item, read, State.PUBLISHED, published_at=now - dt.timedelta(hours=1))

    # when
    html = english(client_for(approver)).get("/publishing/health/").content.decode()

    # then Instagram's figure first, quartieri's own 24-hour count second
    cells = quota_cells(html)
    assert cells[str(read.pk)] == (
        "7 of 50 used, 43 left (read at 15 May 2021 10:05) Quartieri's own count: 1"
    )
    assert cells[str(unread.pk)] == (
        "Not read from the platform yet (it is read before each post). Quartieri's own count: 0"
    )
    assert "includes posts made outside quartieri" in html  # the note says what it counts


def test_the_health_page_runs_a_constant_number_of_queries(
    client_for, approver, django_assert_max_num_queries
):
    client = english(client_for(approver))
    account("tiktok", "@one")
    client.get("/publishing/health/")
    with CaptureQueriesContext(connection) as one:
        client.get("/publishing/health/")
    for n in range(10):
        created = account("instagram", f"@ig{n}")
        credential_store(actor=None, account=created, tokens=TokenSet(access_token=f"t{n}"))
        AccountState.objects.create(
            account=created,
            last_error="x",
            quota_usage=n,
            quota_total=50,
            quota_read_at=timezone.now(),
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get("/publishing/health/")


# --- Dashboard and menu ---------------------------------------------------------------------------
def test_the_home_dashboard_counts_what_needs_a_person(client_for, analyst, item, page_account):
    entry(item, page_account, State.FAILED)
    entry(item, page_account, State.UNCONFIRMED)
    entry(item, page_account, State.SCHEDULED)
    html = english(client_for(analyst)).get("/").content.decode()
    card = html.split(">Publishing</h2>")[1].split("</dl>")[0]
    figures = dict(re.findall(r"<dt[^>]*>([^<]+)</dt><dd[^>]*>(\d+)</dd>", card))
    assert figures == {
        "On their way": "1",
        "Published": "0",
        "Need attention": "2",
        "Accounts to reconnect": "0",
    }


def test_the_menu_has_the_outbox_and_the_sandbox_only_in_a_sandbox(client_for, analyst, settings):
    client = english(client_for(analyst))
    html = client.get("/").content.decode()
    assert 'href="/publishing/"' in html
    assert 'href="/publishing/health/"' in html
    assert 'href="/publishing/sandbox/"' not in html
    assert client.get("/publishing/sandbox/").status_code == 404
    settings.SANDBOX = True
    assert 'href="/publishing/sandbox/"' in client.get("/").content.decode()
