"""A campaign's media library: every picture and video of its content items in one place.

- **Reuse**: a variant may use any file of its campaign, not only its own item's
  (``variant_media_set``, through the one core ``media.variant_media_change`` that the media
  page and the API use too); the platform rules are checked for each file it takes.
- **Describe once**: a file's alternative text and caption file are edited here
  (``media_describe``) and every variant using it goes out with the new ones.

Both are edits of the variants concerned: through ``variant_update`` the actor becomes their
last editor (four eyes holds) and an approved or scheduled variant goes back to review,
its approval having covered other media. Both are checked whole before anything is
written, and audited (``campaigns.variant.media``, ``campaigns.media.describe``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from quartieri.accounts.models import User
from quartieri.accounts.services import audit_record, audit_snapshot
from quartieri.campaigns.media import (
    _SNAPSHOT,
    MediaChange,
    Probe,
    _checked_captions,
    _delete_files,
    _require_drafter,
    _stored_name,
    media_public_url,
    variant_media_change,
)
from quartieri.campaigns.models import Campaign, MediaAsset, Variant
from quartieri.campaigns.services import variant_update
from quartieri.campaigns.validation import asset_failures
from quartieri.channels.selectors import Duty, account_allows

Status = Variant.Status


# --- Reads -------------------------------------------------------------------------------
@dataclass
class LibraryAsset:
    asset: MediaAsset
    url: str
    thumbnail_url: str
    caption_url: str
    used_by: list[Variant] = field(default_factory=list)


def media_library(*, campaign: Campaign) -> list[LibraryAsset]:
    """The campaign's files, newest first, each with the variants using it (two queries)."""
    assets = list(
        MediaAsset.objects.filter(content_item__campaign=campaign)
        .select_related("content_item")
        .order_by("-pk")
    )
    rows = {
        asset.pk: LibraryAsset(
            asset,
            media_public_url(asset.file),
            media_public_url(asset.thumbnail),
            media_public_url(asset.caption_file),
        )
        for asset in assets
    }
    through = Variant.media.through.objects.filter(mediaasset_id__in=rows).select_related(
        "variant__account", "variant__content_item"
    )
    for link in through.order_by("variant_id"):
        rows[link.mediaasset_id].used_by.append(link.variant)
    return list(rows.values())


# --- Which files a variant uses ------------------------------------------------------------
def variant_media_set(*, actor: User, variant: Variant, assets: Sequence[MediaAsset]) -> Variant:
    """Make ``variant`` use exactly ``assets``, files of its campaign's library.

    The one core decides (``media.variant_media_change``): refused whole, nothing changes,
    for a file of another campaign, a file the platform would refuse for this post, a
    variant the actor may not draft on or already published. Unchanged choices write
    nothing (an approval is not lost by saving them again).
    """
    variant = Variant.objects.select_related("account", "content_item").get(pk=variant.pk)
    wanted = {asset.pk for asset in assets}
    dropped = variant.media.exclude(pk__in=wanted)
    change = MediaChange(variant, add=list(assets), remove=list(dropped))
    changed = variant_media_change(actor=actor, changes=[change], field="media")
    return changed[0] if changed else variant


# --- Alternative text and captions, once for every variant -------------------------------------
def _probe_of(asset: MediaAsset) -> Probe:
    return Probe(
        asset.kind,
        asset.mime_type,
        "",
        asset.width or 0,
        asset.height or 0,
        asset.size_bytes,
        asset.duration_seconds,
    )


def _users_of(asset: MediaAsset, actor: User) -> list[Variant]:
    """The variants that will go out with the new description; refused unless the actor may
    draft on every one of them."""
    using = list(
        Variant.objects.filter(media=asset)
        .exclude(status=Status.PUBLISHED)  # already out: a new text changes nothing there
        .select_related("account", "content_item")
        .order_by("pk")
    )
    refusals = [
        reason
        for variant in using
        if (reason := account_allows(user=actor, account=variant.account, duty=Duty.DRAFT))
    ]
    if refusals:
        raise PermissionDenied(" ".join(dict.fromkeys(refusals)))
    return using


def _text_failures(asset: MediaAsset, variants: Sequence[Variant]) -> list[str]:
    # Only the description's own rules: a format rule broken before is not this edit's.
    return [
        failure.message
        for variant in variants
        for failure in asset_failures(asset=asset, variant=variant)
        if failure.field.endswith(("alt_text", "caption_file"))
    ]


def media_describe(
    *,
    actor: User,
    asset: MediaAsset,
    alt_text: str,
    caption_file: UploadedFile[Any] | None = None,
) -> list[Variant]:
    """Set a file's alternative text (and, for a video, replace its caption file) for every
    variant using it. Returns the variants sent back to review by the change.

    Refused whole, naming the field: an image without alternative text, a caption file on
    an image or one that does not parse or outlasts the video, a text a platform using it
    refuses (Instagram: ≤ 1,000 characters), a variant the actor may not draft on.
    """
    _require_drafter(actor)
    written: list[str] = []
    try:
        with transaction.atomic():
            return _describe(actor, asset, alt_text.strip(), caption_file, written)
    except BaseException:
        # Rolled back: a caption file stored meanwhile goes too.
        for name in written:
            asset.caption_file.storage.delete(name)
        raise


def _describe(
    actor: User,
    asset: MediaAsset,
    alt_text: str,
    caption_file: UploadedFile[Any] | None,
    written: list[str],
) -> list[Variant]:
    asset = MediaAsset.objects.select_for_update().select_related("content_item").get(pk=asset.pk)
    if asset.kind == MediaAsset.Kind.IMAGE and not alt_text:
        raise ValidationError({"alt_text": [_("An image needs alternative text (what it shows).")]})
    captions = _checked_captions(caption_file, _probe_of(asset)) if caption_file else None
    if alt_text == asset.alt_text and captions is None:
        return []
    using = _users_of(asset, actor)
    before = audit_snapshot(obj=asset, fields=_SNAPSHOT)
    asset.alt_text = alt_text
    problems = _text_failures(asset, using)
    if problems:
        raise ValidationError({"alt_text": problems})
    sent_back = [v for v in using if v.status in (Status.APPROVED, Status.SCHEDULED)]
    for variant in using:
        variant_update(actor=actor, variant=variant)
    if captions is not None and caption_file is not None:
        old = asset.caption_file.name
        caption_file.seek(0)
        asset.caption_file.save(
            _stored_name(str(caption_file.name), captions.format), caption_file, save=False
        )
        written.append(asset.caption_file.name or "")
        asset.probe = {
            **asset.probe,
            "caption_format": captions.format,
            "caption_cues": len(captions.cues),
        }
        if old:  # the old file goes only once the change is committed
            storage = asset.caption_file.storage
            transaction.on_commit(partial(_delete_files, storage, [old]))
    asset.save()
    audit_record(
        actor=actor,
        action="campaigns.media.describe",
        target=asset,
        before=before,
        after=audit_snapshot(obj=asset, fields=_SNAPSHOT),
    )
    return sent_back
