"""Proof of play from the players: batches checked record by record, stored once.

A player buffers its plays (IndexedDB) while offline and sends them in batches. Each
record is ``{"id": <player's id of the play>, "slide": <slide id>, "from": <ISO 8601>,
"to": <ISO 8601>}``. A record that cannot be true (ends before it starts, starts in the
future or before the display existed, lasts longer than any slide, an unknown slide) is
rejected with its index and reason; the valid records of the same batch are kept. A record
already stored (same display, same id: the player's answer was lost and it sent the batch
again) counts as a duplicate and is not stored twice. The first play of a screens channel
slide records its variant published (channel.plays_publish), in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from quartieri.screens import channel
from quartieri.screens.models import CLOCK_SKEW, MAX_SLIDE_SECONDS, Display, Play, Slide

MAX_BATCH = 500
MAX_ID_LENGTH = 64


@dataclass(frozen=True)
class Rejected:
    index: int
    id: str
    reason: str


@dataclass
class Outcome:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)


@dataclass(frozen=True)
class _Record:
    uid: str
    slide_id: int
    started: dt.datetime
    ended: dt.datetime


def _time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _parse(raw: Any) -> _Record | str:
    """The record, or the reason it is refused."""
    if not isinstance(raw, dict):
        return "not an object"
    uid = raw.get("id")
    if not isinstance(uid, str) or not 0 < len(uid) <= MAX_ID_LENGTH:
        return f"id missing or longer than {MAX_ID_LENGTH} characters"
    slide = raw.get("slide")
    if not isinstance(slide, int) or isinstance(slide, bool):
        return "slide is not a slide id"
    started, ended = _time(raw.get("from")), _time(raw.get("to"))
    if started is None or ended is None:
        return "from/to are not ISO 8601 times with a time zone"
    return _Record(uid, slide, started, ended)


def _impossible(record: _Record, *, display: Display, now: dt.datetime) -> str:
    seconds = (record.ended - record.started).total_seconds()
    if seconds <= 0:
        return "ends before it starts"
    if seconds > MAX_SLIDE_SECONDS + CLOCK_SKEW.total_seconds():
        return f"lasts {seconds:.0f} s, longer than any slide ({MAX_SLIDE_SECONDS} s)"
    if record.ended > now + CLOCK_SKEW:
        return "ends in the future"
    if record.started < display.created_at - CLOCK_SKEW:
        return "starts before the display was registered"
    return ""


def plays_record(*, display: Display, records: Sequence[Any], now: dt.datetime) -> Outcome:
    """Store the valid, new records of one batch; say what became of each of the others."""
    if len(records) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} plays per batch, got {len(records)}")
    outcome = Outcome()
    checked: dict[str, tuple[int, _Record]] = {}
    for index, raw in enumerate(records):
        parsed = _parse(raw)
        reason = (
            parsed if isinstance(parsed, str) else _impossible(parsed, display=display, now=now)
        )
        if isinstance(parsed, _Record) and not reason and parsed.uid in checked:
            reason = "the same id twice in one batch"
        if reason or not isinstance(parsed, _Record):
            uid = raw.get("id") if isinstance(raw, dict) else None
            outcome.rejected.append(Rejected(index, str(uid or "")[:MAX_ID_LENGTH], reason))
            continue
        checked[parsed.uid] = (index, parsed)
    campaigns = _drop_unknown_slides(checked, outcome)
    _store(display, checked, outcome, campaigns)
    return outcome


def _drop_unknown_slides(
    checked: dict[str, tuple[int, _Record]], outcome: Outcome
) -> dict[int, int | None]:
    """Reject the records of slides that do not exist; the others' slide id → campaign id
    (what a play stores), from the one read of the slides."""
    wanted = {record.slide_id for _index, record in checked.values()}
    known: dict[int, int | None] = (
        dict(Slide.objects.filter(pk__in=wanted).values_list("pk", "campaign_id")) if wanted else {}
    )
    for uid, (index, record) in list(checked.items()):
        if record.slide_id not in known:
            outcome.rejected.append(Rejected(index, uid, f"slide {record.slide_id} does not exist"))
            del checked[uid]
    outcome.rejected.sort(key=lambda rejected: rejected.index)
    return known


def _store(
    display: Display,
    checked: dict[str, tuple[int, _Record]],
    outcome: Outcome,
    campaigns: dict[int, int | None],
) -> None:
    if not checked:
        return
    with transaction.atomic():
        stored = set(
            Play.objects.filter(display=display, uid__in=list(checked)).values_list(
                "uid", flat=True
            )
        )
        new = [record for uid, (_index, record) in checked.items() if uid not in stored]
        # ignore_conflicts: a batch sent twice at the same moment still stores each play once.
        Play.objects.bulk_create(
            [
                Play(
                    display=display,
                    slide_id=record.slide_id,
                    uid=record.uid,
                    started_at=record.started,
                    ended_at=record.ended,
                    neighbourhood_id=display.neighbourhood_id,
                    campaign_id=campaigns.get(record.slide_id),
                )
                for record in new
            ],
            ignore_conflicts=True,
        )
        first_played: dict[int, dt.datetime] = {}
        for record in new:
            earliest = first_played.get(record.slide_id, record.started)
            first_played[record.slide_id] = min(earliest, record.started)
        # A slide of the screens channel went out: its variant is recorded published.
        channel.plays_publish(display=display, first_played=first_played)
    outcome.accepted = len(new)
    outcome.duplicates = len(stored)
