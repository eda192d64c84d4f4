"""Demo: what's on in May 2021, the three sites going live, and a build of them; then the
same sites relaunched by the current campaign, whose build is the one served.

Events use only the campaign facts in MISSION.md; what those facts do not say (a time, an
exact day, an address, a programme) is said in each event's note, never invented. Each
site goes live with an approved website post scheduled on each campaign's first day
(kind.py), made through the real workflow; those whose time has come, and the posters
demo's, are released at once (release.py), which builds the live sites into the folder
``quartieri serve`` answers under /q/, with their posters (a worker releases the rest at
their time). Idempotent: a second run adds
nothing and the build rewrites nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from rich.console import Console

from quartieri.accounts.models import User
from quartieri.campaigns import demo as campaigns_demo
from quartieri.campaigns.models import Campaign, Variant
from quartieri.campaigns.scheduling import schedule_resolve
from quartieri.campaigns.services import (
    variant_approve,
    variant_create,
    variant_schedule,
    variant_submit,
)
from quartieri.channels.models import ChannelAccount
from quartieri.minisites.build import site_build, sites_root
from quartieri.minisites.kind import PLATFORM
from quartieri.minisites.models import Event
from quartieri.minisites.release import release_due
from quartieri.places.models import PointOfInterest

CAMPAIGN = campaigns_demo.SLUG
MAY_2021 = dt.date(2021, 5, 1)


@dataclass(frozen=True)
class DemoEvent:
    nil: str
    title_it: str
    title_en: str
    first_day: dt.date
    precision: str
    place: tuple[str, str] | None  # (source, name) of the POI, when the data has it
    place_name: str
    capacity: int | None
    note_it: str
    note_en: str


EVENTS = (
    DemoEvent("55", "Primavera di Baggio: concerti nella Chiesa Vecchia",
              "Primavera di Baggio: concerts in the Chiesa Vecchia", MAY_2021, "month", None,
              "Chiesa Vecchia di Baggio", None,
              "Date, orari e programma dei concerti non sono nelle nostre fonti; la Chiesa Vecchia "
              "non ha ancora una posizione nei dati aperti.",
              "The concerts' days, times and programme are not in our sources; the Chiesa Vecchia "
              "has no location in the open data yet."),
    DemoEvent("55", "Visita guidata: Baggio – Parco delle Cave",
              "Guided tour: Baggio – Parco delle Cave", dt.date(2021, 5, 15), "day",
              ("ds89-parks", "PARCO DELLE CAVE"), "", 20,
              "Orario e punto d'incontro non sono nelle nostre fonti.",
              "The time and the meeting point are not in our sources."),
    DemoEvent("34", "800 anni dell'Abbazia di Chiaravalle",
              "The 800th anniversary of the Abbazia di Chiaravalle", MAY_2021, "month",
              ("osm", "Abbazia di Chiaravalle"), "", None,
              "Il programma, le date e gli orari delle celebrazioni non sono nelle nostre fonti.",
              "The programme, days and times of the celebrations are not in our sources."),
    DemoEvent("11", "Isola: giornate aperte degli artigiani, BAM e La Stecca",
              "Isola: artisan open days, BAM and La Stecca", MAY_2021, "month", None, "", None,
              "Il programma di maggio 2021 dell'Isola nominava le giornate aperte degli artigiani, "
              "la BAM e La Stecca; date, orari e luoghi di ciascun appuntamento non sono nelle "
              "nostre fonti.",
              "Isola's May 2021 programme named the artisan open days, BAM and La Stecca; the "
              "days, times and places of each are not in our sources."),
)  # fmt: skip


def _events(campaign: Campaign) -> int:
    added = 0
    for spec in EVENTS:
        neighbourhood = campaign.neighbourhoods.filter(code=spec.nil).first()
        if (
            neighbourhood is None
            or Event.objects.filter(campaign=campaign, title_it=spec.title_it).exists()
        ):
            continue
        place = None
        if spec.place is not None:
            place = (
                PointOfInterest.objects.filter(source=spec.place[0], name_it=spec.place[1])
                .order_by("pk")
                .first()
            )
        Event.objects.create(
            campaign=campaign, neighbourhood=neighbourhood, title_it=spec.title_it,
            title_en=spec.title_en, first_day=spec.first_day, precision=spec.precision,
            place=place, place_name=spec.place_name, capacity=spec.capacity,
            note_it=spec.note_it, note_en=spec.note_en,
        )  # fmt: skip
        added += 1
    return added


def _launch(campaign: Campaign, *, editor: User, approver: User) -> int:
    """One website post per neighbourhood, all at 00:00 of the first day: the sites are
    live from the campaign's start, so a demo loaded just after midnight on the current
    campaign's first day serves every site (an hour apart, Isola's waited until 02:00)."""
    account = ChannelAccount.objects.filter(platform=PLATFORM).order_by("pk").first()
    if account is None:
        return 0
    launched = 0
    for neighbourhood in campaign.neighbourhoods.order_by("name_it"):
        item = campaigns_demo.item_for(campaign, neighbourhood)
        if Variant.objects.filter(content_item=item, account=account).exists():
            continue
        name = neighbourhood.name_en or neighbourhood.name_it
        variant = variant_create(
            actor=editor, content_item=item, account=account, post_type="text",
            title=f"{name}: the mini-site is online",
            caption=f"Tours, the neighbourhood's playlist and what's on in {name}.",
        )  # fmt: skip
        variant = variant_approve(
            actor=approver, variant=variant_submit(actor=editor, variant=variant)
        )
        at = schedule_resolve(date=campaign.start_date, wall_time=dt.time(0, 0)).at
        variant_schedule(actor=approver, variant=variant, at=at, allow_past=True)
        launched += 1
    return launched


def load(*, console: Console, from_today: bool) -> None:
    campaign = Campaign.objects.filter(slug=CAMPAIGN).first()
    if campaign is None:
        return
    current = Campaign.objects.filter(slug=campaigns_demo.CURRENT_SLUG).first()
    editor = User.objects.get(username="editor")
    approver = User.objects.get(username="approver")
    with transaction.atomic():
        events = _events(campaign)
        launched = sum(
            _launch(each, editor=editor, approver=approver) for each in (campaign, current) if each
        )
    # Posts whose time has come (all of them, for the 2021 campaign) go live now, as a
    # worker would release them: posters to the print folder, then each campaign's sites
    # (2021 first, current last: the sites served are the current campaign's). A run that
    # released nothing of it (loaded again) builds it once more, which rewrites nothing.
    released = release_due()
    served = current or campaign
    built = "built by the release"
    if not Variant.objects.filter(pk__in=released, content_item__campaign=served).exists():
        result = site_build(campaign=served)
        built = f"built {', '.join(sorted(result.released)) or 'none'} ({result.pages_written} files written)"
    console.print(
        f"Mini-sites: {events} events, {launched} sites launched, {len(released)} website and "
        f"poster posts released; {served.name}: {built} in {sites_root()}, served under /q/."
    )
