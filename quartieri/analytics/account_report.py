"""A channel account's month: "the Facebook page reached N people in February"."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _

from quartieri.analytics.campaign_report import Chart, Column, Table
from quartieri.analytics.measures import SIMULATED_SOURCE
from quartieri.analytics.models import AccountMetric
from quartieri.channels.models import ChannelAccount


@dataclass(frozen=True)
class AccountMonth:
    account: ChannelAccount
    month: dt.date  # the first day
    reach: int
    days_with_figures: int
    days_in_month: int
    followers: int | None
    simulated: bool
    sentence: str
    table: Table
    chart: Chart


def account_months(*, account: ChannelAccount) -> list[dt.date]:
    """Months with any reach figure for the account, newest first."""
    days = AccountMetric.objects.filter(account=account, name="reach").dates("day", "month")
    return sorted(days, reverse=True)


def account_month_report(*, account: ChannelAccount, month: dt.date) -> AccountMonth:
    first = month.replace(day=1)
    length = calendar.monthrange(first.year, first.month)[1]
    last = first.replace(day=length)
    metrics = AccountMetric.objects.filter(account=account, day__gte=first, day__lte=last)
    reach = list(metrics.filter(name="reach").order_by("day"))
    followers = metrics.filter(name="followers").order_by("-day").first()
    total = sum(m.value for m in reach)
    simulated = any(m.source.startswith(SIMULATED_SOURCE) for m in reach)
    month_name = formats.date_format(first, "F Y")
    if reach:
        sentence = _(
            "%(account)s reached %(n)s people in %(month)s: the sum of the daily reach the "
            "platform reported for %(days)s of the month's %(length)s days (a person reached on "
            "several days counts once a day)."
        ) % {
            "account": account.display_name or str(account),
            "n": formats.number_format(total, force_grouping=True),
            "month": month_name,
            "days": len(reach),
            "length": length,
        }
    else:
        sentence = _("No reach figures for %(account)s in %(month)s.") % {
            "account": account.display_name or str(account),
            "month": month_name,
        }
    table = Table(
        name="account_month",
        caption=_("Daily reach of %(account)s, %(month)s")
        % {"account": account, "month": month_name},
        columns=[Column("day", _("Day")), Column("reach", _("Reach"), numeric=True)],
        rows=[{"day": m.day.isoformat(), "reach": m.value} for m in reach],
    )
    chart = Chart(
        name="account_month",
        title=table.caption,
        kind="bar",
        table=table.name,
        labels=[row["day"] for row in table.rows],
        series=[(str(_("Reach")), [float(row["reach"]) for row in table.rows])],
    )
    return AccountMonth(
        account=account,
        month=first,
        reach=total,
        days_with_figures=len(reach),
        days_in_month=length,
        followers=followers.value if followers else None,
        simulated=simulated,
        sentence=sentence,
        table=table,
        chart=chart,
    )
