"""Turning a wall-clock posting time into an instant, honestly around clock changes.

Pure functions, no database (``schedule_now`` reads the clock). Two cases need a decision
from the caller instead of a guess:

- a **gap** (spring forward: in Europe/Rome 02:00–02:59 does not exist on 28 March 2021):
  ``gap_policy`` either refuses (default) or moves the post to the next wall-clock minute
  that exists (03:00), returning a warning to show;
- a **fold** (autumn back: 02:00–02:59 happens twice on 31 October 2021): ``fold_policy``
  must say ``first`` (summer time, +02:00) or ``second`` (winter time, +01:00); without it
  the call fails, never silently picking one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

_MINUTE = dt.timedelta(minutes=1)
# Gaps in the tz database are at most a few hours; a day bounds the search for sure.
_MAX_GAP_MINUTES = 24 * 60


class GapPolicy(StrEnum):
    REFUSE = "refuse"
    NEXT_VALID = "next_valid"


class FoldPolicy(StrEnum):
    FIRST = "first"  # the earlier instant (before the clocks go back)
    SECOND = "second"  # the later instant (after the clocks go back)


class WallTimeError(ValueError):
    """The wall-clock time cannot be turned into one instant without a decision."""


@dataclass(frozen=True)
class ResolvedTime:
    at: dt.datetime  # aware, in the requested zone
    warning: str = ""


def schedule_now() -> dt.datetime:
    """The instant a new posting time must come after (``services.variant_schedule``).

    One place to read the clock, so tests about the 2021 campaign can stand in 2021
    (``tests/campaigns/conftest.py``) without freezing the clock of the whole process.
    """
    return timezone.now()


def _exists(local: dt.datetime) -> bool:
    # A wall time exists when a round trip through UTC gives it back unchanged.
    back = local.astimezone(dt.UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def _is_ambiguous(local: dt.datetime) -> bool:
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()


def _offset(local: dt.datetime) -> str:
    return local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:]


def schedule_resolve(
    *,
    date: dt.date,
    wall_time: dt.time,
    tz: str = "Europe/Rome",
    fold_policy: FoldPolicy | None = None,
    gap_policy: GapPolicy = GapPolicy.REFUSE,
) -> ResolvedTime:
    """The instant at which ``wall_time`` on ``date`` happens in ``tz``.

    Raises WallTimeError for a time skipped by the clocks (unless ``gap_policy`` moves it)
    and for a time that happens twice when ``fold_policy`` is not given.
    """
    zone = ZoneInfo(tz)
    local = dt.datetime.combine(date, wall_time.replace(tzinfo=None, fold=0), tzinfo=zone)
    if not _exists(local):
        return _resolve_gap(local, gap_policy=gap_policy, tz=tz)
    if not _is_ambiguous(local):
        return ResolvedTime(at=local)
    if fold_policy is None:
        first, second = local.replace(fold=0), local.replace(fold=1)
        raise WallTimeError(
            _(
                "%(time)s happens twice on %(date)s in %(tz)s (the clocks go back): choose "
                "the first occurrence (%(first)s) or the second (%(second)s)."
            )
            % {
                "time": wall_time.strftime("%H:%M"),
                "date": date.isoformat(),
                "tz": tz,
                "first": _offset(first),
                "second": _offset(second),
            }
        )
    return ResolvedTime(at=local.replace(fold=0 if fold_policy == FoldPolicy.FIRST else 1))


def _resolve_gap(local: dt.datetime, *, gap_policy: GapPolicy, tz: str) -> ResolvedTime:
    params = {"time": local.strftime("%H:%M"), "date": local.date().isoformat(), "tz": tz}
    if gap_policy == GapPolicy.REFUSE:
        raise WallTimeError(
            _(
                "%(time)s does not exist on %(date)s in %(tz)s (the clocks go forward): "
                "choose another time."
            )
            % params
        )
    moved = local
    for _step in range(_MAX_GAP_MINUTES):
        moved = moved + _MINUTE  # wall-clock arithmetic: aware + timedelta keeps the zone
        if _exists(moved):
            break
    warning = _(
        "%(time)s does not exist on %(date)s in %(tz)s (the clocks go forward): "
        "moved to %(moved)s (%(offset)s)."
    ) % {**params, "moved": moved.strftime("%H:%M"), "offset": _offset(moved)}
    return ResolvedTime(at=moved, warning=warning)
