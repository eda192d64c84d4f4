"""The REST API at /api/v1/: token auth, reads with filters, writes through the services
with the same permission checks as the web, and denials that change nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from quartieri.accounts.models import AuditEvent, User
from quartieri.campaigns.models import ApiToken, Campaign, ContentItem, Transition, Variant
from quartieri.campaigns.services import api_token_create
from quartieri.channels.models import ChannelAccount
from tests.campaigns.conftest import API, Api, Unchanged, added_length, fit_media


@pytest.fixture
def api_for(db: None) -> Callable[[User], Api]:
    return Api


# ------------------------------------------------------------------------- authentication


@pytest.mark.django_db
def test_without_a_valid_token_every_call_is_401_but_the_schema_is_public():
    assert Api(None).get("/variants").status_code == 401
    assert Api(None, token="not-a-token").get("/campaigns").status_code == 401
    response = Api(None).post("/content-items", {"campaign": "x", "title": "x"})
    assert response.status_code == 401
    assert ContentItem.objects.count() == 0
    schema = Client().get(API + "/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/variants/{pk}/schedule" in schema.json()["paths"]


@pytest.mark.django_db
def test_the_docs_page_is_public_and_needs_no_cdn_nor_inline_script():
    response = Client().get(API + "/docs", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "/api/v1/variants/{pk}/schedule" in page
    assert "/api/v1/openapi.json" in page
    assert "cdn." not in page
    assert "<script>" not in page


def test_a_token_is_stored_only_as_its_sha256_and_notes_its_last_use(editor, campaign):
    row, token = api_token_create(actor=None, user=editor, name="agency scheduler")
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert row.last_used_at is None
    assert Api(editor, token=token).get("/campaigns").status_code == 200
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_a_deactivated_user_s_token_stops_working(editor, campaign):
    _row, token = api_token_create(actor=None, user=editor, name="t")
    editor.is_active = False
    editor.save()
    assert Api(None, token=token).get("/campaigns").status_code == 401


def test_the_command_prints_a_working_token_once(editor, campaign, capsys):
    call_command("api-token", "create", "marco", "--name", "planning sheet")
    token = capsys.readouterr().out.strip()
    row = ApiToken.objects.get()
    assert (row.user, row.name) == (editor, "planning sheet")
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert Api(None, token=token).get("/campaigns").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "named"),
    [(["nobody", "--name", "x"], "nobody"), (["marco", "--name", "  "], "--name")],
)
def test_the_command_refuses_bad_input_with_status_2(editor, args, named):
    with pytest.raises(CommandError) as refused:
        call_command("api-token", "create", *args)
    assert refused.value.returncode == 2
    assert named in str(refused.value)
    assert ApiToken.objects.count() == 0


# ------------------------------------------------------------------------- reads


def test_campaigns_and_content_items_read(api_for, analyst, campaign, item):
    api = api_for(analyst)
    listed = api.get("/campaigns").json()
    assert listed["count"] == 1
    assert listed["items"][0]["slug"] == campaign.slug
    assert api.get(f"/campaigns/{campaign.slug}").json()["name"] == campaign.name
    assert api.get("/campaigns/nope").status_code == 404
    items = api.get("/content-items", campaign=campaign.slug).json()
    assert [row["title"] for row in items["items"]] == [item.title]
    assert api.get(f"/content-items/{item.pk}").json()["campaign"] == campaign.slug


def test_variants_filter_by_campaign_account_platform_status(
    api_for, analyst, editor, item, tiktok, instagram, make_variant
):
    draft = make_variant(item=item, account=tiktok, by=editor)
    scheduled = make_variant(item=item, account=instagram, by=editor, status="scheduled")
    api = api_for(analyst)

    def ids(**params: Any) -> list[int]:
        return [row["id"] for row in api.get("/variants", **params).json()["items"]]

    assert sorted(ids()) == sorted([draft.pk, scheduled.pk])
    assert ids(platform="tiktok") == [draft.pk]
    assert ids(account=instagram.pk) == [scheduled.pk]
    assert ids(status="scheduled") == [scheduled.pk]
    assert ids(campaign="other") == []
    assert ids(neighbourhood="baggio") == []  # the item has no neighbourhood
    row = api.get(f"/variants/{scheduled.pk}").json()
    assert row["account"] == {
        "id": instagram.pk,
        "platform": "instagram",
        "handle": "@yesmilano",
        "kind": "institutional",
    }
    assert row["scheduled_local"] == "2021-05-15T10:00:00+02:00"
    assert api.get("/variants", status="nonsense").status_code == 422


def test_variants_are_paginated(api_for, analyst, editor, item, tiktok, make_variant):
    for _ in range(3):
        make_variant(item=item, account=tiktok, by=editor)
    page = api_for(analyst).get("/variants", limit=2, offset=2).json()
    assert page["count"] == 3
    assert len(page["items"]) == 1


@pytest.mark.parametrize("how_many", [1, 20])
def test_variant_list_uses_a_constant_number_of_queries(
    api_for, analyst, editor, item, tiktok, make_variant, django_assert_num_queries, how_many
):
    for _ in range(how_many):
        make_variant(item=item, account=tiktok, by=editor)
    api = api_for(analyst)
    # token lookup, last_used_at update, count, one joined page, the page's media ids:
    # 5 whatever the number.
    with django_assert_num_queries(5):
        response = api.get("/variants", limit=50)
    assert len(response.json()["items"]) == how_many


def test_calendar_lists_scheduled_variants_in_a_range_of_rome_days(
    api_for, analyst, editor, item, tiktok, instagram, make_variant
):
    scheduled = make_variant(item=item, account=instagram, by=editor, status="scheduled")
    make_variant(item=item, account=tiktok, by=editor, status="approved")
    api = api_for(analyst)
    day = api.get("/calendar", start="2021-05-15", end="2021-05-15").json()
    assert [row["id"] for row in day] == [scheduled.pk]
    assert api.get("/calendar", start="2021-05-16", end="2021-05-20").json() == []
    backwards = api.get("/calendar", start="2021-05-16", end="2021-05-15")
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "end"


# ------------------------------------------------------------------------- writes


def test_an_editor_drafts_an_item_and_a_variant_through_the_services(
    api_for, editor, campaign, tiktok
):
    api = api_for(editor)
    created = api.post("/content-items", {"campaign": campaign.slug, "title": "Corvetto"})
    assert created.status_code == 201
    item_id = created.json()["id"]
    assert AuditEvent.objects.filter(action="campaigns.item.create").count() == 1
    response = api.post(
        "/variants",
        {
            "content_item": item_id,
            "account": tiktok.pk,
            "post_type": "video",
            "caption": "Corvetto, slow",
            "hashtags": ["quartieri"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["hashtags"], body["tiktok_privacy_level"]) == (
        "draft",
        ["quartieri"],
        "",
    )
    variant = Variant.objects.get(pk=body["id"])
    assert variant.drafted_by == editor
    assert Transition.objects.filter(variant=variant, action="create").exists()


def test_grants_apply_per_account_with_the_service_s_reason(api_for, editor, item, mayor_instagram):
    response = api_for(editor).post(
        "/variants",
        {"content_item": item.pk, "account": mayor_instagram.pk, "post_type": "feed"},
    )
    assert response.status_code == 403
    assert "personal account" in response.json()["detail"]
    assert Variant.objects.count() == 0


def test_the_full_workflow_over_the_api(api_for, editor, approver, item, tiktok, campaign):
    campaign.end_date = dt.date(2021, 11, 30)
    campaign.save()
    drafted = api_for(editor).post(
        "/variants",
        {"content_item": item.pk, "account": tiktok.pk, "post_type": "video", "caption": "x"},
    )
    pk = drafted.json()["id"]
    editor_api, approver_api = api_for(editor), api_for(approver)
    patched = editor_api.patch(f"/variants/{pk}", {"tiktok_privacy_level": "SELF_ONLY"})
    assert patched.json()["tiktok_privacy_level"] == "SELF_ONLY"
    video = fit_media(item, "video")
    attached = editor_api.post(f"/variants/{pk}/media", {"media": [video.pk]})
    assert attached.json()["media"] == [video.pk]
    assert editor_api.post(f"/variants/{pk}/submit").json()["status"] == "in_review"
    # The editor has no APPROVE capability: 403 with the reason, nothing moved.
    refused = editor_api.post(f"/variants/{pk}/approve")
    assert refused.status_code == 403
    assert "content.approve" in refused.json()["detail"]
    assert Variant.objects.get(pk=pk).status == "in_review"
    assert approver_api.post(f"/variants/{pk}/approve").json()["status"] == "approved"
    # 31 October 2021, 02:30 happens twice in Rome: the API refuses to guess.
    ambiguous = approver_api.post(
        f"/variants/{pk}/schedule", {"date": "2021-10-31", "time": "02:30"}
    )
    assert ambiguous.status_code == 422
    assert ambiguous.json()["errors"][0]["field"] == "time"
    assert "+02:00" in ambiguous.json()["detail"]
    assert "+01:00" in ambiguous.json()["detail"]
    scheduled = approver_api.post(
        f"/variants/{pk}/schedule", {"date": "2021-10-31", "time": "02:30", "fold": "second"}
    ).json()
    assert scheduled["variant"]["status"] == "scheduled"
    assert scheduled["variant"]["scheduled_local"] == "2021-10-31T02:30:00+01:00"
    assert Variant.objects.get(pk=pk).scheduled_at == dt.datetime(
        2021, 10, 31, 1, 30, tzinfo=dt.UTC
    )


def test_spring_gap_is_refused_or_moved_with_a_warning(
    api_for, editor, approver, item, tiktok, campaign, make_variant
):
    campaign.start_date = dt.date(2021, 3, 1)
    campaign.save()
    variant = make_variant(item=item, account=tiktok, by=editor, status="approved")
    api = api_for(approver)
    body = {"date": "2021-03-28", "time": "02:30"}
    assert api.post(f"/variants/{variant.pk}/schedule", body).status_code == 422
    moved = api.post(f"/variants/{variant.pk}/schedule", body | {"gap": "next_valid"}).json()
    assert moved["variant"]["scheduled_local"] == "2021-03-28T03:00:00+02:00"
    assert "does not exist" in moved["warning"]


def test_approving_a_variant_that_breaks_a_rule_names_field_limit_and_actual(
    api_for, editor, approver, item, tiktok, make_variant
):
    # given a variant in review whose caption grew behind the workflow's back (an admin)
    variant = make_variant(item=item, account=tiktok, by=editor, status="in_review")
    room = 2200 - added_length(tiktok)  # the outbox's marker line takes the rest
    Variant.objects.filter(pk=variant.pk).update(caption="x" * (room + 1))
    response = api_for(approver).post(f"/variants/{variant.pk}/approve")
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "caption"
    assert (error["limit"], error["actual"]) == (f"{room:,}", f"{room + 1:,}")
    assert Variant.objects.get(pk=variant.pk).status == "in_review"


def test_four_eyes_and_a_rejection_needs_a_comment(
    api_for, editor, approver, item, tiktok, make_variant
):
    own = make_variant(item=item, account=tiktok, by=approver, status="in_review")
    theirs = make_variant(item=item, account=tiktok, by=editor, status="in_review")
    api = api_for(approver)
    watch_own, watch_theirs = Unchanged(own), Unchanged(theirs)
    response = api.post(f"/variants/{own.pk}/approve")
    assert response.status_code == 403
    assert "someone else" in response.json()["detail"]
    assert api.post(f"/variants/{own.pk}/reject", {"comment": "mine"}).status_code == 403
    for blank in ("", "   "):
        refused = api.post(f"/variants/{theirs.pk}/reject", {"comment": blank})
        assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "comment"
    watch_own.check()
    watch_theirs.check()


def test_reject_sends_back_to_draft_with_the_comment(
    api_for, editor, approver, item, tiktok, make_variant
):
    variant = make_variant(item=item, account=tiktok, by=editor, status="in_review")
    body = api_for(approver).post(f"/variants/{variant.pk}/reject", {"comment": "Shorter"}).json()
    assert (body["status"], body["review_comment"]) == ("draft", "Shorter")


def test_invalid_input_is_422_with_the_field(api_for, editor, item, tiktok):
    api = api_for(editor)
    response = api.post(
        "/variants",
        {"content_item": item.pk, "account": tiktok.pk, "post_type": "video", "link": "nope"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "link"
    missing = api.post("/variants", {"content_item": item.pk})
    assert missing.status_code == 422
    assert {error["field"] for error in missing.json()["errors"]} >= {
        "body.payload.account",
        "body.payload.post_type",
    }
    assert Variant.objects.count() == 0


# ------------------------------------------------------------------------- the analyst


def test_the_analyst_reads_everything_and_changes_nothing(
    api_for, analyst, editor, item, tiktok, campaign, make_variant
):
    # A mistaken full grant must not matter: the role has no write capability.
    tiktok.grants.create(user=analyst, can_draft=True, can_approve=True, can_publish=True)
    variant = make_variant(item=item, account=tiktok, by=editor, status="in_review")
    api = api_for(analyst)
    assert api.get(f"/variants/{variant.pk}").status_code == 200
    watch = Unchanged(variant)
    items = ContentItem.objects.count()
    caption = variant.caption
    attempts = [
        api.post("/content-items", {"campaign": campaign.slug, "title": "Analyst idea"}),
        api.post(
            "/variants", {"content_item": item.pk, "account": tiktok.pk, "post_type": "video"}
        ),
        api.patch(f"/variants/{variant.pk}", {"caption": "changed"}),
        api.post(f"/variants/{variant.pk}/submit"),
        api.post(f"/variants/{variant.pk}/approve"),
        api.post(f"/variants/{variant.pk}/reject", {"comment": "no"}),
        api.post(f"/variants/{variant.pk}/schedule", {"date": "2021-05-15", "time": "10:00"}),
    ]
    assert [response.status_code for response in attempts] == [403] * len(attempts)
    assert all(response.json()["detail"] for response in attempts)
    watch.check()
    assert ContentItem.objects.count() == items
    assert Variant.objects.count() == 1
    assert Variant.objects.get(pk=variant.pk).caption == caption
    assert Campaign.objects.count() == ChannelAccount.objects.count() == 1
