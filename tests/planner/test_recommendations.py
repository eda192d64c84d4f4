"""What the planner must get right on Milan's data (issue 4)."""

from __future__ import annotations

import pytest
from django.utils import translation

from quartieri.planner.build import PlanRequest
from quartieri.planner.selectors import plan_compute


def compute_json(**kwargs):
    """The plan as its JSON (``PlanResult.to_json``), the shape these checks read."""
    return plan_compute(**kwargs).to_json()


SOCIAL = {"tiktok", "instagram", "facebook", "youtube", "x", "linkedin", "telegram", "whatsapp"}


def ranks(plan):
    return {c["channel"]: c["rank"] for c in plan["channels"]}


@pytest.mark.parametrize(
    ("year", "budget"),
    [
        (2021, 5_000), (2021, 10_000), (2021, 15_000),
        (2022, 5_000), (2022, 10_000), (2022, 20_000),
        (9999, 2_000), (9999, 10_000), (9999, 50_000),
    ],
)  # fmt: skip
def test_for_international_students_tiktok_and_instagram_rank_above_facebook(
    catalogue, year, budget
):
    # Channels rank by the people they reach in the plan. With the 2021 figures TikTok's
    # ceiling is 34.5 % of the segment, so beyond about EUR 1 per student Facebook's
    # larger user base overtakes it: saturation, documented in docs/planner.md.
    request = PlanRequest(audiences=("international-students",), budget=budget, year=year)
    with translation.override("en"):
        plan = compute_json(request=request)
    rank = ranks(plan)
    assert rank["tiktok"] < rank["facebook"]
    assert rank["instagram"] < rank["facebook"]
    tiktok = next(c for c in plan["channels"] if c["channel"] == "tiktok")
    assert tiktok["recommended"]
    assert tiktok["affinity"] is not None
    assert tiktok["affinity"] > 150
    assert f"affinity {round(tiktok['affinity'])}" in tiktok["reason"]
    assert "Censis" in tiktok["reason"]


def test_the_tiktok_reason_for_2021_cites_censis_2021_affinity_240(catalogue):
    request = PlanRequest(audiences=("international-students",), year=2021)
    with translation.override("en"):
        plan = compute_json(request=request)
    tiktok = next(c for c in plan["channels"] if c["channel"] == "tiktok")
    assert tiktok["affinity"] == 240.0
    assert (
        "34.5 % of people aged 14–29 against 14.4 % of all ages (affinity 240, Censis 2021)"
        in tiktok["reason"]
    )
    # The stand-in data for international students is said, not hidden.
    assert any("International students" in a and "14-29" in a for a in tiktok["assumptions"])


def test_the_reason_is_translated_into_italian(catalogue):
    request = PlanRequest(audiences=("international-students",), year=2021)
    with translation.override("it"):
        plan = compute_json(request=request)
    tiktok = next(c for c in plan["channels"] if c["channel"] == "tiktok")
    assert "affinità 240" in tiktok["reason"]


@pytest.mark.parametrize("budget", [0, 5_000, 10_000, 40_000])
def test_for_residents_institutional_information_facebook_leads_social_and_owned_media_are_used(
    catalogue, budget
):
    request = PlanRequest(audiences=("all-residents",), purpose="institutional", budget=budget)
    plan = compute_json(request=request)
    social = [c for c in plan["channels"] if c["channel"] in SOCIAL and c["recommended"]]
    assert social[0]["channel"] == "facebook"
    recommended = {c["channel"] for c in plan["channels"] if c["recommended"]}
    assert {"newsletter", "city-screens"} <= recommended
    # Channels that do not serve the purpose are left out with a reason.
    tiktok = next(c for c in plan["channels"] if c["channel"] == "tiktok")
    assert not tiktok["recommended"]
    assert tiktok["reason"]


def test_total_reach_lies_between_the_best_channel_and_the_audience(catalogue):
    plan = compute_json(request=PlanRequest(audiences=("international-students", "tourists")))
    best = max(c["reach"] for c in plan["channels"])
    size = sum(a["size"] for a in plan["audiences"])
    assert best <= plan["total_reach"] <= size


def test_a_segment_inside_another_chosen_one_is_counted_once(catalogue):
    plan = compute_json(
        request=PlanRequest(audiences=("international-students", "university-students"))
    )
    assert [a["slug"] for a in plan["audiences"]] == ["university-students"]
    assert plan["notes"]


def test_every_channel_has_a_reason_and_sourced_figures_or_assumptions(catalogue):
    plan = compute_json(request=PlanRequest(audiences=("residents-65-plus",)))
    assert len(plan["channels"]) == 12
    for channel in plan["channels"]:
        assert channel["reason"].startswith(channel["name"] + ":")
        for source in channel["sources"]:
            assert source["source"]
            assert isinstance(source["year"], int)
    facebook = next(c for c in plan["channels"] if c["channel"] == "facebook")
    # No Italian 65+ figure: the US age profile is borrowed, and the reason says so.
    assert "Pew" in facebook["reason"]


@pytest.mark.parametrize("objective", ["frequency", "traffic"])
def test_other_objectives_produce_a_plan(catalogue, objective):
    from quartieri.planner.model import Objective

    plan = compute_json(
        request=PlanRequest(audiences=("international-students",), objective=Objective(objective))
    )
    assert plan["objective"] == objective
    assert plan["objective_value"] <= plan["total_reach"]
