"""Writes of the screens app: displays and their tokens, groups, playlists, schedules.

Every change a player may need to see bumps ``ContentVersion`` (or the display's own
``revision``) in the same transaction, which moves every manifest key (manifest.py).
Checks run before anything is written; a refused call writes no row and no audit event.
People need MANAGE_SCREENS; ``actor=None`` is the platform itself (command line, demo,
the screens channel's sync, channel.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from typing import Any, TypedDict, Unpack

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from quartieri.accounts.models import User
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.accounts.services import audit_record, audit_snapshot
from quartieri.channels.models import ChannelAccount
from quartieri.lib.crypto import secret_decrypt, secret_encrypt
from quartieri.places.models import Neighbourhood, PointOfInterest
from quartieri.screens import channel
from quartieri.screens.models import (
    MAX_SLIDE_SECONDS,
    Display,
    DisplayGroup,
    Playlist,
    PlaylistItem,
    RetiredToken,
    Schedule,
    Slide,
)
from quartieri.screens.versions import content_changed, displays_changed

PLAYER_PATH = "/screens/player/{token}/"


class DisplayChanges(TypedDict, total=False):
    """What a display edit may change (checked again for a dict), and what its audit records."""

    name: str
    neighbourhood: Neighbourhood | None
    place: PointOfInterest | None
    place_label: str
    lat: float | None
    lon: float | None
    width: int
    height: int
    orientation: str
    active: bool


_DISPLAY_FIELDS = sorted(DisplayChanges.__optional_keys__)
_SCHEDULE_FIELDS = [
    "name",
    "playlist",
    "start_date",
    "end_date",
    "weekdays",
    "start_time",
    "end_time",
    "priority",
    "emergency",
    "enabled",
]


def require_manager(actor: User | None) -> None:
    if actor is not None and not user_can(actor, Capability.MANAGE_SCREENS):
        raise PermissionDenied(
            _("Your role does not allow this (%(capability)s).")
            % {"capability": Capability.MANAGE_SCREENS.value}
        )


# --- Tokens ----------------------------------------------------------------------------------
def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token() -> tuple[str, str]:
    """(hash, encrypted) of a fresh token: 192 random bits, URL-safe."""
    token = secrets.token_urlsafe(24)
    return token_hash(token), secret_encrypt(plaintext=token)


def display_player_path(display: Display) -> str:
    """The player's path on this platform (the staff app opens it from here)."""
    return PLAYER_PATH.format(token=secret_decrypt(token=display.token_secret))


def display_player_url(display: Display) -> str:
    """The player's absolute address (contract 4: built from PUBLIC_URL)."""
    return settings.PUBLIC_URL + display_player_path(display)


# --- Displays --------------------------------------------------------------------------------
def _check_display(display: Display) -> None:
    if display.orientation == Display.Orientation.LANDSCAPE and display.width < display.height:
        raise ValidationError(
            {"orientation": _("A landscape display is at least as wide as it is tall.")}
        )
    if display.orientation == Display.Orientation.PORTRAIT and display.height < display.width:
        raise ValidationError(
            {"orientation": _("A portrait display is at least as tall as it is wide.")}
        )
    if (display.lat is None) != (display.lon is None):
        raise ValidationError({"lat": _("Give both latitude and longitude, or neither.")})
    display.full_clean(exclude=["token_hash", "token_secret"])


def _from_place(display: Display, place: PointOfInterest | None) -> None:
    # A display at a place of the data takes its coordinates and neighbourhood from it,
    # unless they were given: nothing is guessed.
    if place is None:
        return
    if display.lat is None and place.lat is not None and place.lon is not None:
        display.lat, display.lon = place.lat, place.lon
    display.neighbourhood = display.neighbourhood or place.neighbourhood
    display.place_label = display.place_label or place.name_it


@transaction.atomic
def display_create(
    *,
    actor: User | None,
    name: str,
    width: int,
    height: int,
    orientation: str = Display.Orientation.LANDSCAPE,
    neighbourhood: Neighbourhood | None = None,
    place: PointOfInterest | None = None,
    place_label: str = "",
    lat: float | None = None,
    lon: float | None = None,
    groups: Iterable[DisplayGroup] = (),
) -> Display:
    require_manager(actor)
    hashed, secret = _new_token()
    display = Display(
        name=name.strip(),
        width=width,
        height=height,
        orientation=orientation,
        neighbourhood=neighbourhood,
        place=place,
        place_label=place_label.strip(),
        lat=lat,
        lon=lon,
        token_hash=hashed,
        token_secret=secret,
        token_rotated_at=timezone.now(),
    )
    _from_place(display, place)
    _check_display(display)
    display.save()
    display.groups.set(list(groups))
    audit_record(
        actor=actor,
        action="screens.display.create",
        target=display,
        after={**audit_snapshot(obj=display, fields=_DISPLAY_FIELDS), "groups": _ids(groups)},
    )
    return display


def _ids(objects: Iterable[Any]) -> list[int]:
    return sorted(obj.pk for obj in objects)


@transaction.atomic
def display_update(
    *,
    actor: User | None,
    display: Display,
    groups: Iterable[DisplayGroup] | None = None,
    **changes: Unpack[DisplayChanges],
) -> Display:
    require_manager(actor)
    unknown = set(changes) - set(_DISPLAY_FIELDS)
    if unknown:
        raise ValueError(f"display_update cannot change {sorted(unknown)}")
    display = Display.objects.select_for_update().get(pk=display.pk)
    before = {
        **audit_snapshot(obj=display, fields=_DISPLAY_FIELDS),
        "groups": _ids(display.groups.all()),
    }
    moved = (
        "place" in changes
        and changes["place"] is not None
        and changes["place"].pk != display.place_id
    )
    kept = (display.lat, display.lon, display.neighbourhood_id, display.place_label)
    for name, value in changes.items():
        setattr(display, name, value)
    if moved:
        # Another stop: its coordinates, neighbourhood and name, unless changed in the same call.
        if (display.lat, display.lon) == kept[:2]:
            display.lat = display.lon = None
        if display.neighbourhood_id == kept[2]:
            display.neighbourhood = None
        if display.place_label == kept[3]:
            display.place_label = ""
        _from_place(display, changes["place"])
    _check_display(display)
    display.save()
    if groups is not None:
        display.groups.set(list(groups))
    displays_changed(ids=[display.pk])
    after = {
        **audit_snapshot(obj=display, fields=_DISPLAY_FIELDS),
        "groups": _ids(display.groups.all()),
    }
    audit_record(
        actor=actor, action="screens.display.update", target=display, before=before, after=after
    )
    return display


@transaction.atomic
def display_rotate_token(*, actor: User | None, display: Display) -> Display:
    """Give the display a new token; the old player address sees nothing from now on."""
    require_manager(actor)
    display = Display.objects.select_for_update().get(pk=display.pk)
    now = timezone.now()
    RetiredToken.objects.create(display=display, token_hash=display.token_hash, retired_at=now)
    display.token_hash, display.token_secret = _new_token()
    display.token_rotated_at = now
    display.manifest_key = display.manifest_etag = ""
    display.save(
        update_fields=[
            "token_hash",
            "token_secret",
            "token_rotated_at",
            "manifest_key",
            "manifest_etag",
        ]
    )
    displays_changed(ids=[display.pk])
    # The token itself never reaches the audit log, only the fact and the time.
    audit_record(
        actor=actor,
        action="screens.display.rotate_token",
        target=display,
        after={"at": now.isoformat()},
    )
    return display


@transaction.atomic
def display_push(*, actor: User | None, displays: Sequence[Display] | None = None) -> int:
    """ "Push now": every display (or those given) fetches a fresh manifest, re-checks its
    files and restarts its playlist at its next poll, or at its next report if sooner."""
    require_manager(actor)
    rows = Display.objects.filter(active=True)
    if displays is not None:
        rows = rows.filter(pk__in=[d.pk for d in displays])
    ids = list(rows.values_list("pk", flat=True))
    displays_changed(ids=ids)
    audit_record(
        actor=actor,
        action="screens.push",
        target_label=_("%(count)s displays") % {"count": len(ids)},
        after={"displays": ids},
    )
    return len(ids)


def display_seen(*, display: Display, now: dt.datetime, version: str) -> None:
    """Record a player's contact: one conditional UPDATE, skipped within 10 s of the last."""
    version = version[:40]
    recent = now - dt.timedelta(seconds=10)
    if (
        display.last_seen_at
        and display.last_seen_at >= recent
        and display.software_version == version
    ):
        return
    Display.objects.filter(pk=display.pk).update(last_seen_at=now, software_version=version)


# --- Groups ----------------------------------------------------------------------------------
class GroupChanges(TypedDict, total=False):
    """What a group edit may change (checked again for a dict), and what its audit records."""

    name: str
    description: str
    account: ChannelAccount | None


_GROUP_FIELDS = sorted(GroupChanges.__optional_keys__)


def _check_account(group: DisplayGroup) -> None:
    account = group.account
    if account is None:
        return
    if account.platform != channel.PLATFORM:
        raise ValidationError(
            {"account": _("%(account)s is not a screens channel account.") % {"account": account}}
        )
    other = DisplayGroup.objects.filter(account=account).exclude(pk=group.pk).first()
    if other is not None:
        raise ValidationError(
            {
                "account": _("%(account)s is already the group “%(group)s”.")
                % {"account": account, "group": other}
            }
        )


def _group_save(actor: User | None, group: DisplayGroup, before: dict[str, Any] | None) -> None:
    _check_account(group)
    group.full_clean()
    group.save()
    action = "screens.group.update" if before is not None else "screens.group.create"
    audit_record(actor=actor, action=action, target=group, before=before,
                 after=audit_snapshot(obj=group, fields=_GROUP_FIELDS))  # fmt: skip
    # Its channel playlist follows the account it is (none: the playlist goes).
    channel.group_sync(group=group)
    content_changed()


@transaction.atomic
def group_create(
    *,
    actor: User | None,
    name: str,
    description: str = "",
    account: ChannelAccount | None = None,
) -> DisplayGroup:
    """A new group; with ``account`` it is that screens channel account."""
    require_manager(actor)
    group = DisplayGroup(name=name.strip(), description=description.strip(), account=account)
    _group_save(actor, group, None)
    return group


@transaction.atomic
def group_update(
    *, actor: User | None, group: DisplayGroup, **changes: Unpack[GroupChanges]
) -> DisplayGroup:
    require_manager(actor)
    if set(changes) - set(_GROUP_FIELDS):
        raise ValueError(f"group_update cannot change {sorted(set(changes) - set(_GROUP_FIELDS))}")
    group = DisplayGroup.objects.select_for_update().get(pk=group.pk)
    before = audit_snapshot(obj=group, fields=_GROUP_FIELDS)
    for name, value in changes.items():
        setattr(group, name, value.strip() if isinstance(value, str) else value)
    _group_save(actor, group, before)
    return group


# --- Playlists -------------------------------------------------------------------------------
def _require_hand_made(playlist: Playlist) -> None:
    if playlist.channel_group_id is not None:
        raise ValidationError(
            _("This playlist shows the approved posts of a screens channel account: change "
              "them in the editorial calendar, not here.")
        )  # fmt: skip


def _items_snapshot(playlist: Playlist) -> list[list[int]]:
    return [
        [item.slide_id, item.duration_seconds] for item in playlist.items.order_by("position", "pk")
    ]


@transaction.atomic
def playlist_create(*, actor: User | None, name: str) -> Playlist:
    require_manager(actor)
    playlist = Playlist(name=name.strip())
    playlist.full_clean()
    playlist.save()
    audit_record(
        actor=actor,
        action="screens.playlist.create",
        target=playlist,
        after={"name": playlist.name},
    )
    return playlist


def _check_seconds(seconds: int, where: str) -> None:
    if not 1 <= seconds <= MAX_SLIDE_SECONDS:
        raise ValidationError(
            _("%(where)s: %(seconds)s s; a slide plays from 1 to %(max)s seconds.")
            % {"where": where, "seconds": seconds, "max": MAX_SLIDE_SECONDS}
        )


@transaction.atomic
def playlist_set_items(
    *,
    actor: User | None,
    playlist: Playlist,
    items: Sequence[tuple[Slide, int]],
    name: str | None = None,
) -> Playlist:
    """Make the playlist exactly ``items`` (slide, seconds), in that order."""
    require_manager(actor)
    playlist = Playlist.objects.select_for_update().get(pk=playlist.pk)
    _require_hand_made(playlist)
    for position, (slide, seconds) in enumerate(items, start=1):
        _check_seconds(seconds, _("Item %(n)s (%(slide)s)") % {"n": position, "slide": slide})
    before = {"name": playlist.name, "items": _items_snapshot(playlist)}
    if name is not None:
        playlist.name = name.strip()
        playlist.full_clean()
    playlist.save()
    playlist.items.all().delete()
    PlaylistItem.objects.bulk_create(
        PlaylistItem(playlist=playlist, slide=slide, position=position, duration_seconds=seconds)
        for position, (slide, seconds) in enumerate(items, start=1)
    )
    audit_record(actor=actor, action="screens.playlist.items", target=playlist, before=before,
                 after={"name": playlist.name, "items": _items_snapshot(playlist)})  # fmt: skip
    content_changed()
    return playlist


# --- Schedules -------------------------------------------------------------------------------
def _check_schedule(
    schedule: Schedule, displays: Sequence[Display], groups: Sequence[DisplayGroup]
) -> None:
    errors: dict[str, list[str]] = {}
    if not displays and not groups:
        errors["displays"] = [_("Choose at least one display or group.")]
    days = schedule.weekdays
    if not isinstance(days, list) or not days or any(d not in range(7) for d in days):
        errors["weekdays"] = [_("Choose at least one day of the week.")]
    if schedule.start_date and schedule.end_date and schedule.end_date < schedule.start_date:
        errors["end_date"] = [_("The last day comes before the first.")]
    if (schedule.start_time is None) != (schedule.end_time is None):
        errors["end_time"] = [_("Give both hours, or neither for the whole day.")]
    elif schedule.start_time and schedule.end_time and schedule.end_time <= schedule.start_time:
        errors["end_time"] = [
            _("“Until” must come after “from” on the same day; for a night, make two schedules "
              "(until midnight, and from midnight).")
        ]  # fmt: skip
    if errors:
        raise ValidationError(errors)
    schedule.weekdays = sorted(set(days))
    schedule.full_clean()


def _schedule_snapshot(schedule: Schedule) -> dict[str, Any]:
    return {
        **audit_snapshot(obj=schedule, fields=_SCHEDULE_FIELDS),
        "displays": _ids(schedule.displays.all()),
        "groups": _ids(schedule.groups.all()),
    }


@transaction.atomic
def schedule_save(
    *,
    actor: User | None,
    schedule: Schedule | None = None,
    displays: Sequence[Display] = (),
    groups: Sequence[DisplayGroup] = (),
    **fields: Any,
) -> Schedule:
    """Create a schedule (``schedule`` None) or change one: ``fields`` are its columns."""
    require_manager(actor)
    if set(fields) - set(_SCHEDULE_FIELDS):
        raise ValueError(f"schedule_save cannot set {sorted(set(fields) - set(_SCHEDULE_FIELDS))}")
    # Re-read: a bound ModelForm has already written the new values on ``schedule``.
    target = Schedule.objects.select_for_update().get(pk=schedule.pk) if schedule else Schedule()
    before = _schedule_snapshot(target) if schedule is not None else None
    for name, value in fields.items():
        setattr(target, name, value)
    _check_schedule(target, displays, groups)
    target.save()
    target.displays.set(list(displays))
    target.groups.set(list(groups))
    action = "screens.schedule.update" if before is not None else "screens.schedule.create"
    audit_record(
        actor=actor, action=action, target=target, before=before, after=_schedule_snapshot(target)
    )
    content_changed()
    return target


@transaction.atomic
def schedule_delete(*, actor: User | None, schedule: Schedule) -> None:
    require_manager(actor)
    audit_record(
        actor=actor,
        action="screens.schedule.delete",
        target=schedule,
        before=_schedule_snapshot(schedule),
    )
    schedule.delete()
    content_changed()
