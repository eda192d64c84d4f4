"""A campaign's figures as tables and charts: one structure for the page, CSV, PDF and API.

Every chart is drawn from a table (``Chart.table``), which the page shows next to it as its
text alternative and which CSV export, the PDF and the API return as they are.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quartieri.analytics.kind import channel_label
from quartieri.analytics.measures import (
    SIMULATED_SOURCE,
    Measure,
    campaign_days,
    campaign_measures,
    measure_sources,
)
from quartieri.analytics.models import PostMetric
from quartieri.analytics.plan_actual import PlanActualRow, plan_versus_actual
from quartieri.analytics.tracking import EventKind, Link, Period, Rollup
from quartieri.campaigns.models import Campaign
from quartieri.channels.registry import Platform

TOP = 10


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    numeric: bool = False


@dataclass
class Table:
    name: str
    caption: str | Promise
    columns: list[Column]
    rows: list[dict[str, Any]]
    note: str | Promise = ""

    def cells(self) -> list[list[tuple[Any, bool]]]:
        """Rows as (value, numeric) pairs in column order, for templates."""
        return [[(row.get(c.key), c.numeric) for c in self.columns] for row in self.rows]

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "caption": str(self.caption),
            "columns": [{"key": c.key, "label": str(c.label)} for c in self.columns],
            "rows": self.rows,
            "note": str(self.note),
        }


@dataclass(frozen=True)
class Chart:
    name: str
    title: str | Promise
    kind: str  # line | bar
    table: str  # the table that is its text alternative
    labels: list[str]
    series: list[tuple[str, list[float]]]

    def as_json(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "title": str(self.title),
            "labels": self.labels,
            "datasets": [{"label": label, "data": data} for label, data in self.series],
        }


@dataclass
class CampaignReport:
    campaign: Campaign
    tables: dict[str, Table]
    charts: list[Chart]
    plan: list[PlanActualRow]
    simulated: int
    sources: list[str]
    generated_at: dt.datetime = field(default_factory=timezone.now)


def campaign_report(*, campaign: Campaign) -> CampaignReport:
    measures = campaign_measures(campaign=campaign)
    plan = plan_versus_actual(campaign=campaign, measures=measures)
    names = dict(campaign.neighbourhoods.values_list("slug", "name_it"))
    tables = [
        _reach_by_day(measures),
        _neighbourhoods(names, measures),
        _plan_table(plan),
        _top_posts(campaign),
        _top_links(campaign),
        _newsletter(measures),
        _by_item(names, measures),
    ]
    charts = [
        _line_chart("reach_by_day", _("Reach by channel over time"), tables[0]),
        _bar_chart("neighbourhoods", _("Visits and scans by neighbourhood"), tables[1]),
        _bar_chart(
            "plan_actual",
            _("Plan versus actual: people reached"),
            tables[2],
            keys=["planned_reach", "measured_reach"],
        ),
    ]
    return CampaignReport(
        campaign=campaign,
        tables={t.name: t for t in tables},
        charts=[c for c in charts if c.labels],
        plan=plan,
        simulated=sum(m.simulated for m in measures if m.day is None),
        sources=[str(s.label) for s in measure_sources()],
    )


# --- Tables ---------------------------------------------------------------------------------
def _reach_by_day(measures: list[Measure]) -> Table:
    by_day: dict[dt.date, dict[str, int]] = defaultdict(dict)
    channels: set[str] = set()
    for m in measures:
        if m.name == "reach" and m.day is not None:
            by_day[m.day][m.channel] = by_day[m.day].get(m.channel, 0) + m.value
            channels.add(m.channel)
    ordered = sorted(channels)
    return Table(
        name="reach_by_day",
        caption=gettext_lazy("Daily reach by channel, as each platform reports its accounts"),
        columns=[Column("day", gettext_lazy("Day"))]
        + [Column(c, channel_label(c), numeric=True) for c in ordered],
        rows=[
            {"day": day.isoformat()} | {c: by_day[day].get(c, 0) for c in ordered}
            for day in sorted(by_day)
        ],
        note=gettext_lazy("A person reached on two days counts on both days."),
    )


def _neighbourhoods(names: dict[str, str], measures: list[Measure]) -> Table:
    """``names``: the campaign's neighbourhoods, slug → name."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    keys = ["pageviews", "visitors", "scans", "clicks", "plays"]
    for m in measures:
        if m.day is not None and m.name in keys:
            totals[m.neighbourhood or ""][m.name] += m.value
    return Table(
        name="neighbourhoods",
        caption=gettext_lazy(
            "Mini-site visits, tracked-link scans and clicks, and screen plays by neighbourhood"
        ),
        columns=[
            Column("neighbourhood", gettext_lazy("Neighbourhood")),
            Column("pageviews", gettext_lazy("Page views"), numeric=True),
            Column("visitors", gettext_lazy("Visitors (sum of daily uniques)"), numeric=True),
            Column("scans", gettext_lazy("QR scans"), numeric=True),
            Column("clicks", gettext_lazy("Link clicks"), numeric=True),
            Column("plays", gettext_lazy("Screen plays"), numeric=True),
        ],
        rows=[
            {"neighbourhood": names.get(slug, slug or _("(none)"))}
            | {k: totals[slug][k] for k in keys}
            for slug in sorted(totals, key=lambda s: (s not in names, names.get(s, s)))
        ],
    )


def _plan_table(plan: list[PlanActualRow]) -> Table:
    return Table(
        name="plan_actual",
        caption=gettext_lazy("Plan versus actual: people reached per channel"),
        columns=[
            Column("name", gettext_lazy("Channel")),
            Column("planned_reach", gettext_lazy("Planned"), numeric=True),
            Column("measured_reach", gettext_lazy("Measured"), numeric=True),
            Column("difference_pct", gettext_lazy("Difference (%)"), numeric=True),
            Column("explanation", gettext_lazy("Why")),
        ],
        rows=[row.as_json() for row in plan],
        note=gettext_lazy(
            "Planned: de-duplicated people from the campaign's saved plan. Measured: what "
            "each source can count, explained row by row."
        ),
    )


def _top_posts(campaign: Campaign) -> Table:
    latest: dict[int, dict[str, Any]] = {}
    metrics = (
        PostMetric.objects.filter(entry__variant__content_item__campaign=campaign)
        .select_related("entry__variant", "account")
        .order_by("day")
    )
    for metric in metrics:
        row = latest.setdefault(
            metric.entry_id,
            {
                "post": (metric.entry.variant.caption or "")[:80],
                "account": str(metric.account),
                "published": timezone.localtime(metric.entry.published_at).date().isoformat()
                if metric.entry.published_at
                else "",
                "reach": None,
                "views": None,
                "likes": None,
                "simulated": False,
            },
        )
        if metric.name in {"reach", "views", "likes"}:
            row[metric.name] = metric.value  # running totals: the last day wins
        row["simulated"] = row["simulated"] or metric.source.startswith(SIMULATED_SOURCE)
    rows = sorted(
        latest.values(), key=lambda r: -(r["reach"] if r["reach"] is not None else r["views"] or 0)
    )
    return Table(
        name="top_posts",
        caption=gettext_lazy("Top posts by reach (views where the platform gives no reach)"),
        columns=[
            Column("post", gettext_lazy("Post")),
            Column("account", gettext_lazy("Account")),
            Column("published", gettext_lazy("Published")),
            Column("reach", gettext_lazy("Reach"), numeric=True),
            Column("views", gettext_lazy("Views"), numeric=True),
            Column("likes", gettext_lazy("Likes"), numeric=True),
        ],
        rows=rows[:TOP],
    )


def _top_links(campaign: Campaign) -> Table:
    first, after = campaign_days(campaign)
    counts = {
        row["link_id"]: row
        for row in Rollup.objects.filter(
            period=Period.DAY,
            start__gte=first,
            start__lt=after,
            campaign=campaign.slug,
            kind__in=[EventKind.CLICK, EventKind.SCAN],
        )
        .values("link_id")
        .annotate(n=Sum("count"), bots=Sum("bots"), sim=Sum("simulated"))
    }
    links = Link.objects.filter(pk__in=counts).select_related("neighbourhood")
    rows: list[dict[str, Any]] = [
        {
            "code": link.code,
            "channel": str(channel_label(link.channel)),
            "placement": link.placement,
            "neighbourhood": link.neighbourhood.name_it if link.neighbourhood else "",
            "kind": str(_("QR scans") if link.is_scan else _("clicks")),
            "count": int(counts[link.pk]["n"]),
            "bots": int(counts[link.pk]["bots"]),
            "simulated": int(counts[link.pk]["sim"]),
        }
        for link in links
    ]
    rows.sort(key=lambda r: (-r["count"], r["code"]))
    return Table(
        name="top_links",
        caption=gettext_lazy("Top tracked links and posters"),
        columns=[
            Column("code", gettext_lazy("Link")),
            Column("channel", gettext_lazy("Channel")),
            Column("placement", gettext_lazy("Placement")),
            Column("neighbourhood", gettext_lazy("Neighbourhood")),
            Column("kind", gettext_lazy("Counted")),
            Column("count", gettext_lazy("People"), numeric=True),
            Column("bots", gettext_lazy("Bots (apart)"), numeric=True),
        ],
        rows=rows[: TOP * 2],
    )


NEWSLETTER_FIGURES = ("sent", "delivered", "bounced", "unsubscribed", "clicks")


def _newsletter(measures: list[Measure]) -> Table:
    totals = {
        m.name: m.value
        for m in measures
        if m.channel == Platform.NEWSLETTER and m.day is None and m.name in NEWSLETTER_FIGURES
    }
    return Table(
        name="newsletter_health",
        caption=gettext_lazy("Newsletter health"),
        columns=[
            Column("figure", gettext_lazy("Figure")),
            Column("value", gettext_lazy("Value"), numeric=True),
        ],
        rows=[
            {"figure": name, "value": totals[name]} for name in NEWSLETTER_FIGURES if name in totals
        ],
        note=""
        if totals
        else gettext_lazy(
            "No newsletter figures: the newsletter reports them (sent, delivered, bounced, "
            "unsubscribed, clicks) once it is installed as a measure source."
        ),
    )


def _by_item(names: dict[str, str], measures: list[Measure]) -> Table:
    """Campaign totals of single items (a screen slide …) per neighbourhood, one column per
    figure the sources give for them (``names``: slug → name of the campaign's ones)."""
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    figures: list[str] = []
    for m in measures:
        if m.day is not None or not m.subject:
            continue
        row = rows.setdefault(
            (m.channel, m.subject, m.neighbourhood),
            {
                "channel": str(channel_label(m.channel)),
                "item": m.subject,
                "neighbourhood": names.get(m.neighbourhood, m.neighbourhood),
            },
        )
        row[m.name] = row.get(m.name, 0) + m.value
        if m.name not in figures:
            figures.append(m.name)
    return Table(
        name="by_item",
        caption=gettext_lazy("Figures per item and neighbourhood (screen slides: proof of play)"),
        columns=[
            Column("channel", gettext_lazy("Channel")),
            Column("item", gettext_lazy("Item")),
            Column("neighbourhood", gettext_lazy("Neighbourhood")),
        ]
        + [Column(name, FIGURE_LABELS.get(name, name), numeric=True) for name in figures],
        rows=[rows[key] for key in sorted(rows)],
        note=""
        if rows
        else gettext_lazy("No installed source has reported figures of single items yet."),
    )


FIGURE_LABELS = {
    "plays": gettext_lazy("Plays"),
    "displays": gettext_lazy("Displays"),
    "seconds_on_screen": gettext_lazy("Seconds on screen"),
}


# --- Charts from tables -------------------------------------------------------------------------
def _line_chart(name: str, title: str, table: Table) -> Chart:
    labels = [row["day"] for row in table.rows]
    series = [(str(c.label), [float(row[c.key]) for row in table.rows]) for c in table.columns[1:]]
    return Chart(name, title, "line", table.name, labels, series)


def _bar_chart(name: str, title: str, table: Table, *, keys: list[str] | None = None) -> Chart:
    """Bars per row of the table: one series per numeric column (or per ``keys``)."""
    label_key = table.columns[0].key
    columns = [c for c in table.columns if c.numeric and (keys is None or c.key in keys)]
    labels = [str(row[label_key]) for row in table.rows]
    series = [(str(c.label), [float(row[c.key] or 0) for row in table.rows]) for c in columns]
    return Chart(name, title, "bar", table.name, labels, series)
