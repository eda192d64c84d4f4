"""The staff page: forms, errors, scenarios, permissions and saving."""

from __future__ import annotations

import json

import pytest

from quartieri.accounts.models import AuditEvent
from quartieri.planner.models import SavedPlan
from tests.planner.conftest import save_data, scenario

URL = "/planner/"


def test_the_page_needs_a_signed_in_person(client, catalogue):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_empty_form_has_labels_for_every_field(client_for, analyst, catalogue):
    response = client_for(analyst).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for field in ("budget", "weeks", "hours_per_week", "objective", "year"):
        assert f'<label for="id_a-{field}"' in html
    assert "<script>" not in html
    assert " style=" not in html


def test_an_analyst_runs_a_plan_and_sees_ranked_channels_and_reasons(
    client_for, analyst, catalogue
):
    response = client_for(analyst).get(URL, scenario(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="result-a"' in html
    assert "(affinity 196, Censis 2022)" in html
    assert 'id="planner-curves"' in html
    assert "planner/plan.js" in html
    assert "<caption>" in html
    curves = json.loads(
        html.split('id="planner-curves" type="application/json">')[1].split("</script>")[0]
    )
    assert "tiktok" in curves["a"]
    # Analysts cannot save, so they get no save form.
    assert 'data-testid="save-form-a"' not in html


def test_two_scenarios_side_by_side(client_for, analyst, catalogue):
    data = scenario() | scenario("b", budget="2000", audiences=["tourists"])
    html = client_for(analyst).get(URL, data).content.decode()
    assert 'data-testid="result-a"' in html
    assert 'data-testid="result-b"' in html


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"budget": "-5"}, "budget"),
        ({"weeks": "0"}, "weeks"),
        ({"audiences": ["martians"]}, "audiences"),
        ({"audiences": ["residents-30-44"]}, "audiences"),
        ({"objective": "fame"}, "objective"),
        ({"channels": ["pigeons"]}, "channels"),
    ],
    ids=["negative_budget", "zero_weeks", "unknown_audience", "no_size", "objective", "channel"],
)
def test_bad_values_give_a_form_error_not_a_crash(client_for, analyst, catalogue, values, field):
    response = client_for(analyst).get(URL, scenario(**values))
    assert response.status_code == 200
    form = response.context["scenarios"][0]["form"]
    assert field in form.errors
    assert response.context["scenarios"][0]["plan"] is None
    assert 'aria-invalid="true"' in response.content.decode()


def test_an_analyst_cannot_save_a_plan(client_for, analyst, catalogue):
    response = client_for(analyst).post("/planner/save/", save_data())
    assert response.status_code == 403
    assert SavedPlan.objects.count() == 0
    assert not AuditEvent.objects.filter(action="plan.save").exists()


def test_an_editor_saves_a_plan_with_an_audit_row(client_for, editor, catalogue):
    response = client_for(editor).post("/planner/save/", save_data())
    assert response.status_code == 302
    plan = SavedPlan.objects.get()
    assert plan.created_by == editor
    assert plan.campaign_slug == "milano-quartieri-2021"
    assert plan.result["total_reach"] > 0
    event = AuditEvent.objects.get(action="plan.save")
    assert event.actor == editor
    assert event.target_id == str(plan.pk)
    assert event.after["name"] == "Spring plan"
    listing = client_for(editor).get("/planner/saved/").content.decode()
    assert "Spring plan" in listing


def test_saving_recomputes_and_refuses_bad_inputs(client_for, editor, catalogue):
    data = save_data()
    data["save-a-inputs"] = json.dumps({"audiences": ["martians"], "budget": 1, "weeks": 1})
    response = client_for(editor).post("/planner/save/", data)
    assert response.status_code == 400
    assert SavedPlan.objects.count() == 0
    assert not AuditEvent.objects.filter(action="plan.save").exists()


def test_the_dashboard_shows_the_planner_card(client_for, analyst, catalogue):
    html = client_for(analyst).get("/").content.decode()
    assert 'href="/planner/"' in html
