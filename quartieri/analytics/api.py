"""Read-only API of the measured aggregates, under ``/api/v1/analytics/``.

A router of the project's one API (``campaigns/api.py``: bearer tokens, one error shape),
added from ``AnalyticsConfig.ready`` so campaigns never imports analytics. Every call needs
``analytics.view`` (every role has it) and changes nothing.
"""

# No "from __future__ import annotations" here: django-ninja's @paginate reads the view's
# annotations from its own module (see campaigns/api.py).

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.params.functions import Path, Query

from quartieri.accounts.models import User
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.analytics.campaign_report import campaign_report
from quartieri.analytics.reports import link_stats
from quartieri.analytics.tracking import EventKind, Link, Period, Rollup
from quartieri.campaigns.api import ERRORS, Page, PathSlug
from quartieri.campaigns.models import Campaign

router = Router(tags=["analytics"])
TableName = Annotated[str, Path(pattern=r"^[a-z_]+$", max_length=40)]


class ColumnOut(Schema):
    key: str
    label: str


class TableOut(Schema):
    name: str
    caption: str
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]
    note: str


class PlanActualOut(Schema):
    channel: str
    name: str
    planned_reach: int | None
    measured_reach: int | None
    difference_pct: float | None
    planned_budget: float
    planned_cost_per_thousand: float | None
    measured_cost_per_thousand: float | None
    basis: str
    simulated: int
    explanation: str


class CampaignSummaryOut(Schema):
    slug: str
    name: str
    start_date: dt.date
    end_date: dt.date
    simulated: int
    sources: list[str]
    plan_actual: list[PlanActualOut]
    tables: list[str]


class RollupOut(Schema):
    period: str
    start: dt.datetime
    kind: str
    campaign: str
    neighbourhood: str
    channel: str
    link: str | None
    count: int
    bots: int
    simulated: int


class LinkOut(Schema):
    code: str
    url: str
    target: str
    channel: str
    medium: str
    neighbourhood: str | None
    campaign: str | None
    placement: str
    clicks: int
    bots: int
    simulated: int
    deleted: bool


def _analyst(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    if not isinstance(user, User) or not user_can(user, Capability.VIEW_ANALYTICS):
        raise PermissionDenied(
            _("Your role does not allow this (%(capability)s).")
            % {"capability": Capability.VIEW_ANALYTICS.value}
        )
    return user


@router.get("/campaigns/{slug}", response={200: CampaignSummaryOut, **ERRORS})
def campaign_summary(request: HttpRequest, slug: PathSlug) -> Any:
    """A campaign's plan versus actual and the names of its tables."""
    _analyst(request)
    campaign = get_object_or_404(Campaign.objects.select_related("plan"), slug=slug)
    report = campaign_report(campaign=campaign)
    return {
        "slug": campaign.slug,
        "name": campaign.name,
        "start_date": campaign.start_date,
        "end_date": campaign.end_date,
        "simulated": report.simulated,
        "sources": report.sources,
        "plan_actual": [row.as_json() for row in report.plan],
        "tables": list(report.tables),
    }


@router.get("/campaigns/{slug}/tables/{name}", response={200: TableOut, **ERRORS})
def campaign_table(request: HttpRequest, slug: PathSlug, name: TableName) -> Any:
    """One of a campaign's tables, as the dashboard and the CSV export show it."""
    _analyst(request)
    campaign = get_object_or_404(Campaign.objects.select_related("plan"), slug=slug)
    table = campaign_report(campaign=campaign).tables.get(name)
    if table is None:
        raise Http404(name)
    return table.as_json()


@router.get("/rollups", response={200: list[RollupOut], **ERRORS})
@paginate(Page)
def rollups(
    request: HttpRequest,
    period: Annotated[Period, Query(Period.DAY)] = Period.DAY,
    kind: Annotated[EventKind | None, Query(None)] = None,
    campaign: Annotated[str | None, Query(None, max_length=200)] = None,
    since: Annotated[dt.date | None, Query(None)] = None,
    until: Annotated[dt.date | None, Query(None)] = None,
) -> Any:
    """Hourly or daily counts by campaign, neighbourhood, channel and link."""
    _analyst(request)
    rows = Rollup.objects.filter(period=period).order_by("start", "kind", "pk")
    if kind is not None:
        rows = rows.filter(kind=kind)
    if campaign is not None:
        rows = rows.filter(campaign=campaign)
    if since is not None:
        rows = rows.filter(start__date__gte=since)
    if until is not None:
        rows = rows.filter(start__date__lte=until)
    # A roll-up keeps its link as a plain id (0 for none); the answer names the link by code.
    codes = Link.objects.filter(pk=OuterRef("link_id")).values("code")[:1]
    return rows.annotate(link=Subquery(codes))


@router.get("/links", response={200: list[LinkOut], **ERRORS})
def links(request: HttpRequest) -> Any:
    """Every tracked link with its clicks (QR scans included), bots apart."""
    _analyst(request)
    return link_stats()


def router_install() -> None:
    from quartieri.campaigns.api import api

    if not any(r is router for _prefix, r in api._routers):
        api.add_router("/analytics", router)
