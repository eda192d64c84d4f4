"""The searchable combobox of long choice lists (quartieri/core/widgets.py, core/combobox.js):
the server renders a plain select that works without JavaScript; in Chromium the script
turns it into an accessible combobox whose picks the server receives as the same ids."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from quartieri.campaigns.forms import CampaignForm
from quartieri.campaigns.models import Campaign
from quartieri.places.models import Neighbourhood
from tests.accessibility import WCAG_AA

SQUARE = {"type": "Polygon", "coordinates": [[[9.1, 45.4], [9.2, 45.4], [9.2, 45.5], [9.1, 45.4]]]}
NAMES = {"11": "Isola", "55": "Baggio", "34": "Chiaravalle", "12": "Garibaldi Repubblica"}


@pytest.fixture
def neighbourhoods(db: None) -> dict[str, Neighbourhood]:
    made = {}
    for code, name in NAMES.items():
        made[name] = Neighbourhood.objects.create(
            code=code, slug=name.lower().replace(" ", "-"), name_it=name, geometry=SQUARE,
            centroid_lat=45.45, centroid_lon=9.15, area_m2=1.0,
        )  # fmt: skip
    return made


def test_without_javascript_the_field_is_a_plain_multiple_select(neighbourhoods):
    html = CampaignForm()["neighbourhoods"].as_field_group()
    assert 'data-combobox="multiple"' in html
    assert '<select name="neighbourhoods"' in html
    assert "multiple" in html
    isola = neighbourhoods["Isola"]
    assert f'<option value="{isola.pk}">Isola</option>' in html
    assert '<label for="id_neighbourhoods"' in html  # the label names the select


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_neighbourhood_is_found_picked_by_keyboard_and_submitted(
    page, login, approver, neighbourhoods
):
    login(approver)
    page.goto("/campaigns/new/")
    page.fill("#id_name", "Quartieri d'autunno")
    page.fill("#id_start_date", "2026-10-01")
    page.fill("#id_end_date", "2026-10-31")
    assert page.locator("#id_neighbourhoods").is_hidden()  # the select carries the value
    box = page.get_by_role("combobox", name="Quartieri")
    box.press_sequentially("iso")
    listbox = page.get_by_role("listbox", name="Quartieri")
    assert listbox.get_by_role("option").all_inner_texts() == ["Isola"]
    assert box.get_attribute("aria-expanded") == "true"
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == listbox.get_by_role(
        "option"
    ).get_attribute("id")
    box.press("Enter")  # picks: does not submit the form
    chips = page.locator(".q-combobox-chip")
    assert chips.locator("span").all_inner_texts() == ["Isola"]
    assert box.input_value() == ""
    # A second pick joins the chips after the first, and Backspace in the empty box takes
    # back the last one picked.
    box.press_sequentially("bag")
    box.press("ArrowDown")
    box.press("Enter")
    assert chips.locator("span").all_inner_texts() == ["Isola", "Baggio"]
    box.press("Backspace")
    assert chips.locator("span").all_inner_texts() == ["Isola"]
    box.press("Escape")
    assert listbox.is_hidden()
    assert box.get_attribute("aria-expanded") == "false"
    assert page.url.endswith("/campaigns/new/")  # nothing was submitted yet
    # A chip's remove button is named for its neighbourhood.
    assert page.get_by_role("button", name="Rimuovi Isola").is_visible()
    box.click()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Crea la campagna").click()
    page.wait_for_load_state()
    campaign = Campaign.objects.get(name="Quartieri d'autunno")
    assert list(campaign.neighbourhoods.all()) == [neighbourhoods["Isola"]]


def axe_violations(page) -> list[str]:
    results = Axe().run(page, options=WCAG_AA)
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
