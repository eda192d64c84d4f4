"""Reading Meta's insights answers (Instagram §2.4, Facebook §3.3 of platform-apis.md).

Every insights edge answers ``{"data": [{"name", "period", "values" | "total_value", …}]}``:

- a running total (``period=lifetime``, media and Page posts): ``values: [{"value": 12}]``;
- daily figures (``period=day`` with ``since``/``until``): one ``{"value", "end_time"}`` per
  day, where ``end_time`` is the *end* of the day counted (Meta: the first ``end_time`` is
  ``since`` plus one day), so the day is ``end_time`` minus one day;
- a total over the range (``metric_type=total_value``): ``total_value: {"value": 42}``.

Values that are not plain numbers (breakdowns by type) are not readings and are skipped.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from quartieri.channels.connectors.base import MetricReading
from quartieri.channels.kinds.meta.graph import parse_graph_time


def insights_readings(
    body: dict[str, Any], *, object_id: str = "", day: date | None = None
) -> list[MetricReading]:
    """The readings of one insights answer; ``day`` labels ``total_value`` entries."""
    readings: list[MetricReading] = []
    for entry in body.get("data") or []:
        if not isinstance(entry, dict) or not entry.get("name"):
            continue
        name = str(entry["name"])
        total = entry.get("total_value")
        if isinstance(total, dict):
            readings.extend(_reading(name, total.get("value"), object_id, day))
            continue
        for point in entry.get("values") or []:
            if isinstance(point, dict):
                readings.extend(
                    _reading(name, point.get("value"), object_id, _day_of(point.get("end_time")))
                )
    return readings


def _reading(name: str, value: object, object_id: str, day: date | None) -> list[MetricReading]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return []
    return [MetricReading(metric=name, value=int(value), object_id=object_id, day=day)]


def _day_of(end_time: object) -> date | None:
    moment = parse_graph_time(end_time)
    return (moment - timedelta(days=1)).date() if moment is not None else None


def day_windows(first_day: date, last_day: date, *, max_days: int) -> list[tuple[date, date]]:
    """``first_day``…``last_day`` cut into inclusive windows of at most ``max_days`` days."""
    windows: list[tuple[date, date]] = []
    start = first_day
    while start <= last_day:
        end = min(last_day, start + timedelta(days=max_days - 1))
        windows.append((start, end))
        start = end + timedelta(days=1)
    return windows


def since_until(first_day: date, last_day: date) -> dict[str, str]:
    """``since``/``until`` covering ``first_day``…``last_day`` (``until`` is exclusive)."""
    return {"since": first_day.isoformat(), "until": (last_day + timedelta(days=1)).isoformat()}
