"""The staff pages: campaigns, and a campaign's variants with their timelines."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from quartieri.campaigns.models import Campaign, Variant
from quartieri.campaigns.selectors import variant_list
from quartieri.campaigns.services import variant_reject
from tests.campaigns.conftest import Unchanged

S = Variant.Status


def test_list_shows_the_campaign(client_for, analyst, campaign):
    response = client_for(analyst).get(reverse("campaigns:campaign_list"))
    assert response.status_code == 200
    assert "Milano quartieri spring-summer 2021" in response.content.decode()


def test_pages_need_sign_in(client, campaign):
    response = client.get(reverse("campaigns:campaign_detail", args=[campaign.slug]))
    assert response.status_code == 302


def test_detail_shows_status_and_timeline(
    client_for, analyst, item, tiktok, editor, approver, make_variant
):
    variant = make_variant(item=item, account=tiktok, by=editor, status=S.IN_REVIEW)
    variant_reject(actor=approver, variant=variant, comment="Add the tour date")
    response = client_for(analyst).get(
        reverse("campaigns:campaign_detail", args=[item.campaign.slug])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Add the tour date" in html
    assert html.count("<li><time") == 3  # create, submit, reject


@pytest.mark.parametrize("count", [1, 12])
def test_variant_list_uses_a_constant_number_of_queries(
    count, item, tiktok, editor, make_variant, django_assert_num_queries
):
    for _number in range(count):
        make_variant(item=item, account=tiktok, by=editor, status=S.IN_REVIEW)
    # one query for variants (with item, account, author), one for transitions (with actor)
    with django_assert_num_queries(2):
        rows = list(variant_list(campaign=item.campaign))
        actors = [step.actor.username for row in rows for step in row.transitions.all()]
    assert (len(rows), len(actors)) == (count, 2 * count)


def test_detail_page_query_count_does_not_grow(
    client_for, analyst, item, tiktok, editor, make_variant, django_assert_max_num_queries
):
    client = client_for(analyst)
    url = reverse("campaigns:campaign_detail", args=[item.campaign.slug])
    make_variant(item=item, account=tiktok, by=editor)
    client.get(url)  # warm the session and user caches
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _number in range(10):
        make_variant(item=item, account=tiktok, by=editor, status=S.IN_REVIEW)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('data-variant="') == 11


def alerts(response) -> list[str]:
    # Staff pages speak Italian by default: the messages are asserted as staff read them.
    return re.findall(r'role="alert">([^<]*)<', response.content.decode())


def _act(client, variant, action, **data):
    return client.post(reverse("campaigns:variant_action", args=[variant.pk, action]), data)


def test_approver_approves_through_the_page(
    client_for, approver, item, tiktok, editor, make_variant
):
    variant = make_variant(item=item, account=tiktok, by=editor, status=S.IN_REVIEW)
    response = _act(client_for(approver), variant, "approve")
    assert response.status_code == 302
    assert Variant.objects.get(pk=variant.pk).status == S.APPROVED


def test_editor_approval_through_the_page_is_refused_with_the_reason(
    client_for, editor, other_editor, item, tiktok, make_variant
):
    variant = make_variant(item=item, account=tiktok, by=other_editor, status=S.IN_REVIEW)
    before = Unchanged(variant)
    response = _act(client_for(editor), variant, "approve")
    before.check()
    assert response.status_code == 302
    followed = client_for(editor).post(
        reverse("campaigns:variant_action", args=[variant.pk, "approve"]), follow=True
    )
    assert alerts(followed) == ["Il tuo ruolo non lo consente (content.approve)."]
    before.check()


def test_analyst_gets_403_from_the_action_url(
    client_for, analyst, item, tiktok, editor, make_variant
):
    variant = make_variant(item=item, account=tiktok, by=editor, status=S.IN_REVIEW)
    before = Unchanged(variant)
    assert _act(client_for(analyst), variant, "approve").status_code == 403
    before.check()


def test_reject_through_the_page_needs_a_comment(
    client_for, approver, item, tiktok, editor, make_variant
):
    variant = make_variant(item=item, account=tiktok, by=editor, status=S.IN_REVIEW)
    before = Unchanged(variant)
    _act(client_for(approver), variant, "reject", comment="")
    before.check()
    _act(client_for(approver), variant, "reject", comment="Più breve")
    assert Variant.objects.get(pk=variant.pk).review_comment == "Più breve"


def test_schedule_through_the_page_on_the_autumn_fold(
    client_for, approver, item, tiktok, editor, make_variant
):
    Campaign.objects.filter(pk=item.campaign_id).update(end_date=dt.date(2021, 11, 30))
    variant = make_variant(item=item, account=tiktok, by=editor, status=S.APPROVED)
    client = client_for(approver)
    before = Unchanged(variant)
    followed = client.post(
        reverse("campaigns:variant_action", args=[variant.pk, "schedule"]),
        {"date": "2021-10-31", "time": "02:30"},
        follow=True,
    )
    assert alerts(followed)[0].startswith("Le 02:30 ricorrono due volte il 2021-10-31")
    before.check()
    _act(client, variant, "schedule", date="2021-10-31", time="02:30", occurrence="second")
    stored = Variant.objects.get(pk=variant.pk).scheduled_at
    assert stored == dt.datetime(2021, 10, 31, 1, 30, tzinfo=dt.UTC)


def test_schedule_through_the_page_moves_out_of_the_spring_gap_with_a_warning(
    client_for, approver, item, tiktok, editor, make_variant
):
    Campaign.objects.filter(pk=item.campaign_id).update(start_date=dt.date(2021, 3, 1))
    variant = make_variant(item=item, account=tiktok, by=editor, status=S.APPROVED)
    followed = client_for(approver).post(
        reverse("campaigns:variant_action", args=[variant.pk, "schedule"]),
        {"date": "2021-03-28", "time": "02:30", "move_if_missing": "on"},
        follow=True,
    )
    assert alerts(followed)[0].endswith("spostato alle 03:00 (+02:00).")
    stored = Variant.objects.get(pk=variant.pk).scheduled_at
    assert stored == dt.datetime(2021, 3, 28, 1, 0, tzinfo=dt.UTC)


def _buttons(response, variant) -> list[str]:
    html = response.content.decode()
    row = html[html.index(f'id="variant-{variant.pk}"') :]
    row = row[: row.index("</tr>")]
    return re.findall(r'action="/campaigns/variants/\d+/(\w+)/"', row)


def test_page_offers_only_the_steps_the_person_may_take(
    client_for, editor, approver, analyst, item, tiktok, mayor_instagram, mayor, make_variant
):
    mine = make_variant(item=item, account=tiktok, by=editor)
    review = make_variant(item=item, account=tiktok, by=editor, status=S.IN_REVIEW)
    own_review = make_variant(item=item, account=tiktok, by=approver, status=S.IN_REVIEW)
    personal = make_variant(
        item=item, account=mayor_instagram, by=mayor, status=S.IN_REVIEW, reviewer=mayor
    )
    url = reverse("campaigns:campaign_detail", args=[item.campaign.slug])
    as_editor = client_for(editor).get(url)
    assert _buttons(as_editor, mine) == ["submit"]
    assert _buttons(as_editor, review) == []  # editors do not review
    as_approver = client_for(approver).get(url)
    assert _buttons(as_approver, review) == ["approve", "reject"]
    assert _buttons(as_approver, own_review) == []  # four eyes
    assert _buttons(as_approver, personal) == []  # the mayor's own account
    assert _buttons(client_for(mayor).get(url), personal) == ["approve", "reject"]
    assert "/campaigns/variants/" not in client_for(analyst).get(url).content.decode()
