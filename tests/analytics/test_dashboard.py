"""Campaign dashboard, plan versus actual, CSV export, PDF report, API, account month,
feedback to the planner — on figures ingested through the real sink."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from quartieri.accounts.models import AuditEvent
from quartieri.analytics.ingest import LinkHit, PageHit, events_write_now
from quartieri.analytics.links import link_for
from quartieri.analytics.measures import SIMULATED_SOURCE, Measure
from quartieri.analytics.models import AccountMetric
from quartieri.analytics.plan_actual import plan_versus_actual
from quartieri.analytics.tracking import Link, PlannerFeedback
from quartieri.audiences.models import AudienceCount, Channel, ChannelFigure
from quartieri.campaigns.models import Campaign, ContentItem, Variant
from quartieri.campaigns.services import api_token_create
from quartieri.channels.models import ChannelAccount
from quartieri.places.models import Neighbourhood
from quartieri.planner.models import SavedPlan
from tests.accessibility import axe_violations

pytestmark = pytest.mark.django_db

START, END = dt.date(2021, 5, 3), dt.date(2021, 5, 9)


def _at(day: dt.date, hour: int = 12) -> float:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour))).timestamp()


@pytest.fixture
def campaign(measure_settings: Any) -> Campaign:
    plan = SavedPlan.objects.create(
        name="Plan",
        inputs={},
        result={
            "channels": [
                {"channel": "posters", "name": "Posters", "recommended": True, "reach": 1000,
                 "budget": 500.0, "cost_per_thousand_reached": 500.0},
                {"channel": "facebook", "name": "Facebook", "recommended": True, "reach": 4000,
                 "budget": 0.0, "cost_per_thousand_reached": None},
                {"channel": "newsletter", "name": "Newsletter", "recommended": True,
                 "reach": 2000, "budget": 0.0, "cost_per_thousand_reached": None},
                {"channel": "youtube", "name": "YouTube", "recommended": False, "reach": 0},
            ]
        },
    )  # fmt: skip
    campaign = Campaign.objects.create(
        name="Quartieri 2021", slug="quartieri-2021", start_date=START, end_date=END, plan=plan
    )
    isola = Neighbourhood.objects.create(
        code="11", slug="isola", name_it="Isola", geometry={}, centroid_lat=45.49,
        centroid_lon=9.19, area_m2=1.0,
    )  # fmt: skip
    campaign.neighbourhoods.add(isola)
    page = ChannelAccount.objects.create(platform="facebook", handle="ComunediMilano")
    item = ContentItem.objects.create(campaign=campaign, title="Isola", neighbourhood=isola)
    Variant.objects.create(content_item=item, account=page, post_type="feed", caption="Isola")
    for n in range(7):
        AccountMetric.objects.create(
            account=page, platform="facebook", metric="page_total_media_view_unique",
            name="reach", kind="daily", source="§3.3", day=START + dt.timedelta(days=n),
            value=1000 + n, fetched_at=timezone.now(),
        )  # fmt: skip
    AccountMetric.objects.create(
        account=page, platform="facebook", metric="page_follows", name="followers",
        kind="total", day=END, value=210_000, fetched_at=timezone.now(),
    )  # fmt: skip
    return campaign


@pytest.fixture
def traffic(campaign: Campaign) -> dict[str, str]:
    poster = link_for(target="/q/isola/it/", channel="posters", neighbourhood="isola",
                      campaign=campaign.slug, placement="=HYPERLINK(\"http://x\")")  # fmt: skip
    news = link_for(target="/q/isola/en/", channel="newsletter", campaign=campaign.slug)
    links = {u.rsplit("/", 1)[1]: u for u in (poster, news)}
    ids = {code: Link.objects.get(code=code) for code in links}
    events: list[LinkHit | PageHit] = []
    for _code, link in ids.items():
        count = 30 if link.is_scan else 12
        for n in range(count):
            events.append(
                LinkHit(
                    _at(START + dt.timedelta(days=n % 7)),
                    link.pk,
                    "scan" if link.is_scan else "click",
                    link.channel,
                    "isola" if link.is_scan else "",
                    campaign.slug,
                    "mobile",
                    "IT",
                    bot=n == 0,
                )  # fmt: skip
            )
    for n in range(20):
        events.append(
            PageHit(
                _at(START),
                "isola",
                "it",
                "/isola/it/",
                "",
                "posters",
                "print",
                campaign.slug,
                "",
                "",
                "mobile",
                "IT",
                visitor=n % 8,
            )  # fmt: skip
        )
    assert events_write_now(events) == len(events)
    return {"poster": next(iter(links))}


def test_plan_versus_actual_explains_each_difference(campaign: Campaign, traffic: Any) -> None:
    from quartieri.analytics.measures import campaign_measures

    rows = {
        r.channel: r
        for r in plan_versus_actual(
            campaign=campaign, measures=campaign_measures(campaign=campaign)
        )
    }
    assert list(rows) == [
        "posters",
        "facebook",
        "newsletter",
        "website",
    ]  # plan order, then measured
    posters = rows["posters"]
    assert (posters.planned_reach, posters.measured_reach) == (1000, 29)  # 30 scans, 1 bot
    assert posters.difference_pct == -97.1
    assert "97.1 % below the plan" in posters.explanation
    assert "QR scans" in posters.explanation
    assert posters.measured_cost_per_thousand == round(500 / 29 * 1000, 2)
    facebook = rows["facebook"]
    assert facebook.measured_reach == sum(1000 + n for n in range(7))
    assert "daily reach" in facebook.explanation
    assert "once a day" in facebook.explanation
    assert rows["newsletter"].measured_reach is None
    assert rows["newsletter"].explanation.startswith("Not measured")
    website = rows["website"]
    assert (website.planned_reach, website.measured_reach) == (None, 8)  # 8 daily uniques
    assert website.explanation.startswith("Not in the plan")


def test_simulated_figures_are_said_to_be_simulated() -> None:
    measure = Measure("links", "posters", "reach", 50, "QR scans", simulated=50)
    campaign = Campaign(name="x", slug="x", start_date=START, end_date=END)
    (row,) = plan_versus_actual(campaign=campaign, measures=[measure])
    assert "50 of the measured figure is simulated" in row.explanation


def test_the_dashboard_shows_charts_with_tables_and_the_plan(
    campaign: Campaign, traffic: Any, client_for: Any, analyst: Any
) -> None:
    response = client_for(analyst).get(
        f"/analytics/campaigns/{campaign.slug}/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="plan-actual"' in html
    charts = json.loads(
        html.split('id="analytics-charts" type="application/json">')[1].split("</script>")[0]
    )
    assert set(charts) == {"chart-reach_by_day", "chart-neighbourhoods", "chart-plan_actual"}
    assert charts["chart-neighbourhoods"]["labels"] == ["Isola", "(none)"]
    for name in ("reach_by_day", "neighbourhoods", "plan_actual"):
        assert f'data-testid="table-{name}"' in html  # every chart's table alternative
    assert "<script>" not in html.replace("<script src=", "")  # no inline script (CSP)
    assert 'data-testid="simulated-banner"' not in html


def test_csv_export_neutralises_formulas(
    campaign: Campaign, traffic: Any, client_for: Any, analyst: Any
) -> None:
    response = client_for(analyst).get(f"/analytics/campaigns/{campaign.slug}/tables/top_links.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Link"
    placements = [row[2] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in placements
    assert (
        client_for(analyst).get(f"/analytics/campaigns/{campaign.slug}/tables/nope.csv").status_code
        == 404
    )


def test_rendering_the_pdf_leaves_pillows_truncated_image_setting_alone(
    campaign: Campaign, client_for: Any, analyst: Any
) -> None:
    # WeasyPrint's import turns it on for the whole process; the media upload check of
    # campaigns depends on it being off.
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    client_for(analyst).get(f"/analytics/campaigns/{campaign.slug}/report.pdf")
    assert before == ImageFile.LOAD_TRUNCATED_IMAGES


def test_the_pdf_report_has_the_charts_and_tables(
    campaign: Campaign, traffic: Any, client_for: Any, analyst: Any
) -> None:
    response = client_for(analyst).get(f"/analytics/campaigns/{campaign.slug}/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Quartieri 2021" in text
    assert "Plan versus actual" in text or "Piano e risultati" in text
    images = sum(len(page.images) for page in reader.pages)
    assert images == 0  # charts stay vector (SVG drawn as paths), no bitmap
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged (PDF/UA)


def test_the_api_serves_aggregates_read_only(
    campaign: Campaign, traffic: Any, analyst: Any
) -> None:
    token = api_token_create(actor=analyst, user=analyst, name="t")[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    summary = client.get(f"/api/v1/analytics/campaigns/{campaign.slug}").json()
    assert summary["plan_actual"][0]["channel"] == "posters"
    table = client.get(f"/api/v1/analytics/campaigns/{campaign.slug}/tables/top_links").json()
    assert {row["count"] for row in table["rows"]} == {29, 11}
    links = client.get("/api/v1/analytics/links").json()
    assert sorted(row["clicks"] for row in links) == [11, 29]
    rollups = client.get("/api/v1/analytics/rollups?kind=scan&period=day").json()
    assert rollups["count"] == 7
    assert sum(r["count"] + r["bots"] for r in rollups["items"]) == 30
    assert client.post("/api/v1/analytics/links").status_code == 405
    assert Client().get("/api/v1/analytics/links").status_code == 401


def test_an_accounts_month_in_one_sentence(
    campaign: Campaign, client_for: Any, analyst: Any
) -> None:
    page = ChannelAccount.objects.get(handle="ComunediMilano")
    response = client_for(analyst).get(
        f"/analytics/accounts/{page.pk}/?month=2021-05", HTTP_ACCEPT_LANGUAGE="en"
    )
    html = response.content.decode()
    assert "reached 7,021 people in May 2021" in html
    assert "for 7 of the month&#x27;s 31 days" in html


def test_feedback_saves_measured_figures_as_planner_data(
    campaign: Campaign, traffic: Any, client_for: Any, approver: Any
) -> None:
    Channel.objects.create(slug="posters", name_en="Posters", name_it="Manifesti", paid=True)
    facebook = Channel.objects.create(
        slug="facebook", name_en="Facebook", name_it="Facebook", owned=True
    )
    ChannelFigure.objects.create(
        channel=facebook, key="owned_audience", value=203727, source="Corriere 2021"
    )
    response = client_for(approver).post(
        f"/analytics/campaigns/{campaign.slug}/planner-feedback/",
        {"apply": ["facebook:owned_audience", "posters:click_rate"]},
    )
    assert response.status_code == 302
    feedback = PlannerFeedback.objects.get()
    assert "Quartieri 2021" in feedback.label
    assert "2021-05-03" in feedback.label
    owned = ChannelFigure.objects.get(channel=facebook, key="owned_audience")
    assert (owned.value, owned.source) == (210_000, feedback.label)
    click = ChannelFigure.objects.get(channel__slug="posters", key="click_rate")
    assert click.value == 1.0  # 29 scans over 29 reached: every scan is a visit
    counts = AudienceCount.objects.filter(source=feedback.label)
    assert counts.filter(metric__startswith="people_reached_measured").count() == 3
    assert counts.filter(metric__startswith="eur_per_1000").count() == 1  # only posters had spend
    audit = AuditEvent.objects.get(action="planner.feedback")
    assert audit.actor == approver


def test_feedback_is_refused_to_editors_and_for_a_running_campaign(
    campaign: Campaign, traffic: Any, client_for: Any, editor: Any, approver: Any
) -> None:
    url = f"/analytics/campaigns/{campaign.slug}/planner-feedback/"
    assert client_for(editor).post(url, {}).status_code == 403
    Campaign.objects.filter(pk=campaign.pk).update(
        end_date=timezone.localdate() + dt.timedelta(days=3)
    )
    client_for(approver).post(url, {})
    assert not PlannerFeedback.objects.exists()
    assert not AudienceCount.objects.exists()
    assert not AuditEvent.objects.filter(action="planner.feedback").exists()


def test_links_page_creates_refuses_and_stops_links(
    measure_settings: Any, client_for: Any, editor: Any, analyst: Any, approver: Any
) -> None:
    made = client_for(editor).post("/analytics/links/", {"target": "/q/", "channel": "posters"})
    assert made.status_code == 302
    link = Link.objects.get()
    refused = client_for(editor).post("/analytics/links/", {"target": "//evil.example"})
    assert refused.status_code == 200
    assert "non ha lo schema" in refused.content.decode()  # staff default: Italian
    assert Link.objects.count() == 1
    assert client_for(analyst).post("/analytics/links/", {"target": "/q/x"}).status_code == 403
    assert client_for(editor).post(f"/analytics/links/{link.code}/delete/").status_code == 403
    assert Link.objects.get().deleted_at is None
    qr = client_for(analyst).get(f"/analytics/links/{link.code}/qr.svg")
    assert qr.status_code == 200
    assert f"/l/{link.code}".encode() in qr.content
    assert client_for(approver).post(f"/analytics/links/{link.code}/delete/").status_code == 302
    assert Link.objects.get().deleted_at is not None


def test_demo_figures_marked_simulated_show_a_banner(
    campaign: Campaign, client_for: Any, analyst: Any
) -> None:
    AccountMetric.objects.update(source=SIMULATED_SOURCE)
    html = client_for(analyst).get(f"/analytics/campaigns/{campaign.slug}/").content.decode()
    assert 'data-testid="simulated-banner"' in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_the_charts_draw_under_the_csp_and_the_pages_pass_axe(
    campaign: Campaign, traffic: Any, page: Any, login: Any, approver: Any
) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(approver)
    page.goto(f"/analytics/campaigns/{campaign.slug}/")
    page.wait_for_load_state("load")
    drawn = page.evaluate(
        "Array.from(document.querySelectorAll('canvas.analytics-chart'))"
        ".filter(c => window.Chart && window.Chart.getChart(c)).length"
    )
    assert drawn == 3
    assert axe_violations(page) == []
    page.goto("/analytics/links/")
    assert axe_violations(page) == []
    account = ChannelAccount.objects.get(handle="ComunediMilano")
    page.goto(f"/analytics/accounts/{account.pk}/")
    assert page.get_by_test_id("month-sentence").is_visible()
    assert axe_violations(page) == []
    assert not [e for e in errors if "Content Security Policy" in e]
