"""Saved plans open again, with what was asked and the result as computed then, and link to
the campaign that follows them (whose page links back)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs

from django.urls import reverse

from quartieri.campaigns.models import Campaign
from quartieri.planner.models import SavedPlan
from tests.planner.conftest import save_data


def saved_plan(client) -> SavedPlan:
    response = client.post("/planner/save/", save_data())
    plan = SavedPlan.objects.get()
    assert response["Location"] == reverse("planner:saved_detail", args=[plan.pk])
    return plan


def test_a_saved_plan_opens_with_its_inputs_and_result(client_for, editor, catalogue):
    client = client_for(editor)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    plan = saved_plan(client)
    # The result shown is the one kept, not one computed again from today's catalogue.
    kept = plan.result
    kept["total_reach"] = 4242
    SavedPlan.objects.filter(pk=plan.pk).update(result=kept)
    page = client.get(reverse("planner:saved_detail", args=[plan.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "De-duplicated reach: 4,242 people" in html
    audience = plan.plan().audiences[0].name
    assert audience
    assert audience in html
    asked = page.context["inputs"]
    assert asked.audiences == [audience]
    assert str(asked.objective).startswith("Reach")
    # Saved for a campaign by name only: no campaign follows it yet.
    assert "no campaign follows it yet" in html
    assert 'data-testid="reasons-saved"' in html
    # "Run it again" opens the planner with the same inputs.
    link = f'href="/planner/?{asked.rerun_query.replace("&", "&amp;")}"'
    assert link in html
    query = parse_qs(asked.rerun_query)
    assert query["a-audiences"] == ["international-students"]
    assert float(query["a-budget"][0]) == 10000
    again = client.get("/planner/", query)
    assert again.context["scenarios"][0]["plan"].total_reach > 0


def test_plan_and_campaign_link_to_each_other(client_for, editor, approver, catalogue):
    plan = saved_plan(client_for(editor))
    campaign = Campaign.objects.create(
        name="Quartieri d'autunno", slug="autunno",
        start_date=dt.date(2026, 10, 1), end_date=dt.date(2026, 10, 31), plan=plan,
    )  # fmt: skip
    client = client_for(approver)
    campaign_url = reverse("campaigns:campaign_detail", args=[campaign.slug])
    plan_url = reverse("planner:saved_detail", args=[plan.pk])
    detail = client.get(plan_url).content.decode()
    assert f'<a href="{campaign_url}">Quartieri d&#x27;autunno</a>' in detail
    listing = client.get("/planner/saved/").content.decode()
    assert f'href="{plan_url}"' in listing
    assert f'href="{campaign_url}"' in listing
    assert "international-students" not in listing  # audiences by name, not by key
    back = client.get(campaign_url).content.decode()
    assert f'href="{plan_url}"' in back


def test_an_unknown_saved_plan_is_a_404(client_for, analyst, catalogue):
    assert client_for(analyst).get("/planner/saved/999/").status_code == 404


def test_no_saved_plan_says_how_to_make_one(client_for, analyst, catalogue):
    html = client_for(analyst).get("/planner/saved/").content.decode()
    assert 'data-testid="empty"' in html
    assert 'href="/planner/"' in html
