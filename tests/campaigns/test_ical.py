"""The campaign's iCalendar feed: one event per scheduled variant, right across clock changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from icalendar import Calendar

from quartieri.campaigns.scheduling import FoldPolicy, schedule_resolve
from quartieri.campaigns.services import variant_schedule

ROME = ZoneInfo("Europe/Rome")


def _at(day: dt.date, hour: int, minute: int = 0, fold: FoldPolicy | None = None) -> dt.datetime:
    return schedule_resolve(date=day, wall_time=dt.time(hour, minute), fold_policy=fold).at


@pytest.fixture
def year_round(campaign):
    campaign.start_date, campaign.end_date = dt.date(2021, 3, 1), dt.date(2021, 11, 30)
    campaign.save()
    return campaign


def _feed(client: Client, slug: str) -> Calendar:
    response = client.get(f"/campaigns/{slug}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def test_one_event_per_scheduled_variant_at_the_right_instant_across_dst(
    client_for, analyst, editor, approver, year_round, item, tiktok, instagram, make_variant
):
    instants = {
        "before spring": _at(dt.date(2021, 3, 27), 10),
        "after spring": _at(dt.date(2021, 3, 29), 10),
        "autumn first": _at(dt.date(2021, 10, 31), 2, 30, FoldPolicy.FIRST),
        "autumn second": _at(dt.date(2021, 10, 31), 2, 30, FoldPolicy.SECOND),
    }
    by_uid_suffix = {}
    for name, at in instants.items():
        variant = make_variant(item=item, account=tiktok, by=editor, status="approved")
        variant_schedule(actor=approver, variant=variant, at=at)
        by_uid_suffix[f"variant-{variant.pk}@"] = (name, at)
    make_variant(item=item, account=instagram, by=editor, status="approved")  # not on it

    calendar = _feed(client_for(analyst), year_round.slug)
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Rome"]
    events = calendar.events
    assert len(events) == len(instants)
    for event in events:
        name, at = next(v for k, v in by_uid_suffix.items() if str(event["UID"]).startswith(k))
        start = event.start
        # Compare instants: == between two Europe/Rome datetimes ignores ``fold``.
        assert start.astimezone(dt.UTC) == at.astimezone(dt.UTC), name
        # Local time with its VTIMEZONE, except the repeated hour (ambiguous as local time).
        expected_zone = "UTC" if name.startswith("autumn") else "Europe/Rome"
        assert str(start.tzinfo) == expected_zone, name
        assert "TikTok @comunedimilano" in str(event["SUMMARY"])
        assert item.title in str(event["SUMMARY"])
    utc = sorted(event.start.astimezone(dt.UTC).strftime("%m-%d %H:%M") for event in events)
    # 10:00 in Rome is 09:00 UTC in winter and 08:00 UTC in summer; 02:30 twice in October.
    assert utc == ["03-27 09:00", "03-29 08:00", "10-31 00:30", "10-31 01:30"]


def test_uids_are_stable_between_downloads(
    client_for, analyst, editor, item, instagram, make_variant, campaign
):
    make_variant(item=item, account=instagram, by=editor, status="scheduled")
    first = [str(e["UID"]) for e in _feed(client_for(analyst), campaign.slug).events]
    again = [str(e["UID"]) for e in _feed(client_for(analyst), campaign.slug).events]
    assert first == again
    assert len(first) == 1


@pytest.mark.django_db
def test_signed_out_visitors_are_sent_to_log_in(campaign):
    response = Client().get(f"/campaigns/{campaign.slug}/calendar.ics")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_unknown_campaign_is_404(client_for, analyst):
    assert client_for(analyst).get("/campaigns/nope/calendar.ics").status_code == 404
