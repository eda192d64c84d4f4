"""What a player downloads: its manifest (timeline and files), answered cheaply when unchanged.

A manifest covers ``SCREENS_HORIZON_HOURS`` from the start of the current hour: the
timeline segments (timeline.py) and, for every slide in them and the default slide, the
file to show (a rendition at the display's resolution, or the video), by URLs relative to
the manifest so the token appears in none. Its ETag is a digest of its bytes.

Answering a poll: the display's *key* is the content version, the display's revision and
the hour. When the key and the ETag the player holds both match what was last sent, the
answer is 304 without building anything (two small queries: the display with the content
version, and at most one UPDATE of "last seen"). Otherwise the manifest is built; if its
bytes did not change, the answer is still 304.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, Q, Subquery

from quartieri.screens import slides as slide_files
from quartieri.screens import timeline
from quartieri.screens.models import (
    ContentVersion,
    Display,
    PlaylistItem,
    Rendition,
    Schedule,
    Slide,
)

logger = logging.getLogger(__name__)
ROME = ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Manifest:
    body: bytes
    etag: str


def with_version() -> Subquery:
    """The content version, to annotate on the display read for a poll (one query)."""
    return Subquery(ContentVersion.objects.filter(pk=1).values("value")[:1])


def window_start(now: dt.datetime) -> dt.datetime:
    return now.astimezone(ROME).replace(minute=0, second=0, microsecond=0)


def manifest_key(display: Display, now: dt.datetime) -> str:
    version = getattr(display, "content_version", None) or 0
    return (
        f"{version}.{display.revision}.{int(window_start(now).timestamp())}."
        f"{settings.SCREENS_POLL_SECONDS}.{settings.SCREENS_REPORT_SECONDS}"
    )


def is_fresh(display: Display, *, etag: str, now: dt.datetime) -> bool:
    """True when the player's ETag is the manifest it would get now (no build needed)."""
    return (
        bool(etag)
        and etag == display.manifest_etag
        and display.manifest_key == manifest_key(display, now)
    )


# --- Rules and timeline ----------------------------------------------------------------------
def display_rules(
    display: Display,
) -> tuple[list[timeline.ScheduleRule], dict[int, list[timeline.Item]]]:
    """The enabled schedules reaching the display (itself or a group), and their playlists."""
    groups = list(display.groups.values_list("pk", flat=True))
    schedules = (
        Schedule.objects.filter(enabled=True)
        .filter(Q(displays=display) | Q(groups__in=groups))
        .distinct()
        .order_by("pk")
    )
    rules = [
        timeline.ScheduleRule(
            id=s.pk,
            playlist_id=s.playlist_id,
            start_date=s.start_date,
            end_date=s.end_date,
            weekdays=frozenset(s.weekdays),
            start_time=s.start_time,
            end_time=s.end_time,
            priority=s.priority,
            emergency=s.emergency,
        )
        for s in schedules
    ]
    playlists: dict[int, list[timeline.Item]] = defaultdict(list)
    items = PlaylistItem.objects.filter(playlist_id__in={r.playlist_id for r in rules}).order_by(
        "playlist_id", "position", "pk"
    )
    for item in items:
        playlists[item.playlist_id].append(
            timeline.Item(item.slide_id, item.duration_seconds, item.valid_from, item.valid_until)
        )
    return rules, dict(playlists)


def display_timeline(
    display: Display, *, start: dt.datetime, end: dt.datetime
) -> list[timeline.Segment]:
    rules, playlists = display_rules(display)
    return timeline.timeline(rules=rules, playlists=playlists, start=start, end=end, zone=ROME)


# --- Files -----------------------------------------------------------------------------------
def _file_entry(slide: Slide, display: Display) -> dict[str, object]:
    if slide.kind == Slide.Kind.VIDEO:
        video = slide_files.video_file(slide)
        url = f"files/v/{slide.pk}/{slide_files.file_name(video)}"
        return {"kind": "video", "url": url, "alt": slide.alt_text}
    rendition = slide_files.rendition_for(
        slide=slide, width=display.width, height=display.height, known=getattr(slide, "sized", None)
    )
    url = f"files/r/{rendition.pk}/{slide_files.file_name(rendition)}"
    return {"kind": "image", "url": url, "alt": slide.alt_text}


def _files(ids: set[int], display: Display) -> dict[int, dict[str, object]]:
    """Slide id → file entry; a slide that cannot be made is left out (and logged), so the
    player skips it and falls back to the default slide rather than show a broken one."""
    entries: dict[int, dict[str, object]] = {}
    # Each slide's renditions at the display's size come in one query for all.
    sized = Rendition.objects.filter(width=display.width, height=display.height)
    for slide in (
        Slide.objects.filter(pk__in=ids)
        .select_related("neighbourhood", "campaign", "asset")
        .prefetch_related(Prefetch("renditions", queryset=sized, to_attr="sized"))
    ):
        try:
            entries[slide.pk] = _file_entry(slide, display)
        except slide_files.RenderError as error:
            logger.warning(
                "screens: slide %s left out of display %s's manifest: %s",
                slide.pk,
                display.pk,
                error,
            )
    return entries


def _ms(at: dt.datetime) -> int:
    return int(at.timestamp() * 1000)


def manifest_build(display: Display, *, now: dt.datetime) -> Manifest:
    """Build the display's manifest and remember its key and ETag on the display."""
    start = window_start(now)
    segments = display_timeline(
        display, start=start, end=start + dt.timedelta(hours=settings.SCREENS_HORIZON_HOURS)
    )
    default = Slide.objects.filter(is_default=True).values_list("pk", flat=True).first()
    used = {slide for segment in segments for slide, _seconds in segment.items} | (
        {default} if default else set()
    )
    files = _files(used, display)
    body = {
        "display": {
            "id": display.pk,
            "name": display.name,
            "width": display.width,
            "height": display.height,
        },
        "revision": display.revision,
        "poll": settings.SCREENS_POLL_SECONDS,
        "report": settings.SCREENS_REPORT_SECONDS,
        "from": _ms(start),
        "default": default if default in files else None,
        "slides": {str(pk): entry for pk, entry in sorted(files.items())},
        "timeline": [
            {
                "from": _ms(segment.start),
                "to": _ms(segment.end),
                "items": [[slide, seconds] for slide, seconds in segment.items if slide in files],
            }
            for segment in segments
        ],
    }
    data = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    key = manifest_key(display, now)
    Display.objects.filter(pk=display.pk).update(manifest_key=key, manifest_etag=etag)
    display.manifest_key, display.manifest_etag = key, etag
    return Manifest(data, etag)
