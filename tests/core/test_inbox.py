"""The "To do" inbox: each person finds what waits for them, and only that; the menu
counts it on every page at a cost that does not grow with the data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from quartieri.accounts.roles import Role
from quartieri.campaigns.models import Campaign, ContentItem
from quartieri.campaigns.services import (
    variant_approve,
    variant_create,
    variant_reject,
    variant_submit,
)
from quartieri.channels.models import AccountGrant, AccountState, ChannelAccount
from quartieri.channels.registry import Platform
from quartieri.core.todo import inbox_sections, inbox_total
from quartieri.publishing.models import OutboxEntry
from tests.conftest import make_person


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def campaign(db):
    today = timezone.localdate()
    return Campaign.objects.create(
        name="Quartieri now",
        slug="quartieri-now",
        start_date=today - dt.timedelta(days=1),
        end_date=today + dt.timedelta(days=30),
    )


@pytest.fixture
def item(campaign, editor):
    return ContentItem.objects.create(campaign=campaign, title="Isola", created_by=editor)


@pytest.fixture
def page_account(editor, other_editor, approver):
    account = ChannelAccount.objects.create(platform=Platform.FACEBOOK, handle="ComunediMilano")
    AccountGrant.objects.create(account=account, user=editor, can_draft=True)
    AccountGrant.objects.create(account=account, user=other_editor, can_draft=True)
    AccountGrant.objects.create(
        account=account, user=approver, can_draft=True, can_approve=True, can_publish=True
    )
    return account


def submitted(item, account, author, caption="Isola: workshops open their doors."):
    variant = variant_create(
        actor=author, content_item=item, account=account, post_type="feed", caption=caption
    )
    return variant_submit(actor=author, variant=variant)


def slugs(user):
    return {section.kind.slug: section.count for section in inbox_sections(user=user)}


def test_the_approver_finds_a_post_to_review_and_nobody_else_does(
    item, page_account, editor, approver, client_for
):
    variant = submitted(item, page_account, editor)
    ungranted = make_person("paola", Role.APPROVER)
    assert slugs(approver)["to-review"] == 1
    assert slugs(ungranted)["to-review"] == 0  # no grant on the account
    assert "to-review" not in slugs(editor)  # an editor's role never approves
    page = client_for(approver).get("/todo/")
    assert page.status_code == 200
    # The entry opens the review page (preview, comments, approve), not the campaign table.
    assert f'href="/campaigns/variants/{variant.pk}/review/"' in page.text
    assert 'data-testid="inbox-count">1<' in page.text


def test_four_eyes_keep_ones_own_post_out_of_ones_review_queue(item, page_account, approver):
    submitted(item, page_account, approver)
    assert slugs(approver)["to-review"] == 0


def test_a_rejected_post_waits_for_its_author_with_the_comment_until_resubmitted(
    item, page_account, editor, other_editor, approver, client_for
):
    variant = submitted(item, page_account, editor)
    variant = variant_reject(actor=approver, variant=variant, comment="Add the tram line.")
    assert slugs(editor)["sent-back"] == 1
    assert slugs(other_editor)["sent-back"] == 0
    assert slugs(approver)["to-review"] == 0
    assert "Add the tram line." in client_for(editor).get("/todo/").text
    variant_submit(actor=editor, variant=variant)
    assert slugs(editor)["sent-back"] == 0
    assert slugs(approver)["to-review"] == 1


def test_approved_posts_wait_for_a_date_only_while_their_campaign_runs(
    item, page_account, editor, approver, campaign
):
    variant_approve(actor=approver, variant=submitted(item, page_account, editor))
    assert slugs(approver)["to-schedule"] == 1
    assert slugs(editor)["to-schedule"] == 0  # no grant to publish on the page
    campaign.end_date = timezone.localdate() - dt.timedelta(days=1)
    campaign.start_date = campaign.end_date - dt.timedelta(days=5)
    campaign.save()
    assert slugs(approver)["to-schedule"] == 0


def test_failed_posts_and_accounts_to_reconnect_wait_for_who_may_publish(
    item, page_account, editor, approver, admin_user
):
    variant = variant_approve(actor=approver, variant=submitted(item, page_account, editor))
    OutboxEntry.objects.create(
        variant=variant,
        account=page_account,
        due_at=timezone.now(),
        state=OutboxEntry.State.FAILED,
        last_error="The platform refused the image.",
    )
    AccountState.objects.create(account=page_account, reconnect_needed=True)
    assert slugs(approver)["posts-in-trouble"] == 1
    assert slugs(approver)["accounts-to-reconnect"] == 1
    assert slugs(editor)["posts-in-trouble"] == 0
    assert slugs(editor)["accounts-to-reconnect"] == 0
    # An administrator may connect any account (publishing/oauth.py), grants or not.
    assert slugs(admin_user)["accounts-to-reconnect"] == 1


def test_an_analyst_has_no_queue_and_the_menu_costs_no_query_for_it(analyst, client_for):
    assert inbox_sections(user=analyst) == []
    with CaptureQueriesContext(connection) as queries:
        assert inbox_total(user=analyst) == 0
    assert len(queries.captured_queries) == 0
    page = client_for(analyst).get("/todo/", headers={"accept-language": "en"})
    assert "no queue of its own" in page.text
    assert 'data-testid="inbox-count"' not in page.text


def test_the_menu_count_costs_the_same_queries_whatever_is_waiting(
    item, page_account, editor, approver, client_for, django_assert_num_queries
):
    submitted(item, page_account, editor)
    client = client_for(approver)
    with CaptureQueriesContext(connection) as one:
        client.get("/campaigns/")
    for n in range(5):
        submitted(item, page_account, editor, caption=f"Isola, post {n}")
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get("/campaigns/")
    assert 'data-testid="inbox-count">6<' in page.text


def test_the_menu_counts_every_kind_in_one_query(item, page_account, editor, approver, admin_user):
    # Given work of three kinds for the approver: a post to review, a failed post and an
    # account to reconnect.
    variant = variant_approve(actor=approver, variant=submitted(item, page_account, editor))
    submitted(item, page_account, editor, caption="Isola, to review")
    OutboxEntry.objects.create(
        variant=variant,
        account=page_account,
        due_at=timezone.now(),
        state=OutboxEntry.State.FAILED,
        last_error="The platform refused the image.",
    )
    AccountState.objects.create(account=page_account, reconnect_needed=True)
    expected = sum(section.count for section in inbox_sections(user=approver))
    assert expected >= 3
    # Then the menu's total is that sum, counted in one query.
    with CaptureQueriesContext(connection) as queries:
        assert inbox_total(user=approver) == expected
    assert len(queries.captured_queries) == 1
