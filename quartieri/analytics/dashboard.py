"""Measurement's card on the home dashboard: the last seven days of clicks, scans, visits."""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.analytics.sink import ALL_SITES
from quartieri.analytics.tracking import EventKind, Period, Rollup
from quartieri.core.navigation import DashboardCard


def cards(request: HttpRequest) -> list[DashboardCard]:
    if not user_can(request.user, Capability.VIEW_ANALYTICS):
        return []
    since = timezone.now() - dt.timedelta(days=7)
    rows = dict(
        Rollup.objects.filter(period=Period.DAY, start__gte=since)
        .exclude(kind=EventKind.VISITOR, neighbourhood=ALL_SITES)
        .values_list("kind")
        .annotate(n=Sum("count"))
        .values_list("kind", "n")
    )
    figures = [
        (_("Link clicks"), rows.get(EventKind.CLICK, 0)),
        (_("QR scans"), rows.get(EventKind.SCAN, 0)),
        (_("Mini-site page views"), rows.get(EventKind.PAGEVIEW, 0)),
    ]
    return [
        DashboardCard(
            title=_("Measurement, last 7 days"),
            body=_("Tracked links, QR codes and cookieless mini-site views; plan versus actual."),
            url_name="analytics:index",
            figures=[(label, number_format(n or 0, force_grouping=True)) for label, n in figures],
            order=40,
        )
    ]
