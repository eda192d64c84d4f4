"""The planner page in a real browser: charts drawn under the CSP, keyboard-usable form."""

from __future__ import annotations

import pytest

from quartieri.audiences.services import catalogue_load
from tests.accessibility import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_analyst_plans_for_international_students_and_sees_the_curves(page, login, analyst):
    catalogue_load(actor=None)
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    login(analyst)
    page.goto("/planner/")
    page.click('label[for="id_a-audiences_0"]')  # international-students, the first segment
    page.fill("#id_a-budget", "10000")
    page.click('[data-testid="plan-form"] button[type=submit] >> nth=0')
    page.wait_for_selector('[data-testid="result-a"]')
    page.wait_for_load_state("load")
    assert page.locator('[data-testid="total-reach-a"]').is_visible()
    drawn = page.evaluate(
        "Array.from(document.querySelectorAll('canvas.planner-curve'))"
        ".filter(c => window.Chart && window.Chart.getChart(c)).length"
    )
    assert drawn >= 3
    assert page.locator('[data-testid="reasons-a"] li', has_text="TikTok:").count() == 1
    assert not [e for e in errors if "Content Security Policy" in e]
    assert axe_violations(page) == []


def test_an_editor_compares_two_scenarios_and_saves_one(page, login, editor):
    catalogue_load(actor=None)
    login(editor)
    page.goto(
        "/planner/?a-audiences=international-students&a-budget=10000&a-weeks=8"
        "&a-hours_per_week=10&a-objective=reach&a-min_frequency=3"
        "&b-audiences=all-residents&b-budget=5000&b-weeks=8&b-hours_per_week=10"
        "&b-objective=reach&b-min_frequency=3&b-purpose=institutional"
    )
    assert page.locator('[data-testid="result-b"]').is_visible()
    assert axe_violations(page) == []
    form = page.locator('[data-testid="save-form-b"]')
    form.locator("input[name=save-b-name]").fill("Residents, institutional")
    form.locator("button[type=submit]").click()
    # Saving opens the saved plan (its inputs and result), which passes axe too.
    page.wait_for_url("**/planner/saved/*/")
    assert page.get_by_role("heading", level=1).inner_text().endswith("«Residents, institutional»")
    assert page.get_by_test_id("reasons-saved").is_visible()
    assert axe_violations(page) == []
    page.goto("/planner/saved/")
    assert page.get_by_test_id("saved-plans").get_by_text("Residents, institutional").count() == 1
