"""Where a campaign's figures come from: measure sources, each a small plug-in.

A source implements ``MeasureSource``: a slug, a label and ``measures(campaign=…)``, which
returns ``Measure`` rows — a channel's figure for a day (``day`` set) or for the whole
campaign (``day`` None), with the words saying how it was measured (``basis``). The
dashboards, the report, the API and plan versus actual read only these rows, so a new
source joins without a change here: an app adds a ``measures.py`` module with a
``SOURCES`` list (``quartieri.core.navigation.app_modules``), as the city screens do
(``screens/measures.py``: plays, displays, seconds on screen) and the newsletter will.

Names used so far: ``reach`` (people, as the channel reports them), ``views``, ``clicks``,
``scans``, ``pageviews``, ``visitors``; newsletter ones: ``sent``, ``delivered``,
``bounced``, ``unsubscribed``, ``clicks``; the screens': ``plays``, ``displays``,
``seconds_on_screen``. One ``reach`` total per channel is what plan
versus actual compares with the plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from django.db.models import QuerySet, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from quartieri.analytics.kind import INSIGHTS_PLATFORMS
from quartieri.analytics.models import AccountMetric, PostMetric
from quartieri.analytics.tracking import EventKind, Period, Rollup
from quartieri.campaigns.models import Campaign, Variant
from quartieri.channels.models import ChannelAccount
from quartieri.channels.registry import Platform
from quartieri.core.navigation import app_modules

# Figures the demo's traffic generator writes into the insights tables carry this prefix
# in their ``source`` column (that table has no flag of its own): they show as simulated.
SIMULATED_SOURCE = "SIMULATED by the quartieri demo traffic generator"


@dataclass(frozen=True)
class Measure:
    source: str
    channel: str  # a campaigns Platform value, or another channel kind's slug
    name: str
    value: int
    basis: str | Promise  # how it was measured, for people
    day: dt.date | None = None  # None: the campaign's total
    account: str = ""
    neighbourhood: str = ""
    simulated: int = 0  # how much of value was made up by the demo's traffic generator
    # What the figure is about within the channel when it is one item's (a slide, a post):
    # the campaign report's table of figures per item shows these.
    subject: str = ""


class MeasureSource(Protocol):
    @property
    def slug(self) -> str: ...

    @property
    def label(self) -> str | Promise: ...

    def measures(self, *, campaign: Campaign) -> list[Measure]: ...


def measure_sources() -> list[MeasureSource]:
    """Every installed source: this app's, then those other apps declare."""
    found: list[MeasureSource] = []
    for module in app_modules("measures"):
        found.extend(getattr(module, "SOURCES", []))
    return found


def campaign_measures(*, campaign: Campaign) -> list[Measure]:
    return [m for source in measure_sources() for m in source.measures(campaign=campaign)]


def campaign_days(campaign: Campaign) -> tuple[dt.datetime, dt.datetime]:
    """The campaign's first and last day as aware datetimes (Europe/Rome), end exclusive."""
    from django.utils import timezone

    first = timezone.make_aware(dt.datetime.combine(campaign.start_date, dt.time.min))
    after = timezone.make_aware(
        dt.datetime.combine(campaign.end_date + dt.timedelta(days=1), dt.time.min)
    )
    return first, after


def _local_day(moment: dt.datetime) -> dt.date:
    from django.utils import timezone

    return timezone.localtime(moment).date()


# --- Platform insights (pulled daily by publishing's connectors) ------------------------------
def campaign_accounts(campaign: Campaign) -> list[ChannelAccount]:
    """The channel accounts the campaign has posts for."""
    ids = Variant.objects.filter(content_item__campaign=campaign).values("account_id")
    return list(ChannelAccount.objects.filter(pk__in=ids).order_by("platform", "handle"))


class InsightsSource:
    slug = "insights"
    label = _("Platform insights")

    def measures(self, *, campaign: Campaign) -> list[Measure]:
        accounts = [a for a in campaign_accounts(campaign) if a.platform in INSIGHTS_PLATFORMS]
        rows = list(self._daily_reach(campaign, accounts))
        rows += self._totals(campaign, accounts, daily=rows)
        return rows

    def _daily_reach(self, campaign: Campaign, accounts: list[ChannelAccount]) -> Iterator[Measure]:
        metrics = AccountMetric.objects.filter(
            account__in=accounts,
            name="reach",
            day__gte=campaign.start_date,
            day__lte=campaign.end_date,
        ).select_related("account")
        for metric in metrics.order_by("day", "account_id"):
            yield Measure(
                source=self.slug,
                channel=metric.account.platform,
                account=str(metric.account),
                name="reach",
                value=metric.value,
                day=metric.day,
                basis=_("daily reach the platform reports for the account"),
                simulated=metric.value if metric.source.startswith(SIMULATED_SOURCE) else 0,
            )

    def _totals(
        self, campaign: Campaign, accounts: list[ChannelAccount], *, daily: list[Measure]
    ) -> list[Measure]:
        totals = []
        for platform in sorted({a.platform for a in accounts}):
            posts = self._post_totals(campaign, platform)
            if posts is not None:
                totals.append(posts)
                continue
            days = [m for m in daily if m.channel == platform]
            if days:
                totals.append(
                    Measure(
                        source=self.slug,
                        channel=platform,
                        name="reach",
                        value=sum(m.value for m in days),
                        basis=_(
                            "sum of the daily reach the platform reports for the account "
                            "over the campaign's days, all of its posts included: a person "
                            "reached on several days counts once a day"
                        ),
                        simulated=sum(m.simulated for m in days),
                    )
                )
        return totals

    def _post_totals(self, campaign: Campaign, platform: str) -> Measure | None:
        """Reach of the campaign's posts: each post's latest running total, added up."""
        posts = PostMetric.objects.filter(
            entry__variant__content_item__campaign=campaign, platform=platform
        )
        for name in ("reach", "views"):
            latest: dict[int, tuple[int, str]] = {}
            readings = posts.filter(name=name).order_by("day")
            for entry_id, value, source in readings.values_list("entry_id", "value", "source"):
                latest[entry_id] = (value, source)  # running totals: the last day wins
            if not latest:
                continue
            values = list(latest.values())
            basis = (
                _(
                    "sum of the reach of the campaign's %(n)s posts as the platform last "
                    "reported it: a person who saw two posts counts twice"
                )
                if name == "reach"
                else _(
                    "sum of the views of the campaign's %(n)s posts (the platform reports "
                    "views, not people): an upper bound on people reached"
                )
            )
            return Measure(
                source=self.slug,
                channel=platform,
                name="reach",
                value=sum(v for v, _s in values),
                basis=basis % {"n": len(values)},
                simulated=sum(v for v, s in values if s.startswith(SIMULATED_SOURCE)),
            )
        return None


# --- What the platform measures itself: tracked links and mini-site page views ---------------
def _rollups(of: Campaign, **filters: object) -> QuerySet[Rollup]:
    """Daily roll-ups within the campaign's days."""
    first, after = campaign_days(of)
    return Rollup.objects.filter(period=Period.DAY, start__gte=first, start__lt=after, **filters)


class LinkSource:
    slug = "links"
    label = _("Tracked links and QR codes")

    def measures(self, *, campaign: Campaign) -> list[Measure]:
        rows = (
            _rollups(campaign, campaign=campaign.slug, kind__in=[EventKind.CLICK, EventKind.SCAN])
            .values("start", "kind", "channel", "neighbourhood")
            .annotate(n=Sum("count"), sim=Sum("simulated"))
            .order_by("start")
        )
        measures: list[Measure] = []
        totals: dict[tuple[str, str], list[int]] = {}
        for row in rows:
            name = "scans" if row["kind"] == EventKind.SCAN else "clicks"
            measures.append(
                Measure(
                    source=self.slug,
                    channel=row["channel"],
                    name=name,
                    value=int(row["n"]),
                    day=_local_day(row["start"]),
                    neighbourhood=row["neighbourhood"],
                    basis=_("redirects of the campaign's tracked links, bots excluded"),
                    simulated=int(row["sim"]),
                )
            )
            total = totals.setdefault((row["channel"], name), [0, 0])
            total[0] += int(row["n"])
            total[1] += int(row["sim"])
        for (channel, name), (value, simulated) in sorted(totals.items()):
            measures.append(
                Measure(self.slug, channel, name, value, _("campaign total"), simulated=simulated)
            )
            if channel == Platform.POSTERS and name == "scans":
                measures.append(
                    Measure(
                        self.slug,
                        channel,
                        "reach",
                        value,
                        _(
                            "QR scans of the campaign's posters, bots excluded: people who "
                            "saw a poster without scanning it are not counted, and one "
                            "person may scan twice"
                        ),
                        simulated=simulated,
                    )
                )
        return measures


class PageViewSource:
    slug = "pageviews"
    label = _("Mini-site page views (cookieless)")

    def measures(self, *, campaign: Campaign) -> list[Measure]:
        sites = list(campaign.neighbourhoods.values_list("slug", flat=True))
        rows = (
            _rollups(
                campaign, neighbourhood__in=sites, kind__in=[EventKind.PAGEVIEW, EventKind.VISITOR]
            )
            .values("start", "kind", "neighbourhood")
            .annotate(n=Sum("count"), sim=Sum("simulated"))
            .order_by("start")
        )
        measures: list[Measure] = []
        visitors, simulated = 0, 0
        for row in rows:
            name = "visitors" if row["kind"] == EventKind.VISITOR else "pageviews"
            measures.append(
                Measure(
                    source=self.slug,
                    channel=Platform.WEBSITE,
                    name=name,
                    value=int(row["n"]),
                    day=_local_day(row["start"]),
                    neighbourhood=row["neighbourhood"],
                    basis=_("the mini-sites' own cookieless count"),
                    simulated=int(row["sim"]),
                )
            )
            if name == "visitors":
                visitors += int(row["n"])
                simulated += int(row["sim"])
        if rows:
            measures.append(
                Measure(
                    self.slug,
                    Platform.WEBSITE,
                    "reach",
                    visitors,
                    _(
                        "sum of the daily unique visitors of the campaign's neighbourhood "
                        "mini-sites: a person visiting on two days counts twice"
                    ),
                    simulated=simulated,
                )
            )
        return measures


SOURCES: list[MeasureSource] = [InsightsSource(), LinkSource(), PageViewSource()]
