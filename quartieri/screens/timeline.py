"""What plays when: schedules and playlists resolved into a timeline. Pure Python, no Django.

The timeline of a display over a window is a list of segments ``[start, end)`` each with
the ordered items (slide, seconds) that play in a loop during it. Rules:

- a schedule is in force at an instant when the local date is within its dates, the
  weekday is one of its days and the local time within its hours (``end_time`` excluded;
  no hours means all day);
- if an emergency schedule is in force, only emergency schedules count;
- among those in force, only the highest priority plays; schedules of equal priority play
  one after the other (by priority, then id), each playlist's items in their order;
- an item with a validity window plays only inside it.

Everything that can change what is in force (midnights, schedule hours, item windows) is a
breakpoint; between two breakpoints nothing changes, so each interval is evaluated once
and neighbours with the same items are merged. Local times are in the given time zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class ScheduleRule:
    id: int
    playlist_id: int
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    weekdays: frozenset[int] = frozenset(range(7))
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    priority: int = 0
    emergency: bool = False


@dataclass(frozen=True)
class Item:
    slide_id: int
    seconds: int
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None

    def valid_at(self, at: dt.datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= at) and (
            self.valid_until is None or at < self.valid_until
        )


@dataclass(frozen=True)
class Segment:
    start: dt.datetime
    end: dt.datetime
    items: tuple[tuple[int, int], ...]  # (slide id, seconds)

    @property
    def loop_seconds(self) -> int:
        return sum(seconds for _slide, seconds in self.items)


def _local_days(start: dt.datetime, end: dt.datetime, zone: ZoneInfo) -> list[dt.date]:
    first = start.astimezone(zone).date() - dt.timedelta(days=1)
    last = end.astimezone(zone).date() + dt.timedelta(days=1)
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _at(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=zone)


def breakpoints(
    *,
    rules: Sequence[ScheduleRule],
    items: Iterable[Item],
    start: dt.datetime,
    end: dt.datetime,
    zone: ZoneInfo,
) -> list[dt.datetime]:
    """Every instant in ``[start, end)`` at which what is in force may change, sorted."""
    points = {start}
    times = {t for rule in rules for t in (rule.start_time, rule.end_time) if t is not None}
    for day in _local_days(start, end, zone):
        points.add(_at(day, dt.time(0), zone))
        points.update(_at(day, t, zone) for t in times)
    for item in items:
        points.update(t for t in (item.valid_from, item.valid_until) if t is not None)
    return sorted(p for p in points if start <= p < end)


def in_force(rule: ScheduleRule, at: dt.datetime, zone: ZoneInfo) -> bool:
    local = at.astimezone(zone)
    day, clock = local.date(), local.time().replace(tzinfo=None)
    if rule.start_date is not None and day < rule.start_date:
        return False
    if rule.end_date is not None and day > rule.end_date:
        return False
    if day.weekday() not in rule.weekdays:
        return False
    if rule.start_time is not None and clock < rule.start_time:
        return False
    return rule.end_time is None or clock < rule.end_time


def winners(rules: Iterable[ScheduleRule], at: dt.datetime, zone: ZoneInfo) -> list[ScheduleRule]:
    """The schedules that play at ``at``, in playing order."""
    active = [rule for rule in rules if in_force(rule, at, zone)]
    if any(rule.emergency for rule in active):
        active = [rule for rule in active if rule.emergency]
    if not active:
        return []
    top = max(rule.priority for rule in active)
    return sorted((rule for rule in active if rule.priority == top), key=lambda rule: rule.id)


def items_at(
    rules: Sequence[ScheduleRule],
    playlists: Mapping[int, Sequence[Item]],
    at: dt.datetime,
    zone: ZoneInfo,
) -> tuple[tuple[int, int], ...]:
    return tuple(
        (item.slide_id, item.seconds)
        for rule in winners(rules, at, zone)
        for item in playlists.get(rule.playlist_id, ())
        if item.valid_at(at)
    )


def timeline(
    *,
    rules: Sequence[ScheduleRule],
    playlists: Mapping[int, Sequence[Item]],
    start: dt.datetime,
    end: dt.datetime,
    zone: ZoneInfo,
) -> list[Segment]:
    """The segments of ``[start, end)``; an interval with nothing to play is left out."""
    used = {rule.playlist_id for rule in rules}
    all_items = [item for pid in used for item in playlists.get(pid, ())]
    points = [*breakpoints(rules=rules, items=all_items, start=start, end=end, zone=zone), end]
    segments: list[Segment] = []
    for left, right in zip(points, points[1:], strict=False):
        playing = items_at(rules, playlists, left, zone)
        if not playing:
            continue
        if segments and segments[-1].end == left and segments[-1].items == playing:
            segments[-1] = Segment(segments[-1].start, right, playing)
        else:
            segments.append(Segment(left, right, playing))
    return segments


@dataclass(frozen=True)
class Showing:
    at: dt.datetime
    slide_id: int
    seconds: int


def run_through(
    segments: Sequence[Segment], *, start: dt.datetime, end: dt.datetime, limit: int = 1000
) -> list[Showing]:
    """What a player starting at ``start`` shows until ``end``: each segment's items in a
    loop from the segment's first item (a player restarts its list when the list changes).
    A slide that would run past its segment's end is cut there, as the player does."""
    shown: list[Showing] = []
    for segment in segments:
        at = max(segment.start, start)
        stop = min(segment.end, end)
        position = 0
        while at < stop and len(shown) < limit:
            slide_id, seconds = segment.items[position % len(segment.items)]
            shown.append(Showing(at, slide_id, seconds))
            at += dt.timedelta(seconds=seconds)
            position += 1
    return shown
