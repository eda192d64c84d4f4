"""The screens channel kind: campaign variants for the screens channel become slides.

All the glue between screens and campaigns' channel accounts, variants, approvals and
calendar is here, so that it becomes the screens kind's declaration in the channels app in
one step (issue 15). Until then:

- a display group *is* a screens channel account by its ``channel_handle`` (contract 6; no
  ForeignKey to ``campaigns.ChannelAccount``, which is moving);
- a variant of that account that is scheduled (or published) is a slide of the group's
  channel playlist from its scheduled time to the end of its campaign's last day
  (Europe/Rome): approval and scheduling happen in the editorial calendar like any post;
- a variant that leaves that state (edited, so back in review) leaves the playlist; its
  slide stays, with its proof of play.

The sync runs from the workers' periodic tick when the screens variants' fingerprint
moves (periodic.py), when a group is saved, and from ``quartieri screens sync``. A change
to a content item's title or a campaign's dates reaches the slides with the next change
of one of its screens variants, or the next explicit sync.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Min, QuerySet
from django.utils.translation import gettext as _

from quartieri.campaigns.models import ChannelAccount, MediaAsset, Platform, Variant
from quartieri.screens.models import DisplayGroup, Playlist, PlaylistItem, Schedule, Slide
from quartieri.screens.versions import content_changed

PLATFORM = Platform.SCREENS
LIVE = (Variant.Status.SCHEDULED, Variant.Status.PUBLISHED)
ROME = ZoneInfo("Europe/Rome")
SLIDE_SECONDS = 10


def account_handles() -> list[str]:
    """Handles of the screens channel accounts, for the group form."""
    return list(
        ChannelAccount.objects.filter(platform=PLATFORM)
        .order_by("handle")
        .values_list("handle", flat=True)
    )


def account_exists(*, handle: str) -> bool:
    return ChannelAccount.objects.filter(platform=PLATFORM, handle=handle).exists()


def live_variants(*, handle: str) -> QuerySet[Variant]:
    return (
        Variant.objects.filter(
            account__platform=PLATFORM,
            account__handle=handle,
            status__in=LIVE,
            scheduled_at__isnull=False,
        )
        .select_related("content_item__campaign", "content_item__neighbourhood")
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


def variant_slide(variant: Variant) -> Slide:
    """The slide showing ``variant``, made or brought up to date (saved only if changed,
    so that its renditions stay valid when nothing moved)."""
    fields = _slide_fields(variant)
    slide = Slide.objects.filter(variant=variant).first()
    if slide is None:
        return Slide.objects.create(variant=variant, duration_seconds=SLIDE_SECONDS, **fields)
    changed = [name for name, value in fields.items() if getattr(slide, name) != value]
    for name in changed:
        setattr(slide, name, fields[name])
    if changed:
        slide.save()
    return slide


def _channel_playlist(group: DisplayGroup) -> Playlist:
    playlist = Playlist.objects.filter(channel_group=group).first()
    if playlist is not None:
        return playlist
    name = _("Channel %(handle)s · %(group)s") % {
        "handle": group.channel_handle,
        "group": group.name,
    }
    playlist = Playlist.objects.create(name=name[:200], channel_group=group)
    # Always on, normal priority: the staff may change or disable it like any schedule.
    schedule = Schedule.objects.create(name=name[:200], playlist=playlist)
    schedule.groups.set([group])
    return playlist


def _wanted(handle: str) -> list[tuple[Slide, dt.datetime, dt.datetime]]:
    return [(variant_slide(v), *variant_window(v)) for v in live_variants(handle=handle)]


def _current(playlist: Playlist) -> list[tuple[int, dt.datetime | None, dt.datetime | None]]:
    return [
        (item.slide_id, item.valid_from, item.valid_until)
        for item in playlist.items.order_by("position", "pk")
    ]


def group_sync(*, group: DisplayGroup) -> bool:
    """Bring the group's channel playlist in line with its account's live variants; True
    when something changed (the caller's transaction also bumps the content version)."""
    if not group.channel_handle:
        gone = Playlist.objects.filter(channel_group=group)
        changed = gone.exists()
        Schedule.objects.filter(playlist__in=gone).delete()
        gone.delete()
        return changed
    playlist = _channel_playlist(group)
    wanted = _wanted(group.channel_handle)
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


def variants_sync(*, groups: Sequence[DisplayGroup] | None = None) -> int:
    """Sync every group that is a channel account; the number of playlists changed."""
    targets = groups if groups is not None else DisplayGroup.objects.exclude(channel_handle="")
    changed = sum(group_sync(group=group) for group in targets)
    if changed:
        content_changed()
    return changed


def fingerprint() -> str:
    """A cheap summary of every screens variant (one aggregate query): when it moves, the
    periodic tick syncs."""
    summary = Variant.objects.filter(account__platform=PLATFORM).aggregate(
        count=Count("pk"),
        last_id=Max("pk"),
        last_change=Max("updated_at"),
        first_end=Min("content_item__campaign__end_date"),
        last_end=Max("content_item__campaign__end_date"),
    )
    groups = DisplayGroup.objects.exclude(channel_handle="").aggregate(
        n=Count("pk"), last=Max("pk")
    )
    return "|".join(str(value) for value in [*summary.values(), *groups.values()])[:120]
