"""Linking a campaign to a saved plan: who may, the audit event, and what the page shows."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from quartieri.accounts.models import AuditEvent
from quartieri.campaigns.models import Campaign
from quartieri.campaigns.services import campaign_attach_plan
from quartieri.planner.models import SavedPlan
from quartieri.planner.result import PlanResult
from quartieri.planner.services import plan_save

RESULT = {
    "total_reach": 123_456,
    "channels": [
        {"channel": "tiktok", "name": "TikTok", "recommended": True, "reach": 100_000},
        {"channel": "radio", "name": "Radio", "recommended": False, "reach": 0},
        {"channel": "instagram", "name": "Instagram", "recommended": True, "reach": 40_000},
    ],
}


@pytest.fixture
def plan(approver) -> SavedPlan:
    return plan_save(
        actor=approver,
        name="Students 2021",
        inputs={"budget": 10_000},
        result=PlanResult.from_json(RESULT),
    )


def test_an_approver_links_a_plan_with_an_audit_event(approver, campaign, plan):
    campaign_attach_plan(actor=approver, campaign=campaign, plan=plan)
    assert Campaign.objects.get(pk=campaign.pk).plan == plan
    event = AuditEvent.objects.get(action="campaigns.campaign.attach_plan")
    assert (event.actor, event.before, event.after) == (approver, {"plan": None}, {"plan": plan.pk})


def test_unlinking_leaves_no_plan(approver, campaign, plan):
    campaign_attach_plan(actor=approver, campaign=campaign, plan=plan)
    campaign_attach_plan(actor=approver, campaign=campaign, plan=None)
    assert Campaign.objects.get(pk=campaign.pk).plan is None


def test_the_analyst_may_not_link_a_plan(analyst, campaign, plan):
    audit = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        campaign_attach_plan(actor=analyst, campaign=campaign, plan=plan)
    assert Campaign.objects.get(pk=campaign.pk).plan is None
    assert AuditEvent.objects.count() == audit


def test_the_page_form_links_the_plan_and_shows_reach_and_channels(
    client_for, editor, campaign, plan
):
    client = client_for(editor)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = reverse("campaigns:campaign_plan", args=[campaign.slug])
    response = client.post(url, {"plan": plan.pk})
    assert response.status_code == 302
    html = client.get(reverse("campaigns:campaign_detail", args=[campaign.slug])).content.decode()
    assert "123,456 people" in html
    assert "TikTok, Instagram" in html  # the recommended channels only
    assert '<label for="id_plan" class="form-label">Saved plan</label>' in html


def test_the_analyst_sees_the_plan_but_gets_no_form_and_a_403(
    client_for, analyst, approver, campaign, plan
):
    campaign_attach_plan(actor=approver, campaign=campaign, plan=plan)
    client = client_for(analyst)
    html = client.get(reverse("campaigns:campaign_detail", args=[campaign.slug])).content.decode()
    assert 'data-testid="plan-reach"' in html
    assert 'name="plan"' not in html
    audit = AuditEvent.objects.count()
    url = reverse("campaigns:campaign_plan", args=[campaign.slug])
    assert client.post(url, {"plan": ""}).status_code == 403
    assert Campaign.objects.get(pk=campaign.pk).plan == plan
    assert AuditEvent.objects.count() == audit


def test_an_unknown_plan_is_refused(client_for, approver, campaign):
    client = client_for(approver)
    url = reverse("campaigns:campaign_plan", args=[campaign.slug])
    assert client.post(url, {"plan": 999_999}).status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).plan is None
