"""Images and videos of a content item: read from their content, checked, stored, attached.

Nothing trusts the file name. Type, size, dimensions, duration and codecs come from the
bytes (Pillow for images, ``ffprobe`` from Debian's ffmpeg for videos); the stored name is
random (128 bits, so the public ``/media/`` folder can be neither listed nor guessed) with
the extension of the type found. Every image needs alternative text and every video a
caption file (WebVTT or SRT, read by webvtt-py): WCAG 2.1 AA (django-style.md §3.3). An
upload is checked whole, then written in one transaction; a refusal writes nothing, not even
a file.
"""

from __future__ import annotations

import json
import math
import secrets
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, UnidentifiedImageError

from quartieri.accounts.models import User
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.accounts.services import audit_record, audit_snapshot
from quartieri.campaigns.captions import Captions, caption_check_timing, caption_parse
from quartieri.campaigns.models import ContentItem, MediaAsset, Variant
from quartieri.campaigns.services import StateConflictError, variant_update
from quartieri.campaigns.thumbnails import thumbnail_bytes, thumbnail_name
from quartieri.campaigns.validation import asset_failures
from quartieri.channels.selectors import Duty, account_allows

MB = 1024 * 1024
CAPTION_MAX_BYTES = 1 * MB
# Pillow format → (MIME type, extension). What the platforms take is narrower and checked
# per variant by rules.py (Instagram: JPEG only, §2.2; TikTok: JPEG/WebP, §1.5).
IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
# ffprobe codec names; the intersection of what TikTok (§1.5) and Reels (§2.2) take.
VIDEO_CODECS = {"h264": "H.264", "hevc": "HEVC (H.265)"}
AUDIO_CODECS = {"aac": "AAC"}
# ISO base media (MP4, MOV): the box type at offset 4 of the file.
_ISO_BOXES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
_SNAPSHOT = ["kind", "file", "alt_text", "caption_file", "width", "height", "duration_seconds"]


def _refuse(field_name: str, message: str) -> ValidationError:
    return ValidationError({field_name: [message]})


# --- Probing ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Probe:
    """What a file really is, read from its bytes."""

    kind: str  # MediaAsset.Kind
    mime_type: str
    extension: str
    width: int
    height: int
    size_bytes: int
    duration_seconds: float | None = None
    details: dict[str, Any] = field(default_factory=dict)  # stored in MediaAsset.probe


def media_probe(*, path: Path, name: str) -> Probe:
    """Read ``path`` (uploaded as ``name``); ValidationError on "file" naming it and why."""
    size = path.stat().st_size
    if size == 0:
        raise _refuse("file", _("%(name)s: the file is empty.") % {"name": name})
    with path.open("rb") as handle:
        head = handle.read(12)
    if head[4:8] in _ISO_BOXES:
        return _probe_video(path, name, size)
    return _probe_image(path, name, size)


def _probe_image(path: Path, name: str, size: int) -> Probe:
    unreadable = _(
        "%(name)s: not a JPEG, PNG or WebP image, nor an MP4 or MOV video (read from its "
        "content, whatever its name says)."
    )
    try:
        with Image.open(path, formats=list(IMAGE_FORMATS)) as image:  # reads the header only
            fmt, (width, height) = str(image.format), image.size
            limit = Image.MAX_IMAGE_PIXELS
            if limit and width * height > limit:
                # A decompression bomb: refused before decoding (Pillow only warns up to 2×).
                raise ValueError(f"{width}×{height} pixels")
            image.load()  # decodes every pixel: a truncated file fails here
            orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    except UnidentifiedImageError:
        raise _refuse("file", unreadable % {"name": name}) from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise _refuse(
            "file",
            _("%(name)s: the image cannot be read (%(reason)s).") % {"name": name, "reason": error},
        ) from None
    if orientation in (5, 6, 7, 8):
        # EXIF says "rotate 90°": people and platforms see it the other way round.
        width, height = height, width
    mime_type, extension = IMAGE_FORMATS[fmt]
    details = {"format": fmt.lower()}
    return Probe(MediaAsset.Kind.IMAGE, mime_type, extension, width, height, size, None, details)


def _ffprobe(path: Path, name: str) -> dict[str, Any]:
    # The demuxer is forced to MOV/MP4 and only local files may be opened, so a crafted file
    # (an HLS playlist, a reference movie) cannot make ffprobe fetch or read anything else.
    command = [
        settings.MEDIA_FFPROBE,
        *("-v", "error", "-f", "mov", "-protocol_whitelist", "file"),
        *("-print_format", "json", "-show_format", "-show_streams", f"file:{path}"),
    ]
    try:
        done = subprocess.run(  # noqa: S603 - fixed program and arguments, no shell
            command, capture_output=True, timeout=settings.MEDIA_PROBE_TIMEOUT_SECONDS, check=False
        )
    except FileNotFoundError:
        reason = _("ffprobe is not installed on the server (Debian package ffmpeg)")
    except subprocess.TimeoutExpired:
        reason = _("reading it took too long")
    else:
        if done.returncode == 0:
            return dict(json.loads(done.stdout or b"{}"))
        # ffprobe's last line says what it choked on ("moov atom not found", …).
        last = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
        reason = last[0].replace(f"file:{path}", name)[:200] if last else "ffprobe"
    raise _refuse(
        "file",
        _("%(name)s: the video cannot be read (%(reason)s).") % {"name": name, "reason": reason},
    )


def _probe_video(path: Path, name: str, size: int) -> Probe:
    data = _ffprobe(path, name)
    streams = data.get("streams", [])
    video = _first_stream(streams, "video")
    audio = _first_stream(streams, "audio")
    _require_codec(name, "video", video, VIDEO_CODECS)
    if audio is not None:  # a silent video is fine; a sound track must be AAC
        _require_codec(name, "audio", audio, AUDIO_CODECS)
    assert video is not None  # noqa: S101 - _require_codec refused a missing track
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    duration = _float(data.get("format", {}).get("duration")) or _float(video.get("duration"))
    if not width or not height or not duration:
        raise _refuse(
            "file", _("%(name)s: the video has no readable size or duration.") % {"name": name}
        )
    if abs(_rotation(video)) in (90, 270):
        width, height = height, width
    brand = str(data.get("format", {}).get("tags", {}).get("major_brand", "")).strip()
    mime_type, extension = ("video/quicktime", "mov") if brand == "qt" else ("video/mp4", "mp4")
    details = {
        "format": extension,
        "video_codec": video["codec_name"],
        "audio_codec": audio["codec_name"] if audio else None,
        "fps": _fps(video),
    }
    return Probe(
        MediaAsset.Kind.VIDEO, mime_type, extension, width, height, size, duration, details
    )


def _first_stream(streams: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    for stream in streams:
        # A cover picture inside an MP4 is a "video" stream too; it is not the video.
        if stream.get("codec_type") == kind and not stream.get("disposition", {}).get(
            "attached_pic"
        ):
            return stream
    return None


def _require_codec(
    name: str, kind: str, stream: dict[str, Any] | None, allowed: dict[str, str]
) -> None:
    actual = stream.get("codec_name") if stream else None
    if actual in allowed:
        return
    raise _refuse(
        "file",
        _("%(name)s: %(kind)s codec %(actual)s, accepted %(allowed)s.")
        % {
            "name": name,
            "kind": kind,
            "actual": actual or _("none"),
            "allowed": ", ".join(allowed.values()),
        },
    )


def _float(value: object) -> float | None:
    try:
        number = float(str(value)) if value not in (None, "", "N/A") else None
    except ValueError:
        return None
    # A malformed header can say "inf" or "nan": that is no duration either.
    return number if number is not None and math.isfinite(number) else None


def _fps(stream: dict[str, Any]) -> float | None:
    for key in ("avg_frame_rate", "r_frame_rate"):
        try:
            rate = Fraction(str(stream.get(key, "0/0")))
        except (ValueError, ZeroDivisionError):
            continue
        if rate > 0:
            return round(float(rate), 3)
    return None


def _rotation(stream: dict[str, Any]) -> int:
    # Phones store portrait video as landscape plus a display rotation.
    for side_data in stream.get("side_data_list", []):
        if "rotation" in side_data:
            return int(float(side_data["rotation"])) % 360
    return int(_float(stream.get("tags", {}).get("rotate")) or 0) % 360


# --- Upload -------------------------------------------------------------------------------
def _require_drafter(actor: User) -> None:
    # The same rule as creating a content item (services.content_item_create).
    if not user_can(actor, Capability.DRAFT_CONTENT):
        raise PermissionDenied(
            _("Your role does not allow this (%(capability)s).")
            % {"capability": Capability.DRAFT_CONTENT.value}
        )


@contextmanager
def local_path(upload: UploadedFile[Any]) -> Iterator[Path]:
    """A path to the uploaded bytes: ffprobe reads files, not Python objects (the screens
    app probes its slides' uploads through it too)."""
    temporary = getattr(upload, "temporary_file_path", None)
    if temporary is not None:
        yield Path(temporary())
        return
    with tempfile.NamedTemporaryFile(prefix="quartieri-upload-") as copy:
        for chunk in upload.chunks():
            copy.write(chunk)
        copy.flush()
        yield Path(copy.name)


def _size_cap(kind: str | None) -> int:
    if kind == MediaAsset.Kind.IMAGE:
        return int(settings.MEDIA_MAX_IMAGE_BYTES)
    if kind == MediaAsset.Kind.VIDEO:
        return int(settings.MEDIA_MAX_VIDEO_BYTES)
    return max(int(settings.MEDIA_MAX_IMAGE_BYTES), int(settings.MEDIA_MAX_VIDEO_BYTES))


def _check_size(name: str, size: int, kind: str | None) -> None:
    cap = _size_cap(kind)
    if size > cap:
        raise _refuse(
            "file",
            _("%(name)s: %(size)s MB, the upload limit is %(limit)s MB.")
            % {"name": name, "size": f"{size / MB:.1f}", "limit": f"{cap / MB:g}"},
        )


def _checked_captions(upload: UploadedFile[Any] | None, probe: Probe) -> Captions | None:
    if probe.kind == MediaAsset.Kind.IMAGE:
        if upload is not None:
            raise _refuse("caption_file", _("Only a video takes a caption file."))
        return None
    if upload is None:
        raise _refuse(
            "caption_file",
            _("A video needs a caption file (WebVTT or SRT), for people who cannot hear it."),
        )
    name = str(upload.name)
    if (upload.size or 0) > CAPTION_MAX_BYTES:
        raise _refuse(
            "caption_file",
            _("%(name)s: larger than %(limit)s MB.")
            % {"name": name, "limit": CAPTION_MAX_BYTES // MB},
        )
    captions = caption_parse(data=b"".join(upload.chunks()), name=name)
    caption_check_timing(captions=captions, duration=probe.duration_seconds or 0, name=name)
    return captions


def _new_asset(*, item: ContentItem, probe: Probe, alt_text: str, name: str) -> MediaAsset:
    # Named after the upload until stored, so that rule messages name the person's file.
    asset = MediaAsset(
        content_item=item,
        kind=probe.kind,
        alt_text=alt_text,
        width=probe.width,
        height=probe.height,
        duration_seconds=probe.duration_seconds,
        size_bytes=probe.size_bytes,
        mime_type=probe.mime_type,
        probe=probe.details,
    )
    asset.file.name = name
    return asset


def _stored_name(original: str, extension: str) -> str:
    stem = slugify(Path(original).stem)[:40] or "media"
    return f"{secrets.token_urlsafe(16)}-{stem}.{extension}"


def media_upload(
    *,
    actor: User,
    content_item: ContentItem,
    file: UploadedFile[Any],
    alt_text: str = "",
    caption_file: UploadedFile[Any] | None = None,
    variants: Sequence[Variant] = (),
) -> MediaAsset:
    """Check an image or video whole, then store it and attach it to ``variants``.

    Raises PermissionDenied, or ValidationError keyed by form field ("file", "alt_text",
    "caption_file", "variants") naming the file and the reason; then nothing is written.
    """
    _require_drafter(actor)
    name = str(file.name or "upload")
    _check_size(name, int(file.size or 0), None)
    with local_path(file) as path:
        probe = media_probe(path=path, name=name)
    _check_size(name, probe.size_bytes, probe.kind)
    alt_text = alt_text.strip()
    if probe.kind == MediaAsset.Kind.IMAGE and not alt_text:
        raise _refuse(
            "alt_text",
            _("%(name)s: an image needs alternative text (what it shows).") % {"name": name},
        )
    captions = _checked_captions(caption_file, probe)
    asset = _new_asset(item=content_item, probe=probe, alt_text=alt_text, name=name)
    if captions is not None and caption_file is not None:
        asset.caption_file.name = str(caption_file.name)  # until stored, as for the file
        asset.probe |= {"caption_format": captions.format, "caption_cues": len(captions.cues)}
    changes = [MediaChange(variant, add=[asset]) for variant in variants]
    checked = media_change_check(actor=actor, changes=changes, field="variants")
    with local_path(file) as path:  # accepted: its thumbnail for the media library
        thumbnail = thumbnail_bytes(path=path, kind=probe.kind, duration=probe.duration_seconds)
    stored = _Stored(
        file, probe.extension, caption_file, captions.format if captions else "", thumbnail
    )
    return _store(actor=actor, asset=asset, files=stored, changes=checked)


@dataclass(frozen=True)
class _Stored:
    file: UploadedFile[Any]
    extension: str
    caption_file: UploadedFile[Any] | None
    caption_extension: str
    thumbnail: bytes | None


def _store(
    *, actor: User, asset: MediaAsset, files: _Stored, changes: Sequence[MediaChange]
) -> MediaAsset:
    """Write ``asset`` and its files, then ``changes`` (already checked, adding it)."""
    original = asset.file.name or "media"
    written: list[str] = []
    try:
        with transaction.atomic():
            files.file.seek(0)
            asset.file.save(_stored_name(original, files.extension), files.file, save=False)
            written.append(asset.file.name or "")
            if files.caption_file is not None:
                files.caption_file.seek(0)
                caption_name = _stored_name(str(files.caption_file.name), files.caption_extension)
                asset.caption_file.save(caption_name, files.caption_file, save=False)
                written.append(asset.caption_file.name or "")
            if files.thumbnail is not None:
                asset.thumbnail.save(thumbnail_name(), ContentFile(files.thumbnail), save=False)
                written.append(asset.thumbnail.name or "")
            asset.full_clean()
            asset.save()
            audit_record(
                actor=actor,
                action="campaigns.media.upload",
                target=asset,
                after={**audit_snapshot(obj=asset, fields=_SNAPSHOT), "original_name": original},
            )
            _media_apply(actor=actor, changes=changes)  # the asset now has its pk
    except BaseException:
        # The row rolled back: take its files away too, so a refusal leaves nothing behind.
        for name in filter(None, written):
            asset.file.storage.delete(name)
        raise
    return asset


# --- Reads ----------------------------------------------------------------------------------
def media_public_url(file: FieldFile) -> str:
    """Where a platform (and a browser) fetches the file: QUARTIERI_MEDIA_PUBLIC_URL + name,
    the same address the outbox sends (publishing.payload), else the storage's own URL."""
    if not file:
        return ""
    base = settings.PUBLISHING_MEDIA_URL
    return f"{base}{file.name}" if base else str(file.url)


def media_variant_ids(*, item: ContentItem) -> dict[int, list[int]]:
    """Asset id → ids of the item's variants using it, in one query."""
    through = Variant.media.through
    rows = through.objects.filter(mediaasset__content_item=item).values_list(
        "mediaasset_id", "variant_id"
    )
    using: dict[int, list[int]] = {}
    for asset_id, variant_id in rows.order_by("variant_id"):
        using.setdefault(asset_id, []).append(variant_id)
    return using


# --- Which files a variant uses: the one core -------------------------------------------------
# Every path that changes a variant's files goes through ``variant_media_change``: the media
# page (one file, the item's variants), an upload for chosen variants, the campaign's media
# library (one variant, exactly these files: library.variant_media_set) and the API (add one,
# remove one). The rule is the library's promise (docs/campaigns.md, "Media library"): a
# variant may use any file of its campaign that its platform takes.
@dataclass(frozen=True)
class MediaChange:
    """Files to add to and take off one variant; the others it uses stay."""

    variant: Variant
    add: Sequence[MediaAsset] = ()
    remove: Sequence[MediaAsset] = ()
    # The file ids the variant used when checked (``media_change_check`` fills it in).
    using: frozenset[int] = frozenset()


def _media_refusals(*, actor: User, variant: Variant, add: Iterable[MediaAsset]) -> list[str]:
    """Why ``actor`` may not change ``variant``'s files, taking ``add``; empty when allowed."""
    problems = []
    reason = account_allows(user=actor, account=variant.account, duty=Duty.DRAFT)
    if variant.status == Variant.Status.PUBLISHED:
        reason = _("%(variant)s is already published.") % {"variant": variant}
    problems.extend([reason] if reason else [])
    campaign_id = variant.content_item.campaign_id
    for asset in add:
        if asset.content_item.campaign_id != campaign_id:
            problems.append(
                _("%(name)s belongs to another campaign than %(variant)s.")
                % {"name": asset.file.name, "variant": variant}
            )
        else:
            problems.extend(
                failure.message for failure in asset_failures(asset=asset, variant=variant)
            )
    return problems


def _real_changes(changes: Iterable[MediaChange]) -> list[MediaChange]:
    """Only what changes something: a file already used is not added again, one not used is
    not taken off (so saving the same choice keeps an approval and checks nothing)."""
    changes = list(changes)
    through = Variant.media.through.objects.filter(
        variant_id__in={change.variant.pk for change in changes}
    )
    used: dict[int, set[int]] = {}
    for variant_id, asset_id in through.values_list("variant_id", "mediaasset_id"):
        used.setdefault(variant_id, set()).add(asset_id)
    real = []
    for change in changes:
        using = frozenset(used.get(change.variant.pk, ()))
        add = [asset for asset in change.add if asset.pk is None or asset.pk not in using]
        remove = [asset for asset in change.remove if asset.pk in using]
        if add or remove:
            real.append(MediaChange(change.variant, add, remove, using))
    return real


def media_change_check(
    *, actor: User, changes: Iterable[MediaChange], field: str = "media"
) -> list[MediaChange]:
    """The changes that change something, once every one is allowed; else a ValidationError
    on ``field`` with every reason (nothing written)."""
    _require_drafter(actor)
    real = _real_changes(changes)
    problems = [
        problem
        for change in real
        for problem in _media_refusals(actor=actor, variant=change.variant, add=change.add)
    ]
    if problems:
        raise ValidationError({field: list(dict.fromkeys(problems))})
    return real


@transaction.atomic
def variant_media_change(
    *, actor: User, changes: Iterable[MediaChange], field: str = "media"
) -> list[Variant]:
    """Apply ``changes`` whole or refuse them whole (``media_change_check``); returns the
    variants changed.

    Changing the files is an edit: through ``variant_update`` the actor becomes the last
    editor (four eyes) and an approved or scheduled variant goes back to review with its
    outbox row cancelled (refused while the post is on its way). Audited per variant
    (``campaigns.variant.media``, the file ids before and after).
    """
    return _media_apply(
        actor=actor, changes=media_change_check(actor=actor, changes=changes, field=field)
    )


@transaction.atomic
def _media_apply(*, actor: User, changes: Iterable[MediaChange]) -> list[Variant]:
    """Write changes ``media_change_check`` returned; each file id set after one is the one
    before it plus what it adds, less what it takes off (no read back)."""
    media: dict[int, set[int]] = {}  # variant id → its file ids, as the changes leave them
    changed = []
    for change in changes:
        variant = variant_update(actor=actor, variant=change.variant)
        before = media.setdefault(variant.pk, set(change.using))
        variant.media.add(*change.add)
        variant.media.remove(*change.remove)
        after = (before | {asset.pk for asset in change.add}) - {
            asset.pk for asset in change.remove
        }
        media[variant.pk] = after
        audit_record(
            actor=actor,
            action="campaigns.variant.media",
            target=variant,
            before={"media": sorted(before)},
            after={"media": sorted(after)},
        )
        changed.append(variant)
    return changed


def media_attach(
    *,
    actor: User,
    asset: MediaAsset,
    add: Sequence[Variant] = (),
    remove: Sequence[Variant] = (),
) -> MediaAsset:
    """Add ``asset`` to the variants in ``add`` and take it off those in ``remove``; every
    other variant keeps its media as it is.

    Refused whole, changing nothing (``variant_media_change``'s rule), when a variant is in
    both lists, is published, is on an account the actor may not draft on, or (joining)
    belongs to another campaign or cannot take this file on its platform.
    """
    _require_drafter(actor)
    both = {variant.pk for variant in add} & {variant.pk for variant in remove}
    if both:
        raise ValidationError(
            {
                "variants": [
                    _("A variant cannot be both added and removed: %(ids)s.")
                    % {"ids": ", ".join(str(pk) for pk in sorted(both))}
                ]
            }
        )
    changes = [
        *(MediaChange(variant, add=[asset]) for variant in add),
        *(MediaChange(variant, remove=[asset]) for variant in remove),
    ]
    variant_media_change(actor=actor, changes=changes, field="variants")
    return asset


def _using(asset: MediaAsset) -> set[int]:
    through = Variant.media.through
    return set(through.objects.filter(mediaasset_id=asset.pk).values_list("variant_id", flat=True))


@transaction.atomic
def media_delete(*, actor: User, asset: MediaAsset) -> None:
    """Delete an asset nobody uses, and its files once the deletion is committed."""
    _require_drafter(actor)
    asset = MediaAsset.objects.select_for_update().get(pk=asset.pk)
    users = Variant.objects.filter(pk__in=_using(asset)).select_related("account")
    if users:
        raise StateConflictError(
            _("%(name)s is used by %(variants)s: take it off those variants first.")
            % {"name": asset.file.name, "variants": ", ".join(str(v) for v in users)}
        )
    names = [
        name for name in (asset.file.name, asset.caption_file.name, asset.thumbnail.name) if name
    ]
    storage = asset.file.storage
    audit_record(
        actor=actor,
        action="campaigns.media.delete",
        target=asset,
        before=audit_snapshot(obj=asset, fields=_SNAPSHOT),
    )
    asset.delete()
    # Files go only if the row really went: a rolled-back delete keeps them.
    transaction.on_commit(partial(_delete_files, storage, names))


def _delete_files(storage: Storage, names: list[str]) -> None:
    for name in names:
        storage.delete(name)
