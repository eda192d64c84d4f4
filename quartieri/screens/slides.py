"""Slides: uploaded images and short videos, templated layouts, and their renditions.

An upload is read from its bytes by the project's media probe (``campaigns.media``) before
anything is written: the wrong type, a file over the cap, a corrupt image or a video that
is not short is refused with the reason, and nothing is stored. A rendition is a slide
made for one resolution (render.py), stored once and served to every display of that
resolution; a changed slide gets new renditions and the old ones go.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypedDict, Unpack

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import UnidentifiedImageError

from quartieri.accounts.models import User
from quartieri.accounts.services import audit_record, audit_snapshot
from quartieri.analytics.links import LinkError
from quartieri.campaigns.media import local_path, media_probe
from quartieri.campaigns.models import Campaign, MediaAsset
from quartieri.places.models import Neighbourhood
from quartieri.screens import qr, render
from quartieri.screens.models import Rendition, Slide
from quartieri.screens.services import require_manager
from quartieri.screens.versions import content_changed

logger = logging.getLogger(__name__)
MB = 1024 * 1024
# Bump when render.py draws differently: every rendition is then made again.
RENDER_VERSION = 2  # 2: the map drawn by lib/svgmap (simplified boundary)
_SNAPSHOT = [
    "name",
    "kind",
    "campaign",
    "neighbourhood",
    "media",
    "alt_text",
    "title",
    "text",
    "qr_target",
    "show_map",
    "duration_seconds",
    "is_default",
]


class SlideChanges(TypedDict, total=False):
    """What a person may set on a slide (checked again for callers passing a dict); kind
    and file change only through an upload."""

    name: str
    campaign: Campaign | None
    neighbourhood: Neighbourhood | None
    alt_text: str
    title: str
    text: str
    qr_target: str
    show_map: bool
    duration_seconds: int
    is_default: bool


EDITABLE = SlideChanges.__optional_keys__


class RenderError(Exception):
    """A slide cannot be made for a display (its file is gone or unreadable)."""


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


# --- Checking an upload ----------------------------------------------------------------------
def _probe(upload: UploadedFile[Any], kind: str) -> dict[str, Any]:
    """Type, size and duration read from the bytes; ValidationError on "media" naming why."""
    name = str(upload.name or "upload")
    cap = (
        settings.SCREENS_MAX_VIDEO_BYTES
        if kind == Slide.Kind.VIDEO
        else settings.MEDIA_MAX_IMAGE_BYTES
    )
    if (upload.size or 0) > cap:
        raise _refuse(
            "media",
            _("%(name)s: %(size)s MB, the limit for this kind of slide is %(limit)s MB.")
            % {"name": name, "size": f"{(upload.size or 0) / MB:.1f}", "limit": f"{cap / MB:g}"},
        )
    try:
        with local_path(upload) as path:
            probe = media_probe(path=path, name=name)
    except ValidationError as error:  # the probe names its field "file"; ours is "media"
        raise ValidationError({"media": error.messages}) from None
    wanted = MediaAsset.Kind.VIDEO if kind == Slide.Kind.VIDEO else MediaAsset.Kind.IMAGE
    if probe.kind != wanted:
        message = (
            _("%(name)s is an image; a video slide needs an MP4 or MOV video.")
            if wanted == MediaAsset.Kind.VIDEO
            else _("%(name)s is a video; make it a “Short muted video” slide.")
        )
        raise _refuse("media", message % {"name": name})
    seconds = probe.duration_seconds or 0
    if kind == Slide.Kind.VIDEO and seconds > settings.SCREENS_MAX_VIDEO_SECONDS:
        raise _refuse(
            "media",
            _("%(name)s lasts %(seconds)s s; a screen video lasts at most %(limit)s s.")
            % {
                "name": name,
                "seconds": f"{seconds:.1f}",
                "limit": settings.SCREENS_MAX_VIDEO_SECONDS,
            },
        )
    return {
        "media_type": probe.mime_type,
        "media_width": probe.width,
        "media_height": probe.height,
        "media_seconds": probe.duration_seconds,
        "media_bytes": probe.size_bytes,
        "extension": probe.extension,
    }


def _check(slide: Slide) -> None:
    errors: dict[str, list[str]] = {}
    if not slide.alt_text.strip():
        errors["alt_text"] = [_("Say what the slide shows, for people who cannot see it.")]
    if slide.kind == Slide.Kind.LAYOUT and not slide.title.strip():
        errors["title"] = [_("A layout needs a title.")]
    if slide.kind != Slide.Kind.LAYOUT and not (slide.media or slide.asset_id):
        errors["media"] = [_("Choose the file this slide shows.")]
    if slide.show_map and slide.neighbourhood_id is None:
        errors["show_map"] = [_("The map shows the slide's neighbourhood: choose one.")]
    if errors:
        raise ValidationError(errors)
    # The one-default constraint is kept by _store (it unsets the others first).
    slide.full_clean(exclude=["media"], validate_constraints=False)


def _stored_name(original: str, extension: str) -> str:
    # Random, as campaigns' media: unguessable, and never clashing with another upload.
    stem = slugify(Path(original).stem)[:40] or "slide"
    return f"{secrets.token_urlsafe(16)}-{stem}.{extension}"


def _clear_other_defaults(slide: Slide) -> None:
    if slide.is_default:
        Slide.objects.filter(is_default=True).exclude(pk=slide.pk).update(is_default=False)


def slide_create(
    *,
    actor: User | None,
    kind: str,
    name: str,
    alt_text: str,
    upload: UploadedFile[Any] | None = None,
    campaign: Campaign | None = None,
    neighbourhood: Neighbourhood | None = None,
    **fields: Any,
) -> Slide:
    """A new slide; ``upload`` is the image, video or layout photo. Checked whole first."""
    require_manager(actor)
    if set(fields) - EDITABLE:
        raise ValueError(f"slide_create cannot set {sorted(set(fields) - EDITABLE)}")
    slide = Slide(kind=kind, name=name.strip(), alt_text=alt_text.strip(), campaign=campaign,
                  neighbourhood=neighbourhood, created_by=actor, **fields)  # fmt: skip
    media = _probe(upload, kind) if upload is not None else None
    if media is None and kind != Slide.Kind.LAYOUT:
        raise _refuse("media", _("Choose the file this slide shows."))
    extension = media.pop("extension") if media else ""
    for key, value in (media or {}).items():
        setattr(slide, key, value)
    if media:
        slide.media.name = str(upload.name if upload else "")  # until stored, for messages
    _check(slide)
    return _store(actor=actor, slide=slide, upload=upload, extension=extension, before=None)


def slide_update(
    *,
    actor: User | None,
    slide: Slide,
    upload: UploadedFile[Any] | None = None,
    **changes: Unpack[SlideChanges],
) -> Slide:
    """Change a slide's texts or settings, or replace its file (same kind)."""
    require_manager(actor)
    if set(changes) - EDITABLE:
        raise ValueError(f"slide_update cannot change {sorted(set(changes) - EDITABLE)}")
    if slide.variant_id is not None:
        raise ValidationError(
            _("This slide shows a post of the screens channel: edit the post in the campaign.")
        )
    # Re-read: a bound ModelForm has already written the new values on ``slide``.
    fresh = Slide.objects.get(pk=slide.pk)
    before = audit_snapshot(obj=fresh, fields=_SNAPSHOT)
    for name, value in changes.items():
        setattr(fresh, name, value.strip() if isinstance(value, str) else value)
    extension = ""
    if upload is not None:
        media = _probe(upload, fresh.kind)
        extension = media.pop("extension")
        for key, value in media.items():
            setattr(fresh, key, value)
        fresh.media.name = str(upload.name)
    _check(fresh)
    return _store(actor=actor, slide=fresh, upload=upload, extension=extension, before=before)


def _store_link(slide: Slide) -> None:
    try:
        qr.slide_link_store(slide)
    except LinkError as error:
        raise _refuse(
            "qr_target", _("The QR code cannot lead there: %(reason)s.") % {"reason": error}
        ) from None


def _store(
    *,
    actor: User | None,
    slide: Slide,
    upload: UploadedFile[Any] | None,
    extension: str,
    before: dict[str, Any] | None,
) -> Slide:
    written = ""
    old_file = (
        Slide.objects.filter(pk=slide.pk).values_list("media", flat=True).first()
        if slide.pk
        else None
    )
    try:
        with transaction.atomic():
            if upload is not None:
                upload.seek(0)
                slide.media.save(_stored_name(str(upload.name), extension), upload, save=False)
                written = slide.media.name or ""
            _clear_other_defaults(slide)
            slide.save()
            _store_link(slide)
            action = "screens.slide.update" if before is not None else "screens.slide.create"
            audit_record(actor=actor, action=action, target=slide, before=before,
                         after=audit_snapshot(obj=slide, fields=_SNAPSHOT))  # fmt: skip
            content_changed()
            if written and old_file:
                storage = slide.media.storage
                transaction.on_commit(partial(storage.delete, old_file))
    except BaseException:
        if written:
            slide.media.storage.delete(written)  # a refusal leaves no file behind
        raise
    return slide


# --- Renditions ------------------------------------------------------------------------------
def _source_file(slide: Slide) -> FieldFile | None:
    if slide.media:
        return slide.media
    if slide.asset is not None and slide.asset.file:
        return slide.asset.file
    return None


def qr_link(slide: Slide) -> str:
    """Where the slide's QR code points: its tracked link (screens.qr)."""
    return qr.shown_link(slide)


def _source_digest(slide: Slide, width: int, height: int) -> str:
    source = _source_file(slide)
    area = slide.neighbourhood if slide.show_map else None
    parts = [
        RENDER_VERSION, slide.kind, slide.title, slide.text, slide.alt_text, qr_link(slide),
        source.name if source else "", area.pk if area else None,
        area.imported_at.isoformat() if area else None, width, height,
    ]  # fmt: skip
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def _read(file: FieldFile) -> bytes:
    try:
        with file.open("rb") as handle:
            return bytes(handle.read())
    except (OSError, ValueError) as error:
        raise RenderError(f"{file.name}: {error}") from error


def _boundary_caption(area: Neighbourhood) -> str:
    return " · ".join(part for part in (area.source, area.get_licence_display()) if part)


def _layout(slide: Slide) -> render.Layout:
    source = _source_file(slide)
    link = qr_link(slide)
    area = slide.neighbourhood if slide.show_map else None
    return render.Layout(
        title=slide.title,
        text=slide.text,
        alt_text=slide.alt_text,
        photo=_read(source) if source is not None else None,
        qr_url=link,
        qr_caption=link.split("://", 1)[-1].split("?", 1)[0],
        boundary=area.geometry if area is not None else None,
        map_label=(area.name_en or area.name_it) if area is not None else "",
        map_attribution=_boundary_caption(area) if area is not None else "",
    )


def _render(slide: Slide, width: int, height: int) -> tuple[bytes, str, str]:
    """(bytes, MIME type, extension) of the slide at ``width`` × ``height``."""
    try:
        if slide.kind == Slide.Kind.LAYOUT:
            svg = render.layout_svg(_layout(slide), width=width, height=height)
            return svg.encode("utf-8"), "image/svg+xml", "svg"
        source = _source_file(slide)
        if source is None:
            raise RenderError(f"slide {slide.pk} has no file")
        data, mime = render.image_fit(_read(source), width=width, height=height)
        return data, mime, "png" if mime == "image/png" else "jpg"
    except (UnidentifiedImageError, OSError, ValueError, KeyError) as error:
        raise RenderError(f"slide {slide.pk}: {error}") from error


def rendition_for(
    *, slide: Slide, width: int, height: int, known: Sequence[Rendition] | None = None
) -> Rendition:
    """The slide made for this resolution, made now if missing or out of date.

    ``known``: the slide's renditions at this resolution, read already (the manifest reads
    every slide's at once), so finding a current one asks the database nothing.
    Raises RenderError when it cannot be made (the manifest then leaves the slide out)."""
    if slide.kind == Slide.Kind.VIDEO:
        raise ValueError("videos play as uploaded; they have no rendition")
    source = _source_digest(slide, width, height)
    if known is not None:
        found = next((rendition for rendition in known if rendition.source == source), None)
    else:
        found = Rendition.objects.filter(
            slide=slide, width=width, height=height, source=source
        ).first()
    if found is not None:
        return found
    data, mime, extension = _render(slide, width, height)
    rendition = Rendition(slide=slide, width=width, height=height, source=source,
                          content_type=mime, size_bytes=len(data))  # fmt: skip
    rendition.file.save(
        f"{slide.pk}-{width}x{height}-{source[:16]}.{extension}", ContentFile(data), save=False
    )
    try:
        with transaction.atomic():
            rendition.save()
    except IntegrityError:  # another request made the same one meanwhile: keep theirs
        rendition.file.storage.delete(rendition.file.name or "")
        return Rendition.objects.get(slide=slide, width=width, height=height, source=source)
    _drop_stale(slide, width, height, keep=rendition.pk)
    return rendition


def _drop_stale(slide: Slide, width: int, height: int, *, keep: int) -> None:
    stale = list(Rendition.objects.filter(slide=slide, width=width, height=height).exclude(pk=keep))
    for old in stale:
        name, storage = old.file.name or "", old.file.storage
        old.delete()
        transaction.on_commit(partial(storage.delete, name))


def video_file(slide: Slide) -> FieldFile:
    source = _source_file(slide)
    if slide.kind != Slide.Kind.VIDEO or source is None:
        raise RenderError(f"slide {slide.pk} is not a video with a file")
    return source


def file_name(stored: FieldFile | Rendition) -> str:
    """The last part of a slide file's URL: a digest of the stored name (stored names are
    random and never reused, so a new file gets a new URL) and the extension."""
    file = stored.file if isinstance(stored, Rendition) else stored
    name = file.name or ""
    return f"{hashlib.sha256(name.encode()).hexdigest()[:16]}.{name.rsplit('.', 1)[-1]}"
