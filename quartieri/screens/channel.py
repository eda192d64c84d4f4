"""The screens channel: a display group is a screens channel account, and that account's
scheduled variants are slides of the group's channel playlist.

- A variant of the account is drafted, approved and scheduled in the editorial calendar
  like any post, by the people the account's grants allow. Scheduling it calls the kind's
  delivery (``kind.ScreensDelivery``), which makes its slide and puts it on the group's
  channel playlist, in the same transaction, from its scheduled time to the end of its
  campaign's last day (Europe/Rome); the players pick it up with their next poll.
- Edited back into review, the variant is withdrawn: it leaves the playlist; its slide
  stays, with its proof of play.
- The first play a display reports of it records the variant published
  (``campaigns.services.variant_record_published``): proof of play is the proof it went out.

``group_sync`` rebuilds a group's channel playlist from its account's live variants; the
delivery calls it, and so do a group's change of account, ``quartieri screens sync`` and
the workers' periodic tick when the screens variants' fingerprint moves (periodic.py),
which brings in what the delivery does not see: a campaign's new dates or a content item's
new title.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from quartieri.analytics.links import LinkError
from quartieri.campaigns import scheduling
from quartieri.campaigns.models import MediaAsset, Variant
from quartieri.campaigns.services import variant_record_published
from quartieri.channels.registry import Platform
from quartieri.screens import qr
from quartieri.screens.models import (
    CLOCK_SKEW,
    Display,
    DisplayGroup,
    Playlist,
    PlaylistItem,
    Schedule,
    Slide,
)
from quartieri.screens.versions import content_changed

logger = logging.getLogger(__name__)
PLATFORM = Platform.SCREENS
LIVE = (Variant.Status.SCHEDULED, Variant.Status.PUBLISHED)
ROME = ZoneInfo("Europe/Rome")
SLIDE_SECONDS = 10


def _today(now: dt.datetime | None) -> dt.date:
    """Today in Europe/Rome, by the clock the campaigns' scheduling reads (one clock, so
    tests of the 2021 campaign can stand in 2021)."""
    return (now or scheduling.schedule_now()).astimezone(ROME).date()


def _live(*, account_ids: QuerySet[Any] | list[int], today: dt.date) -> QuerySet[Variant]:
    """Scheduled and published variants of the accounts whose campaign has not ended: a
    slide's window closes with its campaign's last day, so an ended one shows nothing."""
    return Variant.objects.filter(
        account_id__in=account_ids,
        status__in=LIVE,
        scheduled_at__isnull=False,
        content_item__campaign__end_date__gte=today,
    )


def live_variants(
    *, account_id: int, leaving: int | None = None, now: dt.datetime | None = None
) -> QuerySet[Variant]:
    """The account's live variants (``_live``) but ``leaving`` (being withdrawn)."""
    rows = _live(account_ids=[account_id], today=_today(now))
    if leaving is not None:
        rows = rows.exclude(pk=leaving)
    return (
        rows.select_related("account", "content_item__campaign", "content_item__neighbourhood")
        .prefetch_related("media")
        .order_by("scheduled_at", "pk")
    )


def variant_window(variant: Variant) -> tuple[dt.datetime, dt.datetime]:
    """From the scheduled time to the end of the campaign's last day, Europe/Rome."""
    assert variant.scheduled_at is not None  # noqa: S101 - live_variants filters them
    last_day = variant.content_item.campaign.end_date
    until = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tzinfo=ROME)
    return variant.scheduled_at, max(until, variant.scheduled_at + dt.timedelta(seconds=1))


def _media(variant: Variant, kind: str) -> MediaAsset | None:
    return next((asset for asset in variant.media.all() if asset.kind == kind), None)


def _slide_fields(variant: Variant) -> dict[str, object]:
    item = variant.content_item
    title = (variant.title or item.title)[:120]
    video = _media(variant, MediaAsset.Kind.VIDEO)
    image = _media(variant, MediaAsset.Kind.IMAGE)
    asset = video or image
    described = asset.alt_text if asset is not None and asset.alt_text else variant.caption
    return {
        "name": f"{item.title} · {variant.account.handle} #{variant.pk}"[:200],
        "kind": Slide.Kind.VIDEO if video is not None else Slide.Kind.LAYOUT,
        "campaign": item.campaign,
        "neighbourhood": item.neighbourhood,
        "asset": asset,
        "media_type": asset.mime_type if asset is not None else "",
        "media_seconds": video.duration_seconds if video is not None else None,
        "title": title,
        "text": variant.caption[:400],
        "qr_target": variant.link,
        "show_map": item.neighbourhood is not None,
        "alt_text": f"{title}. {described}".strip()[:1000],
    }


def variant_slide(variant: Variant, *, strict: bool = True) -> Slide:
    """The slide showing ``variant``, made or brought up to date (saved only if changed,
    so that its renditions stay valid when nothing moved), with its QR code's tracked link.

    ``strict``: raise ``LinkError`` when the variant's link may not be a tracked link's
    target (the delivery refuses the schedule); otherwise the slide is drawn without a QR
    code and the refusal logged (the allow-list was narrowed after it was scheduled)."""
    fields = _slide_fields(variant)
    slide = Slide.objects.filter(variant=variant).first()
    if slide is None:
        slide = Slide.objects.create(variant=variant, duration_seconds=SLIDE_SECONDS, **fields)
    else:
        changed = [name for name, value in fields.items() if getattr(slide, name) != value]
        for name in changed:
            setattr(slide, name, fields[name])
        if changed:
            slide.save()
    try:
        qr.slide_link_store(slide)
    except LinkError as error:
        if strict:
            raise
        logger.warning("screens: variant %s's slide has no QR code: %s", variant.pk, error)
        Slide.objects.filter(pk=slide.pk).update(qr_link="")
    return slide


def _channel_playlist(group: DisplayGroup, account_handle: str) -> Playlist:
    playlist = Playlist.objects.filter(channel_group=group).first()
    if playlist is not None:
        return playlist
    name = _("Channel %(handle)s · %(group)s") % {"handle": account_handle, "group": group.name}
    playlist = Playlist.objects.create(name=name[:200], channel_group=group)
    # Always on, normal priority: the staff may change or disable it like any schedule.
    schedule = Schedule.objects.create(name=name[:200], playlist=playlist)
    schedule.groups.set([group])
    return playlist


def _current(playlist: Playlist) -> list[tuple[int, dt.datetime | None, dt.datetime | None]]:
    return [
        (item.slide_id, item.valid_from, item.valid_until)
        for item in playlist.items.order_by("position", "pk")
    ]


@transaction.atomic
def group_sync(
    *,
    group: DisplayGroup,
    leaving: int | None = None,
    delivering: int | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Bring the group's channel playlist in line with its account's live variants (but
    ``leaving``); True when something changed (the caller's transaction also bumps the
    content version). ``delivering``: the variant being scheduled, whose refused link
    raises ``LinkError`` instead of drawing its slide without a QR code."""
    # One sync per group at a time (the delivery and a worker's tick may meet here).
    # The account is read apart: PostgreSQL locks no row of an outer join's nullable side.
    group = DisplayGroup.objects.select_for_update().get(pk=group.pk)
    if group.account is None:
        gone = Playlist.objects.filter(channel_group=group)
        changed = gone.exists()
        Schedule.objects.filter(playlist__in=gone).delete()
        gone.delete()
        return changed
    playlist = _channel_playlist(group, group.account.handle)
    live = live_variants(account_id=group.account.pk, leaving=leaving, now=now)
    wanted = [(variant_slide(v, strict=v.pk == delivering), *variant_window(v)) for v in live]
    if _current(playlist) == [(slide.pk, start, end) for slide, start, end in wanted]:
        return False
    playlist.items.all().delete()
    PlaylistItem.objects.bulk_create(
        PlaylistItem(
            playlist=playlist,
            slide=slide,
            position=position,
            duration_seconds=slide.duration_seconds,
            valid_from=start,
            valid_until=end,
        )
        for position, (slide, start, end) in enumerate(wanted, start=1)
    )
    playlist.save(update_fields=["updated_at"])
    return True


@transaction.atomic
def variants_sync(
    *, groups: Sequence[DisplayGroup] | None = None, now: dt.datetime | None = None
) -> int:
    """Sync every group that is a channel account; the number of playlists changed."""
    targets = groups if groups is not None else DisplayGroup.objects.filter(account__isnull=False)
    changed = sum(group_sync(group=group, now=now) for group in targets)
    if changed:
        content_changed()
    return changed


# What a slide and its window are drawn from (_slide_fields, variant_window, the QR link).
_SHOWN = (
    "pk",
    "account_id",
    "account__handle",
    "scheduled_at",
    "title",
    "caption",
    "link",
    "content_item__title",
    "content_item__neighbourhood_id",
    "content_item__campaign_id",
    "content_item__campaign__slug",
    "content_item__campaign__end_date",
)
_SHOWN_MEDIA = ("variant_id", "mediaasset_id", "mediaasset__kind", "mediaasset__file",
                "mediaasset__alt_text", "mediaasset__mime_type", "mediaasset__duration_seconds")  # fmt: skip


def fingerprint(*, now: dt.datetime | None = None) -> str:
    """A digest of what the channel playlists show (three small queries): the live
    variants' drawn fields and media, the groups' accounts, and the day (an ended campaign
    drops out). A draft saved, or a live post recorded published, leaves it as it is."""
    today = _today(now)
    groups = DisplayGroup.objects.filter(account__isnull=False)
    live = _live(account_ids=groups.values("account_id"), today=today)
    shown = list(live.order_by("pk").values_list(*_SHOWN))
    media = list(
        Variant.media.through.objects.filter(variant__in=live.values("pk"))
        .order_by("variant_id", "mediaasset_id")
        .values_list(*_SHOWN_MEDIA)
    )
    accounts = list(groups.order_by("pk").values_list("pk", "account_id"))
    summary = [today.isoformat(), shown, media, accounts]
    return hashlib.sha256(json.dumps(summary, default=str).encode()).hexdigest()


# --- The kind's delivery (kind.ScreensDelivery) ------------------------------------------------
def _group_of(variant_id: int) -> tuple[Variant, DisplayGroup | None]:
    variant = Variant.objects.select_related("account").get(pk=variant_id)
    return variant, DisplayGroup.objects.filter(account_id=variant.account_id).first()


def variant_deliver(*, variant_id: int) -> None:
    """The variant was scheduled or moved: its slide joins (or moves in) its group's
    channel playlist. ValidationError when the account is no group's, or when its link may
    not be a tracked link's target: the scheduling then rolls back."""
    variant, group = _group_of(variant_id)
    if group is None:
        raise ValidationError(
            _(
                "No display group is the screens account %(account)s: choose it as a group's "
                "account (Screens → Groups) before scheduling slides for it."
            )
            % {"account": variant.account}
        )
    try:
        changed = group_sync(group=group, delivering=variant_id)
    except LinkError as error:
        raise ValidationError(
            {"link": _("The slide's QR code cannot lead there: %(reason)s.") % {"reason": error}}
        ) from None
    if changed:
        content_changed()


def variant_withdraw(*, variant_id: int) -> bool:
    """The variant left the calendar: its slide leaves the playlist. Always possible (the
    players drop it at their next poll); a variant already played is published and can no
    longer be edited back."""
    _variant, group = _group_of(variant_id)
    if group is not None and group_sync(group=group, leaving=variant_id):
        content_changed()
    return True


# --- Proof of play ----------------------------------------------------------------------------
def plays_publish(*, display: Display, first_played: Mapping[int, dt.datetime]) -> list[int]:
    """Record published the scheduled variants whose slides ``display`` just reported
    playing (slide id → the earliest new play's start); the ids of the variants recorded.

    A play from before the variant's scheduled time (an old manifest) is no proof that it
    went out as scheduled; a variant already published is left alone."""
    rows = Slide.objects.filter(
        pk__in=list(first_played), variant__status=Variant.Status.SCHEDULED
    ).values_list("pk", "variant_id", "variant__scheduled_at")
    permalink = settings.PUBLIC_URL + reverse("screens:display_detail", args=[display.pk])
    recorded = []
    for slide_id, variant_id, scheduled_at in rows:
        if scheduled_at is None or first_played[slide_id] < scheduled_at - CLOCK_SKEW:
            continue
        if variant_record_published(variant_id=variant_id, permalink=permalink) is not None:
            recorded.append(variant_id)
    return sorted(recorded)
