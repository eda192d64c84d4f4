"""The content plan as CSV: export every variant, import drafts all or nothing."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from quartieri.accounts.models import AuditEvent
from quartieri.campaigns.models import ContentItem, Transition, Variant
from quartieri.places.models import Neighbourhood

HEADER = "date,time,account,platform,post_type,neighbourhood,title,caption,hashtags,link,status\n"
GOOD = (
    HEADER + "2021-05-20,10:00,@comunedimilano,tiktok,video,baggio,Baggio slow,Walk the Cave,"
    "#quartieri #baggio,https://example.org/baggio,draft\n"
    + "2021-05-20,18:00,@yesmilano,instagram,,baggio,Baggio slow,Parco delle Cave,#quartieri,,\n"
    + ",,@yesmilano,instagram,feed,,Corvetto,Corvetto at dusk,,,\n"
)


@pytest.fixture
def baggio(db):
    return Neighbourhood.objects.create(
        code="1",
        slug="baggio",
        name_it="Baggio",
        geometry={"type": "Polygon", "coordinates": []},
        centroid_lat=45.46,
        centroid_lon=9.09,
        area_m2=1.0,
    )


def _counts() -> tuple[int, int, int, int]:
    return (
        ContentItem.objects.count(),
        Variant.objects.count(),
        Transition.objects.count(),
        AuditEvent.objects.count(),
    )


def _import(client: Client, slug: str, text: str) -> list[str]:
    upload = SimpleUploadedFile("plan.csv", text.encode(), content_type="text/csv")
    response = client.post(
        f"/campaigns/{slug}/plan/import/",
        {"file": upload},
        follow=True,
        headers={"Accept-Language": "en"},  # messages asserted in English
    )
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


# ------------------------------------------------------------------------- export


def test_export_has_one_row_per_variant_with_rome_wall_time(
    client_for, analyst, editor, item, tiktok, instagram, make_variant, campaign, baggio, settings
):
    # A scheduled post's link becomes a tracked link: its domain must be an allowed one.
    settings.LINK_ALLOWED_DOMAINS = ["x.it"]
    item.neighbourhood = baggio
    item.save()
    make_variant(item=item, account=tiktok, by=editor, hashtags=["quartieri", "#baggio"])
    make_variant(item=item, account=instagram, by=editor, status="scheduled", link="https://x.it")
    response = client_for(analyst).get(f"/campaigns/{campaign.slug}/plan.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 2
    scheduled = next(row for row in rows if row["status"] == "scheduled")
    assert (scheduled["date"], scheduled["time"]) == ("2021-05-15", "10:00")  # 08:00 UTC
    # "@" starts a formula in spreadsheets: exported as text, read back as the handle.
    assert scheduled["account"] == "'@yesmilano"
    assert (scheduled["platform"], scheduled["neighbourhood"]) == ("instagram", "baggio")
    assert scheduled["link"] == "https://x.it"
    draft = next(row for row in rows if row["status"] == "draft")
    assert (draft["date"], draft["time"], draft["hashtags"]) == ("", "", "#quartieri #baggio")
    assert draft["title"] == item.title


@pytest.mark.django_db
def test_export_needs_a_signed_in_person(campaign):
    response = Client().get(f"/campaigns/{campaign.slug}/plan.csv")
    assert response.status_code == 302


# ------------------------------------------------------------------------- import


def test_import_creates_items_and_draft_variants_through_the_services(
    client_for, editor, campaign, tiktok, instagram, baggio
):
    messages = _import(client_for(editor), campaign.slug, GOOD)
    assert any("2 content items and 3 draft variants" in m for m in messages), messages
    baggio_item = ContentItem.objects.get(title="Baggio slow")
    assert baggio_item.neighbourhood == baggio
    assert baggio_item.variants.count() == 2
    variants = Variant.objects.all()
    assert {v.status for v in variants} == {"draft"}
    assert {v.drafted_by for v in variants} == {editor}
    tiktok_variant = Variant.objects.get(account=tiktok)
    assert tiktok_variant.hashtags == ["quartieri", "baggio"]
    assert tiktok_variant.link == "https://example.org/baggio"
    assert Variant.objects.get(account=instagram, content_item=baggio_item).post_type == "feed"
    assert AuditEvent.objects.filter(action="campaigns.variant.create").count() == 3


def test_export_then_import_round_trips_handles_and_captions(
    client_for, editor, approver, item, tiktok, make_variant, campaign
):
    make_variant(item=item, account=tiktok, by=editor, caption="-30% @yesmilano =fun")
    exported = b"".join(client_for(approver).get(f"/campaigns/{campaign.slug}/plan.csv"))
    _import(client_for(editor), campaign.slug, exported.decode())
    copies = Variant.objects.filter(caption="-30% @yesmilano =fun")
    assert copies.count() == 2


@pytest.mark.parametrize(
    ("bad_row", "reason"),
    [
        (",,@nobody,tiktok,video,,X,,,,", "no channel account"),
        (",,@yesmilano,instagram,feed,nowhere,X,,,,", "no neighbourhood"),
        (",,@yesmilano,instagram,feed,,X,,,not a link,", "not a web address"),
        ("2021-13-01,,@yesmilano,instagram,feed,,X,,,,", "YYYY-MM-DD"),
        ("2022-01-01,,@yesmilano,instagram,feed,,X,,,,", "outside the campaign"),
        (",,@yesmilano,instagram,dance,,X,,,,", "unknown post type"),
        (",,@yesmilano,instagram,feed,,,,,,", "title"),
        # The editor has no grant on the mayor's personal account: refused by the service.
        (",,@mayor,instagram,feed,,X,,,,", "personal account"),
    ],
)
def test_a_bad_row_3_stops_the_import_and_writes_nothing(
    client_for, editor, campaign, tiktok, instagram, mayor_instagram, baggio, bad_row, reason
):
    lines = GOOD.splitlines(keepends=True)
    text = lines[0] + lines[1] + bad_row + "\n" + lines[3]  # the bad row is line 3
    before = _counts()
    messages = _import(client_for(editor), campaign.slug, text)
    assert _counts() == before
    assert before[:3] == (0, 0, 0)
    assert any("Line 3" in m and reason in m for m in messages), messages
    assert any("Nothing was imported" in m for m in messages)


def test_the_analyst_cannot_import(client_for, analyst, campaign, tiktok, instagram, baggio):
    upload = SimpleUploadedFile("plan.csv", GOOD.encode(), content_type="text/csv")
    response = client_for(analyst).post(
        f"/campaigns/{campaign.slug}/plan/import/", {"file": upload}
    )
    assert response.status_code == 403
    assert _counts()[:3] == (0, 0, 0)


def test_a_missing_column_and_a_semicolon_file(client_for, editor, campaign, tiktok, instagram):
    client = client_for(editor)
    messages = _import(client, campaign.slug, "account,title\n@yesmilano,X\n")
    assert any("Line 1" in m and "platform" in m for m in messages)
    semicolons = "account;platform;title\n@yesmilano;instagram;Semicolons\n"
    _import(client, campaign.slug, "\ufeff" + semicolons)  # Excel's BOM and Italian ";"
    assert ContentItem.objects.filter(title="Semicolons").count() == 1


def test_the_campaign_page_links_the_feed_the_export_and_the_import_form(
    client_for, editor, analyst, campaign
):
    page = client_for(editor).get(f"/campaigns/{campaign.slug}/").content.decode()
    assert f"/campaigns/{campaign.slug}/calendar.ics" in page
    assert f"/campaigns/{campaign.slug}/plan.csv" in page
    assert 'data-testid="plan-import-form"' in page
    analyst_page = client_for(analyst).get(f"/campaigns/{campaign.slug}/").content.decode()
    assert f"/campaigns/{campaign.slug}/plan.csv" in analyst_page
    assert 'data-testid="plan-import-form"' not in analyst_page


# ------------------------------------------------------------------------- command


def test_the_command_imports_as_the_named_person(
    editor, campaign, tiktok, instagram, baggio, tmp_path, capsys
):
    plan = tmp_path / "plan.csv"
    plan.write_text(GOOD)
    call_command(
        "campaigns", "--format", "json", "import-plan", campaign.slug, str(plan), "--as", "marco"
    )
    out = json.loads(capsys.readouterr().out)
    assert out["items"] == 2
    assert len(out["variants"]) == 3
    assert {v.drafted_by for v in Variant.objects.all()} == {editor}


def test_the_command_refuses_a_bad_row_with_status_2_and_writes_nothing(
    editor, campaign, tiktok, instagram, baggio, tmp_path
):
    lines = GOOD.splitlines(keepends=True)
    plan = tmp_path / "plan.csv"
    plan.write_text(lines[0] + lines[1] + ",,@nobody,tiktok,video,,X,,,,\n" + lines[3])
    with pytest.raises(CommandError) as refused:
        call_command("campaigns", "import-plan", campaign.slug, str(plan), "--as", "marco")
    assert refused.value.returncode == 2
    assert "Line 3" in str(refused.value)
    assert "nothing was written" in str(refused.value)
    assert _counts()[:3] == (0, 0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["nope", "plan.csv", "--as", "marco"], "nope"),
        (["milano-quartieri-2021", "plan.csv", "--as", "ghost"], "ghost"),
        (["milano-quartieri-2021", "missing.csv", "--as", "marco"], "missing.csv"),
    ],
)
def test_the_command_names_the_bad_argument(editor, campaign, args, named):
    with pytest.raises(CommandError) as refused:
        call_command("campaigns", "import-plan", *args)
    assert refused.value.returncode == 2
    assert named in str(refused.value)
