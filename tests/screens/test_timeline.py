"""Schedules resolved into what plays when (pure, no database)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from quartieri.screens.timeline import Item, ScheduleRule, Segment, run_through, timeline

ROME = ZoneInfo("Europe/Rome")


def at(day: int, hour: int, minute: int = 0, month: int = 6) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=ROME)


PLAYLISTS = {
    1: [Item(101, 10), Item(102, 5)],
    2: [Item(201, 20)],
    3: [Item(301, 8)],
}


def spans(segments: list[Segment]) -> list[tuple[str, str, tuple[tuple[int, int], ...]]]:
    return [(f"{s.start:%d %H:%M}", f"{s.end:%d %H:%M}", s.items) for s in segments]


def test_the_higher_priority_wins_only_while_it_is_in_force():
    # 1 June 2026 is a Monday.
    rules = [
        ScheduleRule(id=1, playlist_id=1),
        ScheduleRule(id=2, playlist_id=2, start_time=dt.time(9), end_time=dt.time(11), priority=5),
    ]
    result = timeline(rules=rules, playlists=PLAYLISTS, start=at(1, 8), end=at(1, 12), zone=ROME)
    assert spans(result) == [
        ("01 08:00", "01 09:00", ((101, 10), (102, 5))),
        ("01 09:00", "01 11:00", ((201, 20),)),
        ("01 11:00", "01 12:00", ((101, 10), (102, 5))),
    ]


def test_equal_priorities_play_one_after_the_other_in_schedule_order():
    rules = [ScheduleRule(id=7, playlist_id=2), ScheduleRule(id=3, playlist_id=1)]
    result = timeline(rules=rules, playlists=PLAYLISTS, start=at(1, 8), end=at(1, 9), zone=ROME)
    assert spans(result) == [("01 08:00", "01 09:00", ((101, 10), (102, 5), (201, 20)))]


def test_an_emergency_overrides_even_a_higher_priority():
    rules = [
        ScheduleRule(id=1, playlist_id=1, priority=100),
        ScheduleRule(
            id=2,
            playlist_id=3,
            emergency=True,
            priority=-5,
            start_time=dt.time(10),
            end_time=dt.time(10, 30),
        ),
    ]
    result = timeline(rules=rules, playlists=PLAYLISTS, start=at(1, 9), end=at(1, 11), zone=ROME)
    assert [segment.items for segment in result] == [
        ((101, 10), (102, 5)),
        ((301, 8),),
        ((101, 10), (102, 5)),
    ]
    assert result[1].start == at(1, 10)
    assert result[1].end == at(1, 10, 30)


def test_days_of_the_week_and_dates_limit_a_schedule():
    # Weekdays only (Mon-Fri), from Wednesday 3 June to Saturday 6 June.
    rules = [
        ScheduleRule(
            id=1,
            playlist_id=1,
            weekdays=frozenset(range(5)),
            start_date=dt.date(2026, 6, 3),
            end_date=dt.date(2026, 6, 6),
        )
    ]
    result = timeline(rules=rules, playlists=PLAYLISTS, start=at(1, 0), end=at(8, 0), zone=ROME)
    assert spans(result) == [("03 00:00", "06 00:00", ((101, 10), (102, 5)))]


def test_nothing_in_force_leaves_a_gap_the_player_fills_with_the_default_slide():
    rules = [ScheduleRule(id=1, playlist_id=1, start_time=dt.time(18), end_time=dt.time(20))]
    result = timeline(rules=rules, playlists=PLAYLISTS, start=at(1, 12), end=at(2, 12), zone=ROME)
    assert spans(result) == [("01 18:00", "01 20:00", ((101, 10), (102, 5)))]


def test_an_item_plays_only_inside_its_window():
    playlists = {1: [Item(101, 10), Item(102, 5, valid_from=at(1, 9, 30), valid_until=at(1, 10))]}
    rules = [ScheduleRule(id=1, playlist_id=1)]
    result = timeline(rules=rules, playlists=playlists, start=at(1, 9), end=at(1, 11), zone=ROME)
    assert spans(result) == [
        ("01 09:00", "01 09:30", ((101, 10),)),
        ("01 09:30", "01 10:00", ((101, 10), (102, 5))),
        ("01 10:00", "01 11:00", ((101, 10),)),
    ]


def test_wall_clock_hours_hold_across_the_autumn_clock_change():
    # 25 October 2026: clocks go back at 03:00 CEST; 08:00-09:00 is still 08:00-09:00 local.
    rules = [ScheduleRule(id=1, playlist_id=2, start_time=dt.time(8), end_time=dt.time(9))]
    start = dt.datetime(2026, 10, 24, 12, tzinfo=ROME)
    result = timeline(
        rules=rules, playlists=PLAYLISTS, start=start, end=start + dt.timedelta(days=2), zone=ROME
    )
    local = [
        (s.start.astimezone(ROME).strftime("%d %H:%M %Z"), s.end.astimezone(ROME).strftime("%H:%M"))
        for s in result
    ]
    assert local == [("25 08:00 CET", "09:00"), ("26 08:00 CET", "09:00")]
    assert result[0].end - result[0].start == dt.timedelta(hours=1)


def test_the_preview_loops_a_segment_and_cuts_the_last_slide_at_its_end():
    segments = [Segment(at(1, 9), at(1, 9, 1), ((101, 25), (102, 10)))]
    shown = run_through(segments, start=at(1, 9), end=at(1, 10))
    assert [(row.at.strftime("%M:%S"), row.slide_id) for row in shown] == [
        ("00:00", 101),
        ("00:25", 102),
        ("00:35", 101),
    ]
