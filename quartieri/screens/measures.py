"""The city screens' figures for the campaign dashboards and report (a measure source,
``analytics.measures``): proof of play, as the screens kind declares its metrics.

From the plays the players reported for the campaign's slides (``Play.campaign``, set when
a play arrives): per day and neighbourhood of the display, the plays and the seconds on
screen; per slide and neighbourhood, the plays, the displays that played it and its
seconds on screen; the campaign's totals. A play counts on the day it started (Europe/Rome).
No reach: nobody counts the people who look at a screen, so none is made up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, DurationField, ExpressionWrapper, F, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from quartieri.analytics.measures import Measure
from quartieri.campaigns.models import Campaign
from quartieri.channels.registry import Platform
from quartieri.screens.models import Play

ROME = ZoneInfo("Europe/Rome")
CHANNEL = Platform.SCREENS.value
PLAYS, DISPLAYS, SECONDS = "plays", "displays", "seconds_on_screen"
_DURATION = ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())


def _seconds(time: dt.timedelta | None) -> int:
    return round(time.total_seconds()) if time else 0


class ScreensSource:
    slug = "screens"
    label = _("City screens: proof of play")
    basis = _("plays reported by the displays' players (proof of play)")

    def measures(self, *, campaign: Campaign) -> list[Measure]:
        plays = Play.objects.filter(campaign=campaign)
        return [*self._daily(plays), *self._per_slide(plays), *self._totals(plays)]

    def _measure(self, name: str, value: int, **where: Any) -> Measure:
        return Measure(source=self.slug, channel=CHANNEL, name=name, value=value,
                       basis=self.basis, **where)  # fmt: skip

    def _daily(self, plays: QuerySet[Play]) -> Iterable[Measure]:
        rows = (
            plays.annotate(day=TruncDate("started_at", tzinfo=ROME))
            .values("day", "neighbourhood__slug")
            .annotate(n=Count("pk"), time=Sum(_DURATION))
            .order_by("day", "neighbourhood__slug")
        )
        for row in rows:
            where = {"day": row["day"], "neighbourhood": row["neighbourhood__slug"] or ""}
            yield self._measure(PLAYS, row["n"], **where)
            yield self._measure(SECONDS, _seconds(row["time"]), **where)

    def _per_slide(self, plays: QuerySet[Play]) -> Iterable[Measure]:
        rows = (
            plays.values("slide_id", "slide__name", "neighbourhood__slug")
            .annotate(n=Count("pk"), displays=Count("display", distinct=True), time=Sum(_DURATION))
            .order_by("slide__name", "slide_id", "neighbourhood__slug")
        )
        for row in rows:
            where = {
                "subject": f"{row['slide__name']} (#{row['slide_id']})",
                "neighbourhood": row["neighbourhood__slug"] or "",
            }
            yield self._measure(PLAYS, row["n"], **where)
            yield self._measure(DISPLAYS, row["displays"], **where)
            yield self._measure(SECONDS, _seconds(row["time"]), **where)

    def _totals(self, plays: QuerySet[Play]) -> list[Measure]:
        row = plays.aggregate(n=Count("pk"), displays=Count("display", distinct=True),
                              time=Sum(_DURATION))  # fmt: skip
        if not row["n"]:
            return []
        return [
            self._measure(PLAYS, row["n"]),
            self._measure(DISPLAYS, row["displays"]),
            self._measure(SECONDS, _seconds(row["time"])),
        ]


SOURCES = [ScreensSource()]
