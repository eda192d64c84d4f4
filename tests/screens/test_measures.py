"""The screens' measure source: plays per slide per neighbourhood on the campaign dashboard,
its report and its tables; no reach is made up for them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from quartieri.analytics.campaign_report import campaign_report
from quartieri.analytics.measures import measure_sources
from quartieri.analytics.plan_actual import PlanActualRow, explain
from quartieri.channels.registry import Platform
from quartieri.places.models import Neighbourhood
from quartieri.screens import plays, services
from quartieri.screens.measures import ScreensSource
from quartieri.screens.models import Display
from tests.screens.conftest import SQUARE, play

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")
DAY1 = dt.datetime(2021, 5, 15, 23, 59, 50, tzinfo=ROME)  # ends after midnight: still day 1
DAY2 = dt.datetime(2021, 5, 16, 9, 0, tzinfo=ROME)


def test_plays_per_slide_per_neighbourhood_reach_the_campaign_report(
    campaign, area, display, make_slide, client_for, analyst
):
    # given two displays in two neighbourhoods (one of them the campaign's) and four plays
    # of two campaign slides
    campaign.neighbourhoods.set([area])
    other_area = Neighbourhood.objects.create(
        city="Testa", code="2", slug="testa-2-riva", name_it="Riva", centroid_lat=45.405,
        centroid_lon=9.105, area_m2=860_000, geometry={"type": "Polygon", "coordinates": SQUARE},
    )  # fmt: skip
    other = services.display_create(actor=None, name="Riva", width=1280, height=720,
                                    neighbourhood=other_area)  # fmt: skip
    old = dt.datetime(2021, 1, 1, tzinfo=ROME)
    Display.objects.filter(pk__in=[display.pk, other.pk]).update(created_at=old)
    display.refresh_from_db()
    other.refresh_from_db()
    a, b = make_slide("A"), make_slide("B")
    now = DAY2 + dt.timedelta(hours=1)
    plays.plays_record(display=display, now=now,
                       records=[play("1", a.pk, DAY1), play("2", a.pk, DAY2, seconds=8)])  # fmt: skip
    plays.plays_record(display=other, now=now, records=[play("1", a.pk, DAY2)])
    plays.plays_record(display=other, now=now, records=[play("2", b.pk, DAY2)])

    # the source says it by day and neighbourhood, per slide, and in total
    measures = ScreensSource().measures(campaign=campaign)
    daily = {(m.day, m.neighbourhood, m.name): m.value for m in measures if m.day}
    assert daily == {
        (DAY1.date(), area.slug, "plays"): 1,
        (DAY1.date(), area.slug, "seconds_on_screen"): 10,
        (DAY2.date(), area.slug, "plays"): 1,
        (DAY2.date(), area.slug, "seconds_on_screen"): 8,
        (DAY2.date(), other_area.slug, "plays"): 2,
        (DAY2.date(), other_area.slug, "seconds_on_screen"): 20,
    }
    per_slide = {
        (m.subject, m.neighbourhood, m.name): m.value for m in measures if m.subject and not m.day
    }
    assert per_slide[(f"A (#{a.pk})", area.slug, "plays")] == 2
    assert per_slide[(f"A (#{a.pk})", area.slug, "displays")] == 1
    assert per_slide[(f"A (#{a.pk})", area.slug, "seconds_on_screen")] == 18
    assert per_slide[(f"B (#{b.pk})", other_area.slug, "plays")] == 1
    totals = {m.name: m.value for m in measures if not m.day and not m.subject}
    assert totals == {"plays": 4, "displays": 2, "seconds_on_screen": 38}
    assert not [m for m in measures if m.name == "reach"]  # nobody counts who looks
    assert {m.channel for m in measures} == {Platform.SCREENS}

    # and the campaign report shows them, on the page too
    assert "screens" in [source.slug for source in measure_sources()]
    with translation.override("en"):
        report = campaign_report(campaign=campaign)
    rows = report.tables["by_item"].rows
    assert {(r["item"], r["neighbourhood"], r["plays"]) for r in rows} == {
        (f"A (#{a.pk})", "Borgo", 2),
        (f"A (#{a.pk})", "testa-2-riva", 1),  # not one of the campaign's areas: its slug
        (f"B (#{b.pk})", "testa-2-riva", 1),
    }
    borgo = next(r for r in report.tables["neighbourhoods"].rows if r["neighbourhood"] == "Borgo")
    assert borgo["plays"] == 2
    page = client_for(analyst).get(f"/analytics/campaigns/{campaign.slug}/").content.decode()
    assert f"A (#{a.pk})" in page
    assert "Seconds on screen" in page


def test_the_plan_s_screens_reach_is_said_not_measured_and_why():
    row = PlanActualRow("city-screens", "City screens", 1000, 0.0, None, None, "", 0, "")
    with translation.override("en"):
        text = explain(row, platform=Platform.SCREENS)
    assert text.startswith("Not measured: the screens report plays and seconds on screen")
