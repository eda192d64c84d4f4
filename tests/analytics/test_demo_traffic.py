"""The demo's simulated traffic: idempotent, and simulated in every figure it makes."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db.models import F, Sum
from django.utils import timezone
from rich.console import Console

from quartieri.analytics import demo as analytics_demo
from quartieri.analytics.campaign_report import campaign_report
from quartieri.analytics.measures import SIMULATED_SOURCE
from quartieri.analytics.models import AccountMetric
from quartieri.analytics.tracking import Link, LinkEvent, PageView, Rollup
from quartieri.campaigns import demo as campaigns_demo
from quartieri.campaigns.models import Campaign
from quartieri.core import demo as core_demo
from quartieri.places.models import Neighbourhood

pytestmark = pytest.mark.django_db


def test_the_demo_traffic_is_simulated_everywhere_and_loads_once(
    measure_settings: Any, monkeypatch: Any
) -> None:
    # Two weeks of the campaign are enough to check the labels (the demo runs all of it).
    monkeypatch.setattr(
        analytics_demo, "_days", lambda c: [c.start_date + dt.timedelta(days=n) for n in range(14)]
    )
    Neighbourhood.objects.create(
        code="11", slug="isola", name_it="Isola", geometry={}, centroid_lat=45.49,
        centroid_lon=9.19, area_m2=1.0,
    )  # fmt: skip
    console = Console(file=io.StringIO())
    core_demo.load(console=console, from_today=False)
    campaigns_demo.load(console=console, from_today=False)
    analytics_demo.load(console=console, from_today=False)
    first = (LinkEvent.objects.count(), PageView.objects.count(), AccountMetric.objects.count())
    analytics_demo.load(console=console, from_today=False)
    assert (
        LinkEvent.objects.count(),
        PageView.objects.count(),
        AccountMetric.objects.count(),
    ) == first
    assert min(first) > 0
    # One neighbourhood, two campaigns: 2021 and the current one.
    assert Link.objects.count() == 2 * len(analytics_demo.LINK_CHANNELS)
    assert {link.campaign.slug for link in Link.objects.select_related("campaign")} == {
        campaigns_demo.SLUG,
        campaigns_demo.CURRENT_SLUG,
    }
    # The current campaign's traffic stops at the moment of loading.
    assert not PageView.objects.filter(at__gt=timezone.now()).exists()
    assert not LinkEvent.objects.filter(at__gt=timezone.now()).exists()
    # Every event, every roll-up count and every platform figure says it is simulated.
    assert not LinkEvent.objects.filter(simulated=False).exists()
    assert not PageView.objects.filter(simulated=False).exists()
    assert not Rollup.objects.exclude(simulated=F("count")).exists()
    assert not AccountMetric.objects.exclude(source__startswith=SIMULATED_SOURCE).exists()
    report = campaign_report(campaign=Campaign.objects.get(slug=campaigns_demo.SLUG))
    human = Rollup.objects.filter(period="day", kind__in=["click", "scan"]).aggregate(
        n=Sum("count")
    )
    assert human["n"] > 0
    assert report.simulated > 0
    measured = [row for row in report.plan if row.measured_reach]
    assert measured
    assert all(row.simulated == row.measured_reach for row in measured)
    assert all("simulated" in row.explanation for row in measured)
