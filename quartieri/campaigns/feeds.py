"""A campaign's posting calendar as iCalendar (RFC 5545), for the comms office's calendars.

One VEVENT per scheduled or published variant. DTSTART is in Europe/Rome with its
VTIMEZONE (so a 10:00 post shows at 10:00 on both sides of a clock change, and calendar
apps need no zone database of their own), except in the repeated hour of the autumn
change, written in UTC (see ``_start``); the UID depends only on the variant and the
site, so a re-subscribed feed updates events instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event

from quartieri.campaigns.models import Campaign, Variant
from quartieri.campaigns.selectors import campaign_scheduled_variants

ROME = ZoneInfo("Europe/Rome")
# A post is an instant; calendars need a duration to draw it.
POST_DURATION = dt.timedelta(minutes=15)


def variant_uid(variant: Variant) -> str:
    host = urlsplit(settings.PUBLIC_URL).hostname or "quartieri"
    return f"variant-{variant.pk}@{host}"


def _start(at: dt.datetime) -> dt.datetime:
    """Europe/Rome wall time, or UTC for the hour that happens twice when clocks go back:
    RFC 5545 §3.3.5 reads a local time in that hour as its first occurrence, so the second
    one (e.g. 02:30+01:00 on 31 October 2021) could not be written as local time."""
    local = at.astimezone(ROME)
    if local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset():
        return at.astimezone(dt.UTC)
    return local


def _event(variant: Variant, *, at: dt.datetime, campaign_url: str) -> Event:
    start = _start(at)
    item = variant.content_item
    event = Event()
    event.add("uid", variant_uid(variant))
    event.add("dtstamp", variant.updated_at.astimezone(dt.UTC))
    event.add("last-modified", variant.updated_at.astimezone(dt.UTC))
    event.add("dtstart", start)
    event.add("dtend", start + POST_DURATION)
    event.add("summary", f"{variant.account} · {item.title}")
    lines = [variant.caption, variant.link, f"{variant.get_status_display()}"]
    event.add("description", "\n\n".join(line for line in lines if line))
    event.add("categories", [variant.account.get_platform_display()])
    event.add("url", f"{campaign_url}#variant-{variant.pk}")
    return event


def campaign_calendar(*, campaign: Campaign) -> bytes:
    """The campaign's scheduled posts as an .ics file."""
    calendar = Calendar()
    calendar.add("prodid", "-//quartieri//campaign calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", campaign.name)
    calendar.add("x-wr-timezone", "Europe/Rome")
    base = settings.PUBLIC_URL.rstrip("/")
    campaign_url = base + reverse("campaigns:campaign_detail", args=[campaign.slug])
    for variant in campaign_scheduled_variants(campaign=campaign):
        if variant.scheduled_at is not None:  # always, by the selector; typed for mypy
            calendar.add_component(
                _event(variant, at=variant.scheduled_at, campaign_url=campaign_url)
            )
    # VTIMEZONE covering the campaign's days only: small, and exact for every event in it.
    calendar.add_missing_timezones(
        first_date=campaign.start_date - dt.timedelta(days=1),
        last_date=campaign.end_date + dt.timedelta(days=2),
    )
    ical: bytes = calendar.to_ical()
    return ical
