"""Demo: city screens at real ATM stops in Baggio, Isola and Chiaravalle playing the campaign.

Every display stands at a stop of the shipped ATM data (ds535 metro, ds534 surface; CC BY
4.0, Comune di Milano), found by its AMAT id: a stop missing from the data is left out and
reported, never placed by guess. The resolutions are demo choices. Each neighbourhood gets
three layout slides of 10 seconds (its 2021 facts, a tour, its playlist) with the
neighbourhood's map and a QR code to its mini-site (contract 5 paths), on a schedule that
runs every day, so the demo plays whenever it is opened; the slides belong to the current
campaign (the 2021 one when there is none). The screens channel account of the campaigns
demo ("screens") is the group of every demo display, and three posts for it per campaign go
through the real workflow (drafted, approved, scheduled on the campaign's first day); the
kind's delivery puts each on that group's playlist as it is scheduled. Idempotent: keyed
on the group names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from rich.console import Console

from quartieri.accounts.models import User
from quartieri.campaigns import demo as campaigns_demo
from quartieri.campaigns.models import Campaign, ContentItem
from quartieri.campaigns.scheduling import schedule_resolve
from quartieri.campaigns.services import (
    variant_approve,
    variant_create,
    variant_schedule,
    variant_submit,
)
from quartieri.channels.models import ChannelAccount
from quartieri.channels.registry import Platform
from quartieri.places.models import Neighbourhood, Playlist, PointOfInterest, Tour
from quartieri.screens import services, slides
from quartieri.screens.models import Display, DisplayGroup, Slide

CAMPAIGN = campaigns_demo.SLUG
CHANNEL_GROUP = "Tutti gli schermi"
SECONDS = 10


@dataclass(frozen=True)
class DemoDisplay:
    name: str
    nil: str  # the neighbourhood's official id (NIL)
    source: str  # the places layer: ds535-metro or ds534-stops
    amat_id: str  # the stop's id in the ATM data
    width: int
    height: int


DISPLAYS = (
    DemoDisplay("Isola – M5 Isola", "11", "ds535-metro", "948", 1920, 1080),
    DemoDisplay("Isola – Zara M3/M5", "11", "ds535-metro", "890", 1920, 1080),
    DemoDisplay("Baggio – via Antonio da Baggio 55 (67)", "55", "ds534-stops", "10147", 1080, 1920),
    DemoDisplay("Baggio – via Rismondo 70 (67, 433)", "55", "ds534-stops", "10152", 1080, 1920),
    DemoDisplay("Chiaravalle – via Sant'Arialdo 102, Abbazia (77, 140)", "34", "ds534-stops", "12593", 1080, 1920),
)  # fmt: skip

# Screens channel posts: 2021's in English (that campaign spoke to international
# students), the current campaign's in Italian (it speaks to the city's residents too).
POSTS = (
    ("55", "Baggio: concerts of the Primavera di Baggio in the Chiesa Vecchia.", dt.time(8, 0)),
    ("11", "Isola: artisan open days, BAM and La Stecca.", dt.time(10, 0)),
    ("34", "Chiaravalle: the abbey's 800th anniversary.", dt.time(12, 0)),
)
CURRENT_POSTS = (
    ("55", "Baggio: il Parco delle Cave, a piedi o in bici.", dt.time(8, 0)),
    ("11", "Isola: botteghe aperte, murales e la Stecca.", dt.time(10, 0)),
    ("34", "Chiaravalle: l'abbazia e i suoi campi, a sud della città.", dt.time(12, 0)),
)


def _minisite(area: Neighbourhood, suffix: str = "") -> str:
    return f"{settings.PUBLIC_URL}/q/{area.slug}/it/{suffix}"


def _slide(
    name: str, *, area: Neighbourhood, campaign: Campaign | None, title: str, text: str, qr: str
) -> Slide:
    return slides.slide_create(
        actor=None, kind=Slide.Kind.LAYOUT, name=name, title=title, text=text,
        alt_text=f"{title}. {text}", campaign=campaign, neighbourhood=area, qr_target=qr,
        show_map=True, duration_seconds=SECONDS,
    )  # fmt: skip


def _area_slides(area: Neighbourhood, campaign: Campaign | None) -> list[Slide]:
    short = area.name_en or area.name_it
    made = [
        _slide(f"{short}: Milano quartieri", area=area, campaign=campaign,
               title=f"{short} · Milano quartieri", text=area.description_it or area.name_it,
               qr=_minisite(area)),
    ]  # fmt: skip
    tour = Tour.objects.filter(neighbourhood=area).order_by("slug").first()
    if tour is not None:
        made.append(
            _slide(f"{short}: {tour.title_en or tour.title_it}", area=area, campaign=campaign,
                   title=tour.title_en or tour.title_it, text=tour.description_en or tour.description_it,
                   qr=_minisite(area, f"tours/{tour.slug}/"))
        )  # fmt: skip
    playlist = Playlist.objects.filter(neighbourhood=area).order_by("slug").first()
    if playlist is not None:
        made.append(
            _slide(f"{short}: {playlist.title}", area=area, campaign=campaign, title=playlist.title,
                   text=playlist.description, qr=_minisite(area))
        )  # fmt: skip
    return made


def _stop(spec: DemoDisplay) -> PointOfInterest | None:
    return PointOfInterest.objects.filter(
        source=spec.source, source_record=spec.amat_id, lat__isnull=False
    ).first()


def _displays(
    groups: dict[str, DisplayGroup], everyone: DisplayGroup, console: Console
) -> list[Display]:
    made = []
    for spec in DISPLAYS:
        stop = _stop(spec)
        if stop is None:
            console.print(
                f"[yellow]Screens demo: stop {spec.source} {spec.amat_id} not in the data, display left out"
            )
            continue
        made.append(
            services.display_create(
                actor=None, name=spec.name, width=spec.width, height=spec.height,
                orientation="landscape" if spec.width >= spec.height else "portrait",
                place=stop, groups=[groups[spec.nil], everyone],
            )
        )  # fmt: skip
    return made


def _account() -> ChannelAccount | None:
    return ChannelAccount.objects.filter(platform=Platform.SCREENS, handle="screens").first()


def _posts(campaign: Campaign, posts: tuple[tuple[str, str, dt.time], ...]) -> None:
    """The screens channel's posts, through the real workflow (four eyes included)."""
    account = _account()
    editor = User.objects.filter(username="editor").first()
    approver = User.objects.filter(username="approver").first()
    if account is None or editor is None or approver is None:
        return
    for nil, caption, wall_time in posts:
        item = ContentItem.objects.filter(campaign=campaign, neighbourhood__code=nil).first()
        if item is None:
            continue
        variant = variant_create(
            actor=editor, content_item=item, account=account, post_type="feed", caption=caption
        )
        variant = variant_submit(actor=editor, variant=variant)
        variant = variant_approve(actor=approver, variant=variant)
        at = schedule_resolve(date=campaign.start_date, wall_time=wall_time).at
        # 2021 is history, and today's hour may be gone: only the demo may schedule so.
        variant_schedule(actor=approver, variant=variant, at=at, allow_past=True)


@transaction.atomic
def load(*, console: Console, from_today: bool) -> None:
    if DisplayGroup.objects.filter(name=CHANNEL_GROUP).exists():
        console.print("Screens: demo displays already loaded.")
        return
    campaign = Campaign.objects.filter(slug=CAMPAIGN).first()
    current = Campaign.objects.filter(slug=campaigns_demo.CURRENT_SLUG).first()
    areas = {a.code: a for a in Neighbourhood.objects.filter(code__in=["55", "11", "34"])}
    if not areas:
        console.print("[yellow]Screens demo: the neighbourhoods are not loaded, nothing to show")
        return
    everyone = services.group_create(actor=None, name=CHANNEL_GROUP, account=_account(),
                                     description="Every demo display: the screens channel account's posts play here.")  # fmt: skip
    groups = {
        code: services.group_create(actor=None, name=area.name_en or area.name_it)
        for code, area in areas.items()
    }
    for code, area in areas.items():
        playlist = services.playlist_create(
            actor=None, name=f"Milano quartieri · {area.name_en or area.name_it}"
        )
        made = _area_slides(area, current or campaign)
        services.playlist_set_items(
            actor=None, playlist=playlist, items=[(s, SECONDS) for s in made]
        )
        services.schedule_save(
            actor=None, name=playlist.name, playlist=playlist, groups=[groups[code]]
        )
    slides.slide_create(
        actor=None, kind=Slide.Kind.LAYOUT, name="Default: Comune di Milano", title="Comune di Milano",
        text="Milano quartieri", alt_text="Comune di Milano, Milano quartieri", is_default=True,
    )  # fmt: skip
    displays = _displays(groups, everyone, console)
    if campaign is not None:
        _posts(campaign, POSTS)
    if current is not None:
        _posts(current, CURRENT_POSTS)
    console.print(
        f"Screens: {len(displays)} displays at ATM stops, {Slide.objects.count()} slides; "
        "open a player from Screens → a display → Open the player."
    )
