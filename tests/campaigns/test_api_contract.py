"""Issue 21, points 4-6: content publishing would refuse is refused before approval, on the
web and the API alike; media and campaigns through the API; the API's contract is true
(two status enums, every error in one JSON shape, strict types, maximum lengths)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from quartieri.campaigns.models import Campaign, ContentItem, MediaAsset, Variant
from quartieri.publishing.models import OutboxEntry
from tests.campaigns.conftest import API, Api, Unchanged, give_media, image_bytes

pytestmark = pytest.mark.django_db

# The three posts the issue found going out without their media (they failed when due).
NEED_MEDIA = [
    ("instagram", {"post_type": "feed"}, "media: 0 media files, at least 1 for a “Feed post”"),
    ("tiktok", {"post_type": "photo"}, "media: 0 media files, at least 1 for a “Photo post”"),
    ("tiktok", {"post_type": "video"}, "media: 0 media files, at least 1 for a “Video”"),
]
WEB = {"Accept-Language": "en"}


@pytest.fixture
def accounts(tiktok, instagram) -> dict[str, Any]:
    return {"tiktok": tiktok, "instagram": instagram}


def _web_step(client: Client, variant: Variant, action: str, **data: str) -> str:
    """Post a workflow button of the campaign page; the messages shown after it."""
    page = client.post(
        f"/campaigns/variants/{variant.pk}/{action}/", data, follow=True, headers=WEB
    )
    return page.content.decode()


# --- Point 4: refused at submit, approve and schedule, web and API -----------------------------


@pytest.mark.parametrize(("platform", "fields", "message"), NEED_MEDIA)
def test_a_post_without_its_media_cannot_be_submitted_by_api_or_web(
    platform, fields, message, accounts, item, editor, make_variant, client_for
):
    variant = make_variant(item=item, account=accounts[platform], by=editor, **fields)
    api, web = Api(editor), client_for(editor)  # (a token and a sign-in are audited)
    unchanged = Unchanged(variant)

    refused = api.post(f"/variants/{variant.pk}/submit")
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["field"] == "media"
    assert message in error["message"]
    assert (error["limit"], error["actual"]) == ("at least 1", "0")
    unchanged.check()

    assert message in _web_step(web, variant, "submit")
    unchanged.check()

    # and the edit page warns about it while it is a draft
    page = web.get(f"/campaigns/variants/{variant.pk}/edit/", headers=WEB)
    assert message in page.content.decode()


@pytest.mark.parametrize(("platform", "fields", "message"), NEED_MEDIA)
def test_media_taken_away_after_submit_blocks_approval_and_scheduling(
    platform, fields, message, accounts, item, editor, approver, make_variant, client_for
):
    # given one variant in review and one approved, whose files were then taken away
    # behind the workflow's back (an administrator deleting rows)
    account = accounts[platform]
    in_review = make_variant(item=item, account=account, by=editor, status="in_review", **fields)
    approved = make_variant(item=item, account=account, by=editor, status="approved", **fields)
    for variant in (in_review, approved):
        variant.media.clear()
    api, web = Api(approver), client_for(approver)
    waiting, ready = Unchanged(in_review), Unchanged(approved)

    response = api.post(f"/variants/{in_review.pk}/approve")
    assert response.status_code == 422
    assert message in response.json()["errors"][0]["message"]
    assert message in _web_step(web, in_review, "approve")
    waiting.check()

    body = {"date": "2021-05-15", "time": "10:00"}
    response = api.post(f"/variants/{approved.pk}/schedule", body)
    assert response.status_code == 422
    assert message in response.json()["errors"][0]["message"]
    page = _web_step(web, approved, "schedule", date="2021-05-15", time="10:00")
    assert message in page
    ready.check()
    assert not OutboxEntry.objects.exists()


def test_a_video_in_an_instagram_feed_post_is_refused_naming_the_kind(
    instagram, item, editor, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor)
    variant.media.add(
        MediaAsset.objects.create(
            content_item=item,
            kind="video",
            file="campaigns/media/clip.mp4",
            caption_file="campaigns/captions/clip.vtt",
            mime_type="video/mp4",
            probe={"format": "mp4"},
        )
    )
    refused = Api(editor).post(f"/variants/{variant.pk}/submit")
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["message"] == "media: Video, a “Feed post” takes Image (Instagram)"


def test_a_state_the_step_does_not_fit_is_a_409(tiktok, item, editor, make_variant):
    variant = make_variant(item=item, account=tiktok, by=editor, status="in_review")
    api = Api(editor)
    unchanged = Unchanged(variant)
    response = api.post(f"/variants/{variant.pk}/submit")
    assert response.status_code == 409
    assert "In review" in response.json()["detail"]
    unchanged.check()


# --- Point 5: media and campaigns through the API ------------------------------------------------


def _upload(api: Api, item: ContentItem, **fields: Any) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"file": SimpleUploadedFile("lake.jpg", image_bytes(), "image/jpeg"), **fields}
    return api.client.post(f"{API}/content-items/{item.pk}/media", data)


def test_media_upload_list_attach_and_detach_through_the_api(
    item, instagram, tiktok, editor, make_variant
):
    api = Api(editor)
    # an image without its alternative text is refused like on the web, nothing written
    refused = _upload(api, item)
    assert refused.status_code == 422, refused.content
    assert refused.json()["errors"][0]["field"] == "alt_text", refused.json()
    assert not MediaAsset.objects.exists()

    created = _upload(api, item, alt_text="The lake of the Parco delle Cave")
    assert created.status_code == 201
    media = created.json()
    assert (media["kind"], media["mime_type"], media["variants"]) == ("image", "image/jpeg", [])
    assert api.get(f"/content-items/{item.pk}/media").json()[0]["id"] == media["id"]

    feed = make_variant(item=item, account=instagram, by=editor)
    photo = make_variant(item=item, account=tiktok, by=editor, post_type="photo")
    for variant in (feed, photo):
        answer = api.post(f"/variants/{variant.pk}/media", {"media": [media["id"]]})
        assert answer.json()["media"] == [media["id"]]
    # taking it off one leaves the other as it was
    answer = api.client.delete(f"{API}/variants/{feed.pk}/media/{media['id']}")
    assert answer.json()["media"] == []
    assert api.get(f"/media/{media['id']}").json()["variants"] == [photo.pk]
    # a file in use cannot be deleted (409), then can once taken off
    assert api.client.delete(f"{API}/media/{media['id']}").status_code == 409
    api.client.delete(f"{API}/variants/{photo.pk}/media/{media['id']}")
    assert api.client.delete(f"{API}/media/{media['id']}").status_code == 204
    assert not MediaAsset.objects.exists()


@pytest.mark.parametrize("how_many", [1, 6])
def test_the_media_list_reads_files_and_their_variants_in_a_fixed_number_of_queries(
    how_many, item, instagram, tiktok, editor, make_variant, django_assert_num_queries
):
    feed = make_variant(item=item, account=instagram, by=editor)
    photo = make_variant(item=item, account=tiktok, by=editor, post_type="photo")
    assets = [
        MediaAsset.objects.create(
            content_item=item, kind="image", file=f"campaigns/media/{n}.jpg", mime_type="image/jpeg"
        )
        for n in range(how_many)
    ]
    photo.media.add(assets[0])  # attached first, listed in id order all the same
    feed.media.add(*assets)
    api = Api(editor)
    # token lookup, last_used_at update, the item, its files with their variants' ids: 4
    # whatever the number of files.
    with django_assert_num_queries(4):
        answer = api.get(f"/content-items/{item.pk}/media").json()
    assert [row["id"] for row in answer] == [asset.pk for asset in assets]
    assert [row["variants"] for row in answer] == [[feed.pk, photo.pk]] + [[feed.pk]] * (
        how_many - 1
    )


def test_the_analyst_uploads_and_attaches_nothing(item, instagram, editor, analyst, make_variant):
    feed = make_variant(item=item, account=instagram, by=editor)
    [asset] = give_media(feed)
    feed.media.clear()
    api = Api(analyst)
    assert _upload(api, item, alt_text="A lake").status_code == 403
    assert api.post(f"/variants/{feed.pk}/media", {"media": [asset.pk]}).status_code == 403
    assert MediaAsset.objects.count() == 1
    assert list(feed.media.all()) == []


def test_campaigns_are_created_and_edited_through_the_api(approver, editor, campaign):
    body = {
        "name": "Quartieri autumn 2021",
        "start_date": "2021-10-01",
        "end_date": "2021-12-31",
        "audiences": ["international-students"],
        "budget": 1500.5,
    }
    # the editor's role may not create campaigns (the web form's rule): 403, nothing written
    assert Api(editor).post("/campaigns", body).status_code == 403
    assert Campaign.objects.count() == 1

    created = Api(approver).post("/campaigns", body)
    assert created.status_code == 201, created.content
    answer = created.json()
    assert (answer["slug"], answer["status"], answer["budget"]) == (
        "quartieri-autumn-2021",
        "draft",
        1500.5,
    )
    # a last day before the first is refused on its field, as on the web
    bad = Api(approver).client.patch(
        f"{API}/campaigns/{answer['slug']}",
        json.dumps({"end_date": "2021-09-01"}),
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "end_date"
    edited = Api(approver).client.patch(
        f"{API}/campaigns/{answer['slug']}",
        json.dumps({"status": "active"}),
        content_type="application/json",
    )
    assert edited.json()["status"] == "active"
    assert Campaign.objects.get(slug=answer["slug"]).end_date == dt.date(2021, 12, 31)


# --- Point 6: the contract -------------------------------------------------------------------


def test_the_schema_has_a_campaign_status_and_a_variant_status():
    schema = Client().get(f"{API}/openapi.json").json()
    campaign = schema["components"]["schemas"]["CampaignOut"]["properties"]["status"]
    variant = schema["components"]["schemas"]["VariantOut"]["properties"]["status"]
    assert campaign["enum"] == [s.value for s in Campaign.Status]
    assert variant["enum"] == [s.value for s in Variant.Status]
    assert "active" in campaign["enum"]
    assert "active" not in variant["enum"]


def test_every_write_documents_every_error_with_the_one_shape():
    schema = Client().get(f"{API}/openapi.json").json()
    patch = schema["paths"]["/api/v1/variants/{pk}"]["patch"]["responses"]
    assert set(patch) == {"200", "400", "401", "403", "404", "409", "413", "422"}
    for code in ("400", "409", "413", "422"):
        ref = patch[code]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/ErrorOut")


def test_an_over_large_body_is_a_json_413(editor, item, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"campaign": item.campaign.slug, "title": "x", "master_text_it": "y" * 2000}
    response = Api(editor).post("/content-items", body)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "larger than the server accepts" in response.json()["detail"]
    assert ContentItem.objects.count() == 1


def test_malformed_json_is_a_json_400(editor, item):
    response = Api(editor).client.post(
        f"{API}/content-items", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is not valid JSON."}


def test_a_two_megabyte_master_text_is_refused_with_422(editor, item):
    body = {"campaign": item.campaign.slug, "title": "x", "master_text_it": "y" * 2_000_000}
    response = Api(editor).post("/content-items", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.payload.master_text_it"
    assert ContentItem.objects.count() == 1


def test_booleans_and_ids_are_strict(editor, item, tiktok, make_variant):
    variant = make_variant(item=item, account=tiktok, by=editor)
    api = Api(editor)
    unchanged = Unchanged(variant)
    for body in ({"tiktok_allow_stitch": "true"}, {"tiktok_allow_stitch": 1}):
        response = api.patch(f"/variants/{variant.pk}", body)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"].endswith("tiktok_allow_stitch")
    assert Variant.objects.get(pk=variant.pk).options.get("allow_stitch") is False
    as_text = {"content_item": str(item.pk), "account": tiktok.pk, "post_type": "video"}
    assert api.post("/variants", as_text).status_code == 422
    unchanged.check()


def test_unknown_query_parameters_and_body_fields_are_refused(editor, item):
    response = Api(editor).get("/variants", statuss="draft")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.statuss"
    extra = {"campaign": item.campaign.slug, "title": "x", "tittle": "y"}
    assert Api(editor).post("/content-items", extra).status_code == 422
    assert ContentItem.objects.count() == 1
