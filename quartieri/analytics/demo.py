"""Demo: tracked links for the 2021 campaign and the current one, and SIMULATED traffic, so
the dashboards, plan versus actual and the PDF report have something to show (the current
campaign's so far: from its first day, today, up to the moment the demo is loaded).

Nothing here is measured. Every event is written with ``simulated=True`` (the dashboards,
the report, the link list and the API say how much of each figure is simulated) and every
platform figure carries ``measures.SIMULATED_SOURCE`` as its source. The traffic is a
fixed-seed script: the same demo gives the same figures. Scales: the Facebook page's daily
reach is drawn around the one sourced figure we have (6,293,000 people reached in February
2021, Corriere della Sera Milano, data/audiences/audience_counts.csv, i.e. about 225,000 a
day); TikTok's and Instagram's have no published figure and are picked for the demo.
Runs after the campaigns and publishing demos (``DEMO_AFTER_OTHERS``); idempotent.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator

from django.db import transaction
from django.utils import timezone
from rich.console import Console

from quartieri.analytics.ingest import LinkHit, PageHit, events_write_now
from quartieri.analytics.links import link_get_or_create, link_spec
from quartieri.analytics.measures import SIMULATED_SOURCE, campaign_accounts
from quartieri.analytics.models import AccountMetric, MetricKind
from quartieri.analytics.tracking import EventKind, Link, Rollup
from quartieri.campaigns import demo as campaigns_demo
from quartieri.campaigns.models import Campaign
from quartieri.channels.models import ChannelAccount
from quartieri.channels.registry import Platform

DEMO_AFTER_OTHERS = True
SEED = 2021
FACEBOOK_DAILY_REACH = 6_293_000 / 28  # the sourced February 2021 figure, per day
DAILY_REACH: dict[
    str, tuple[float, float]
] = {  # platform: (typical daily reach, spread); simulated, see the docstring
    Platform.FACEBOOK: (FACEBOOK_DAILY_REACH, 0.25),
    Platform.TIKTOK: (12_000, 0.6),
    Platform.INSTAGRAM: (18_000, 0.4),
}
DAILY_FOLLOWERS: dict[str, int] = {
    Platform.FACEBOOK: 203_727
}  # sourced (Feb 2021); grows a little, simulated
LINK_CHANNELS: list[
    tuple[str, int]
] = [  # channel, scans or clicks a day per neighbourhood at the campaign's start
    (Platform.POSTERS, 30),
    (Platform.NEWSLETTER, 20),
    (Platform.SCREENS, 8),
    (Platform.TIKTOK, 12),
    (Platform.INSTAGRAM, 10),
    (Platform.FACEBOOK, 15),
]
PHONES, COUNTRIES = (
    ["mobile"] * 7 + ["desktop"] * 2 + ["tablet"],
    ["IT"] * 6 + ["", "FR", "DE", "US", "CN", "ES"],
)


@transaction.atomic
def load(*, console: Console, from_today: bool) -> None:
    slugs = (campaigns_demo.SLUG, campaigns_demo.CURRENT_SLUG)
    campaigns = list(Campaign.objects.filter(slug__in=slugs).order_by("start_date"))
    if not campaigns:
        console.print("Measurement: no demo campaign, no simulated traffic.")
    for campaign in campaigns:
        _simulate(console, campaign)


def _simulate(console: Console, campaign: Campaign) -> None:
    if Rollup.objects.filter(campaign=campaign.slug, simulated__gt=0).exists():
        console.print(f"Measurement: simulated traffic of {campaign.name} already loaded.")
        return
    links = _links(campaign)
    # Repeatable, not a secret; 2021 keeps the figures it always had.
    seed = SEED if campaign.slug == campaigns_demo.SLUG else f"{SEED}-{campaign.slug}"
    rng = random.Random(seed)  # noqa: S311
    days = _days(campaign)
    now = timezone.now().timestamp()
    # Nothing after the moment of loading: today is only partly gone.
    hits: list[LinkHit | PageHit] = [*_link_events(rng, campaign, links, days)]
    hits += _page_views(rng, campaign, days)
    events = [event for event in hits if event.at <= now]
    written = events_write_now(events)
    figures = _platform_figures(rng, campaign, days)
    console.print(
        f"Measurement: {campaign.name}: {len(links)} tracked links; SIMULATED traffic for the "
        f"dashboard: {written:,} events and {figures:,} platform figures over {len(days)} days."
    )


def _days(campaign: Campaign) -> list[dt.date]:
    last = min(campaign.end_date, timezone.localdate())
    count = (last - campaign.start_date).days + 1
    return [campaign.start_date + dt.timedelta(days=n) for n in range(max(count, 0))]


def _links(campaign: Campaign) -> list[Link]:
    made = []
    for place in campaign.neighbourhoods.order_by("name_it"):
        for channel, _rate in LINK_CHANNELS:
            placement = f"{channel} · {place.name_it} (demo)"
            spec = link_spec(
                target=f"/q/{place.slug}/it/",
                channel=channel,
                neighbourhood=place.slug,
                campaign=campaign.slug,
                placement=placement,
            )
            made.append(link_get_or_create(spec=spec)[0])
    return made


_MIDNIGHTS: dict[dt.date, float] = {}


def _moment(rng: random.Random, day: dt.date) -> float:
    """A moment of the day, mostly in the afternoon (Europe/Rome; a DST day's hour may be
    off by one, which a simulation can afford)."""
    midnight = _MIDNIGHTS.get(day)
    if midnight is None:
        midnight = timezone.make_aware(dt.datetime.combine(day, dt.time.min)).timestamp()
        _MIDNIGHTS[day] = midnight
    hour = min(23, max(0, int(rng.gauss(15, 4))))
    return midnight + hour * 3600 + rng.randrange(3600)


def _curve(n: int, total: int) -> float:
    """Interest over the campaign: a launch peak, weekends up, a slow fade."""
    return 0.4 + 0.8 * math.exp(-n / max(total / 3, 1))


def _link_events(
    rng: random.Random, campaign: Campaign, links: list[Link], days: list[dt.date]
) -> Iterator[LinkHit]:
    rates = dict(LINK_CHANNELS)
    for n, day in enumerate(days):
        weekend = 1.4 if day.weekday() >= 5 else 1.0
        for link in links:
            expected = rates[link.channel] * _curve(n, len(days)) * weekend
            for _ in range(max(0, int(rng.gauss(expected, expected * 0.3)))):
                yield LinkHit(
                    at=_moment(rng, day),
                    link_id=link.pk,
                    kind=EventKind.SCAN if link.is_scan else EventKind.CLICK,
                    channel=link.channel,
                    neighbourhood=link.neighbourhood.slug if link.neighbourhood else "",
                    campaign=campaign.slug,
                    device=rng.choice(PHONES),
                    country=rng.choice(COUNTRIES),
                    bot=rng.random() < 0.03,
                    simulated=True,
                )


def _page_views(rng: random.Random, campaign: Campaign, days: list[dt.date]) -> Iterator[PageHit]:
    sources = [channel for channel, _rate in LINK_CHANNELS] + ["", ""]
    places = list(campaign.neighbourhoods.values_list("slug", flat=True))
    for n, day in enumerate(days):
        for place in places:
            visitors = [rng.getrandbits(63) for _ in range(int(60 * _curve(n, len(days))))]
            for visitor in visitors:
                source = rng.choice(sources)
                for _page in range(1 + int(rng.expovariate(0.8))):
                    yield PageHit(
                        at=_moment(rng, day),
                        neighbourhood=place,
                        language=rng.choice(["it", "it", "en"]),
                        path=rng.choice([f"/{place}/it/", f"/{place}/en/", f"/{place}/it/tours/"]),
                        referrer="" if source else rng.choice(["", "www.google.com"]),
                        utm_source=source,
                        utm_medium="",
                        utm_campaign=campaign.slug if source else "",
                        utm_content="",
                        utm_term="",
                        device=rng.choice(PHONES),
                        country=rng.choice(COUNTRIES),
                        visitor=visitor,
                        simulated=True,
                    )


def _platform_figures(rng: random.Random, campaign: Campaign, days: list[dt.date]) -> int:
    rows = []
    now = timezone.now()
    for account in campaign_accounts(campaign):
        if account.platform not in DAILY_REACH or account.is_personal:
            continue
        rows += _account_rows(rng, account, days, now)
    AccountMetric.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _account_rows(
    rng: random.Random, account: ChannelAccount, days: list[dt.date], now: dt.datetime
) -> list[AccountMetric]:
    typical, spread = DAILY_REACH[account.platform]
    source = f"{SIMULATED_SOURCE} (no platform was asked)"
    rows = []
    followers = DAILY_FOLLOWERS.get(account.platform)
    for n, day in enumerate(days):
        value = max(0, int(rng.gauss(typical * _curve(n, len(days)) / 0.8, typical * spread)))
        rows.append(_metric(account, "reach", "reach", MetricKind.DAILY, day, value, source, now))
        if followers is not None:
            followers += int(rng.gauss(60, 20))
            rows.append(
                _metric(
                    account, "followers", "followers", MetricKind.TOTAL, day, followers, source, now
                )
            )
    return rows


def _metric(
    account: ChannelAccount,
    metric: str,
    name: str,
    kind: str,
    day: dt.date,
    value: int,
    source: str,
    now: dt.datetime,
) -> AccountMetric:
    return AccountMetric(
        account=account,
        platform=account.platform,
        metric=f"simulated_{metric}",
        name=name,
        kind=kind,
        source=source,
        day=day,
        value=value,
        fetched_at=now,
    )
