"""Media through the REST API: upload, list, read, delete, and which variants carry a file.

The same services as the media page (``campaigns.media``): a file is read whole and checked
(type by content, accessibility, upload caps, each variant's platform rules) before anything
is written; attaching and detaching are explicit (``add`` / ``remove``), so a variant not
named keeps its media. Added to the project's one API by ``api.py`` (same token, errors and
schema).
"""

# No "from __future__ import annotations" here: django-ninja reads the annotations.
from functools import partial
from typing import Annotated, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile as NinjaFile
from ninja.params.functions import Form as FormParam
from pydantic import Field

from quartieri.campaigns.api import (
    BODY_ERRORS,
    ERRORS,
    STATE_ERRORS,
    WRITE_ERRORS,
    Id,
    In,
    InvalidError,
    PathId,
    Text,
    VariantOut,
    _fresh,
    _named_enum,
    _reader,
    _user,
    _variant,
    _write,
)
from quartieri.campaigns.media import (
    MediaChange,
    media_delete,
    media_public_url,
    media_upload,
    media_variant_ids,
    variant_media_change,
)
from quartieri.campaigns.models import ContentItem, MediaAsset

router = Router(tags=["media"])
MAX_ALT_TEXT = 5_000  # Instagram takes 1,000 (§2.1): the rules say so per platform
MAX_ATTACH = 100


class MediaOut(Schema):
    id: int
    content_item: int
    kind: Annotated[MediaAsset.Kind, _named_enum(MediaAsset.Kind, "MediaKind")]
    url: str = Field(description="public address platforms fetch the file from")
    caption_url: str
    alt_text: str
    width: int | None
    height: int | None
    duration_seconds: float | None
    size_bytes: int
    mime_type: str
    variants: list[int] = Field(description="ids of the variants carrying the file")


class AttachIn(In):
    media: Annotated[list[Id], Field(min_length=1, max_length=MAX_ATTACH)]


def _media_out(asset: MediaAsset, using: dict[int, list[int]]) -> dict[str, Any]:
    return {
        "id": asset.pk,
        "content_item": asset.content_item_id,
        "kind": asset.kind,
        "url": media_public_url(asset.file),
        "caption_url": media_public_url(asset.caption_file),
        "alt_text": asset.alt_text,
        "width": asset.width,
        "height": asset.height,
        "duration_seconds": asset.duration_seconds,
        "size_bytes": asset.size_bytes,
        "mime_type": asset.mime_type,
        "variants": using.get(asset.pk, []),
    }


def _one(asset: MediaAsset) -> dict[str, Any]:
    return _media_out(asset, media_variant_ids(item=asset.content_item))


@router.get("/content-items/{pk}/media", response={200: list[MediaOut], **ERRORS})
def media_list(request: HttpRequest, pk: PathId) -> Any:
    """The item's images and videos, each with the variants carrying it."""
    _reader(request)
    item = get_object_or_404(ContentItem, pk=pk)
    using = media_variant_ids(item=item)
    return [_media_out(asset, using) for asset in item.media.order_by("pk")]


@router.post("/content-items/{pk}/media", response={201: MediaOut, **BODY_ERRORS})
def media_create(
    request: HttpRequest,
    pk: PathId,
    file: File[NinjaFile],
    alt_text: Annotated[Text, FormParam("", max_length=MAX_ALT_TEXT)] = "",
    caption_file: File[NinjaFile | None] = None,
) -> Any:
    """Upload one image (with its alternative text) or video (with its WebVTT/SRT caption
    file) as ``multipart/form-data``; it joins no variant until attached."""
    actor = _user(request)
    item = get_object_or_404(ContentItem, pk=pk)
    _refuse_oversized(file)
    asset = _write(
        lambda: media_upload(
            actor=actor,
            content_item=item,
            file=file,
            alt_text=alt_text,
            caption_file=caption_file,
        ),
        field="file",
    )
    return Status(201, _one(asset))


def _refuse_oversized(file: UploadedFile[Any]) -> None:
    # Larger than any upload cap: 413 before reading it (the service names the cap per kind).
    cap = max(int(settings.MEDIA_MAX_IMAGE_BYTES), int(settings.MEDIA_MAX_VIDEO_BYTES))
    if (file.size or 0) > cap:
        raise HttpError(
            413,
            _("%(name)s is larger than any upload may be (%(limit)s MB).")
            % {"name": file.name, "limit": f"{cap / 1024 / 1024:g}"},
        )


@router.get("/media/{pk}", response={200: MediaOut, **ERRORS})
def media_get(request: HttpRequest, pk: PathId) -> Any:
    _reader(request)
    return _one(get_object_or_404(MediaAsset.objects.select_related("content_item"), pk=pk))


@router.delete("/media/{pk}", response={204: None, **STATE_ERRORS})
def media_remove(request: HttpRequest, pk: PathId) -> Any:
    """Delete a file no variant carries (take it off its variants first: 409 otherwise)."""
    actor = _user(request)
    asset = get_object_or_404(MediaAsset, pk=pk)
    _write(lambda: media_delete(actor=actor, asset=asset), field="media")
    return Status(204, None)


def _assets_of(ids: list[int]) -> list[MediaAsset]:
    found = MediaAsset.objects.filter(pk__in=ids).select_related("content_item")
    assets = {a.pk: a for a in found}
    missing = [pk for pk in ids if pk not in assets]
    if missing:
        raise InvalidError(
            [
                {"field": "media", "message": _("No media file %(id)s.") % {"id": pk}}
                for pk in missing
            ]
        )
    return [assets[pk] for pk in dict.fromkeys(ids)]


@router.post("/variants/{pk}/media", response={200: VariantOut, **WRITE_ERRORS})
def variant_media_add(request: HttpRequest, pk: PathId, payload: AttachIn) -> Any:
    """Add media files of the variant's campaign to it (all or none); its other files stay.
    An approved or scheduled variant goes back to review."""
    actor = _user(request)
    change = MediaChange(_variant(pk), add=_assets_of(payload.media))
    _write(partial(variant_media_change, actor=actor, changes=[change]), field="media")
    return _fresh(change.variant)


@router.delete("/variants/{pk}/media/{media}", response={200: VariantOut, **STATE_ERRORS})
def variant_media_remove(request: HttpRequest, pk: PathId, media: PathId) -> Any:
    """Take one file off the variant; its other files stay."""
    actor = _user(request)
    variant = _variant(pk)
    asset = get_object_or_404(MediaAsset, pk=media)
    change = MediaChange(variant, remove=[asset])
    _write(partial(variant_media_change, actor=actor, changes=[change]), field="media")
    return _fresh(variant)
