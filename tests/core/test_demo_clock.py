"""The demo loaded at either end of a Rome day: its "today" posts are laid out from the clock
the office has, so a demo loaded just after midnight or just before it still serves every
neighbourhood's site, keeps its troubled posts inside the campaign and its posts to come
ahead (two such failures were found only by
CI runs between 00:00 and 02:00 Europe/Rome)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from quartieri.campaigns import demo as campaigns_demo
from quartieri.campaigns.models import Campaign, Variant
from quartieri.channels.registry import Platform
from quartieri.minisites.build import sites_root
from quartieri.minisites.kind import PLATFORM
from quartieri.publishing.demo import FAILED_POST, UNCONFIRMED_POST
from tests.core.conftest import demo_load

ROME = ZoneInfo("Europe/Rome")
SITES = ["milano-11-isola", "milano-34-chiaravalle", "milano-55-baggio-qre-degli-olmi-qre-valsesia"]


@pytest.mark.parametrize("wall_time", [dt.time(0, 5), dt.time(23, 55)], ids=["00:05", "23:55"])
def test_the_demo_loaded_at_either_end_of_the_day_serves_every_site_and_schedules_ahead(
    db: None, settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, wall_time: dt.time
) -> None:
    settings.SANDBOX_MARKER = tmp_path / "sandbox"
    moment = dt.datetime.combine(dt.date(2026, 3, 2), wall_time, tzinfo=ROME)
    real_now: Callable[[], dt.datetime] = timezone.now
    started = real_now()
    # The clock keeps ticking from the chosen moment, as the office's would.
    monkeypatch.setattr(timezone, "now", lambda: moment + (real_now() - started))

    demo_load()

    current = Campaign.objects.get(slug=campaigns_demo.CURRENT_SLUG)
    assert (current.start_date, current.status) == (moment.date(), "active")
    launches = Variant.objects.filter(content_item__campaign=current, account__platform=PLATFORM)
    assert sorted(launches.values_list("status", flat=True)) == ["published"] * 3
    folders = (p.name for p in sites_root().iterdir() if p.is_dir())
    served = sorted(name for name in folders if name not in {"assets", "feeds"})
    assert served == SITES
    # Due already: only what the demo means to be (today's screen slides, and the outbox's
    # two troubled posts of earlier today, inside the campaign even just after midnight).
    waiting = Variant.objects.filter(content_item__campaign=current, status="scheduled")
    troubled = waiting.filter(caption__in=[FAILED_POST[3], UNCONFIRMED_POST[3]])
    assert troubled.count() == 2
    assert {timezone.localdate(v.scheduled_at) for v in troubled} == {moment.date()}
    assert all(v.scheduled_at <= timezone.now() for v in troubled)
    # The campaign's own posts still to go out stay ahead, whatever the hour.
    ahead = waiting.exclude(pk__in=troubled).exclude(account__platform=Platform.SCREENS)
    assert ahead.count() >= 3
    assert [(v.caption, v.scheduled_at) for v in ahead if v.scheduled_at <= timezone.now()] == []
