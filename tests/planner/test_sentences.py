"""The planner's reason as one short sentence per channel, built only from the plan's data,
in Italian for staff, with the figures and their sources one click away."""

from __future__ import annotations

from django.utils import translation

from quartieri.planner.result import AudiencePlan, ChannelPlan, PlanResult, SourceRef
from quartieri.planner.sentences import channel_sentence
from tests.planner.conftest import scenario

CENSIS = SourceRef(source="Censis 17th Communication Report via corriereuniv.it", year=2021)
TIKTOK = ChannelPlan(
    channel="tiktok", name="TikTok", recommended=True, reach=41_000, reach_pct=41.03,
    budget=2000.0, sources=[CENSIS],
)  # fmt: skip
NEWSLETTER = ChannelPlan(
    channel="newsletter", name="Newsletter", recommended=True, reach_pct=12.5,
    hours_per_week=2.5, assumptions=["newsletter: own audience share (assumption)"],
)  # fmt: skip
PLAN = PlanResult(
    audiences=[AudiencePlan(slug="international-students", name="International students")],
    channels=[TIKTOK, NEWSLETTER],
)


def sentence(channel: ChannelPlan, language: str, plan: PlanResult = PLAN) -> str:
    with translation.override(language):
        return channel_sentence(plan=plan, channel=channel)


def test_a_paid_channel_says_its_reach_its_money_and_its_source():
    assert sentence(TIKTOK, "en") == (
        "TikTok: reaches 41 % of international students for €2,000 (source: Censis 2021)."
    )
    # A plan computed in Italian names its audiences in Italian (PlanResult carries them).
    italian = PlanResult(
        audiences=[AudiencePlan(slug="international-students", name="Studenti internazionali")]
    )
    assert sentence(TIKTOK, "it", italian) == (
        "TikTok: raggiunge il 41 % del pubblico (studenti internazionali) "
        "con 2.000 € (fonte: Censis 2021)."
    )


def test_an_owned_channel_says_its_hours_and_that_its_figure_is_assumed():
    assert sentence(NEWSLETTER, "en") == (
        "Newsletter: reaches 12.5 % of international students with 2.5 hours of work a week "
        "(an assumption, not a measured figure)."
    )
    assert "2,5 ore di lavoro a settimana" in sentence(NEWSLETTER, "it")


def test_no_figure_the_plan_does_not_carry():
    free = ChannelPlan(channel="website", name="Sito del Comune", recommended=True, reach_pct=3)
    text = sentence(free, "en")
    assert text == "Sito del Comune: reaches 3 % of international students."
    assert "€" not in text  # no money spent, none named
    assert "source" not in text  # no source and no assumption: nothing claimed


def test_several_audiences_and_a_channel_left_out():
    both = PlanResult(
        audiences=[
            AudiencePlan(slug="international-students", name="International students"),
            AudiencePlan(slug="tourists-under-30", name="Tourists under 30"),
        ]
    )
    assert "of international students + tourists under 30 for" in sentence(TIKTOK, "en", both)
    left = ChannelPlan(channel="radio", name="Radio", reason="Radio: left out: no usage figure.")
    assert sentence(left, "it") == "Radio: escluso da questo piano."


def test_the_planner_page_gives_a_sentence_per_channel_and_the_details(
    client_for, analyst, catalogue
):
    html = client_for(analyst).get("/planner/", scenario()).content.decode()
    page = html[html.index('data-testid="reasons-a"') :]
    assert page.count('data-testid="sentence"') == 12
    assert "TikTok: raggiunge il" in page
    assert "(fonte: Censis" in page or "(fonti: Censis" in page
    # The long reason and the full source stay one click away, in a <details>.
    assert "<details><summary>TikTok: le cifre e le loro fonti</summary>" in page
    assert "Communication Report" in page  # the full source's name
    assert "tiktok.cpm_eur" not in page  # assumptions by the figure's name, not its key
    assert "international-students:" not in page
