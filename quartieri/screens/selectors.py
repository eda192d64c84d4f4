"""Reads of the screens app: displays and their health, previews, proof of play, reports.

``campaign_play_report`` is the campaign report (plays per slide per neighbourhood) the
analytics app reads; it returns plain rows, no model instances.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Prefetch, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from quartieri.screens import manifest as manifests
from quartieri.screens import timeline
from quartieri.screens.models import (
    Display,
    DisplayGroup,
    Play,
    Playlist,
    PlaylistItem,
    Schedule,
    Slide,
)


class Health(StrEnum):
    OK = "ok"
    STALE = "stale"
    NEVER = "never"
    REVOKED = "revoked"


HEALTH_LABELS = {
    Health.OK: _("Playing"),
    Health.STALE: _("Not seen recently"),
    Health.NEVER: _("Never seen"),
    Health.REVOKED: _("Revoked"),
}


def display_list() -> QuerySet[Display]:
    return Display.objects.select_related("neighbourhood", "place").prefetch_related("groups")


def display_health(display: Display, *, now: dt.datetime) -> Health:
    """Flagged when not seen for SCREENS_STALE_MINUTES (a player polls every minute)."""
    if not display.active:
        return Health.REVOKED
    if display.last_seen_at is None:
        return Health.NEVER
    stale = now - dt.timedelta(minutes=settings.SCREENS_STALE_MINUTES)
    return Health.OK if display.last_seen_at >= stale else Health.STALE


def displays_needing_attention(*, now: dt.datetime) -> int:
    stale = now - dt.timedelta(minutes=settings.SCREENS_STALE_MINUTES)
    return Display.objects.filter(active=True).exclude(last_seen_at__gte=stale).count()


def group_list() -> QuerySet[DisplayGroup]:
    return DisplayGroup.objects.select_related("account").annotate(
        display_count=Count("displays", distinct=True)
    )


def slide_list() -> QuerySet[Slide]:
    return Slide.objects.select_related("campaign", "neighbourhood", "variant")


def playlist_list() -> QuerySet[Playlist]:
    return Playlist.objects.select_related("channel_group__account").annotate(
        item_count=Count("items")
    )


def playlist_items(playlist: Playlist) -> list[PlaylistItem]:
    return list(playlist.items.select_related("slide").order_by("position", "pk"))


def schedule_list() -> QuerySet[Schedule]:
    return Schedule.objects.select_related("playlist").prefetch_related(
        Prefetch("displays", queryset=Display.objects.only("pk", "name")),
        Prefetch("groups", queryset=DisplayGroup.objects.only("pk", "name")),
    )


@dataclass(frozen=True)
class PreviewRow:
    at: dt.datetime
    slide: Slide | None
    slide_id: int
    seconds: int


def display_preview(display: Display, *, now: dt.datetime, minutes: int = 60) -> list[PreviewRow]:
    """What the display shows in the next ``minutes``, slide by slide, as a player starting
    now would show it (nothing scheduled: the default slide, not listed)."""
    end = now + dt.timedelta(minutes=minutes)
    segments = manifests.display_timeline(display, start=now, end=end)
    shown = timeline.run_through(segments, start=now, end=end)
    slides = Slide.objects.in_bulk({row.slide_id for row in shown})
    return [
        PreviewRow(row.at, slides.get(row.slide_id), row.slide_id, row.seconds) for row in shown
    ]


def display_plays(display: Display, *, limit: int = 100) -> QuerySet[Play]:
    return display.plays.select_related("slide").order_by("-started_at", "-pk")[:limit]


@dataclass(frozen=True)
class ReportRow:
    slide_id: int
    slide_name: str
    neighbourhood: str  # the slug; "" when the display had none
    neighbourhood_name: str
    plays: int
    seconds: float


_DURATION = ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())


def campaign_play_report(*, campaign_id: int) -> list[ReportRow]:
    """Plays per slide per neighbourhood (of the display, when it played) for a campaign."""
    rows = (
        Play.objects.filter(campaign_id=campaign_id)
        .values("slide_id", "slide__name", "neighbourhood__slug", "neighbourhood__name_it")
        .annotate(plays=Count("pk"), time=Sum(_DURATION))
        .order_by("slide__name", "slide_id", "neighbourhood__name_it")
    )
    return [
        ReportRow(
            slide_id=row["slide_id"],
            slide_name=row["slide__name"],
            neighbourhood=row["neighbourhood__slug"] or "",
            neighbourhood_name=row["neighbourhood__name_it"] or "",
            plays=row["plays"],
            seconds=row["time"].total_seconds() if row["time"] else 0.0,
        )
        for row in rows
    ]
