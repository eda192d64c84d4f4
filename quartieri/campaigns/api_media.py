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
    _named_enum,
    _reader,
    _user,
    _write,
)
from quartieri.campaigns.api_variants import VariantOut, _fresh, _variant
from quartieri.campaigns.media import (
    MediaChange,
    media_delete,
    media_public_url,
    media_upload,
    variant_media_change,
)
from quartieri.campaigns.models import ContentItem, MediaAsset
from quartieri.campaigns.selectors import api_media

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

    @staticmethod
    def resolve_content_item(asset: MediaAsset) -> int:
        return asset.content_item_id

    @staticmethod
    def resolve_url(asset: MediaAsset) -> str:
        return media_public_url(asset.file)

    @staticmethod
    def resolve_caption_url(asset: MediaAsset) -> str:
        return media_public_url(asset.caption_file)

    @staticmethod
    def resolve_variants(asset: MediaAsset) -> list[int]:
        carried_by: str | None = asset.carried_by  # type: ignore[attr-defined]  # api_media()
        return sorted(int(pk) for pk in carried_by.split(",")) if carried_by else []


class AttachIn(In):
    media: Annotated[list[Id], Field(min_length=1, max_length=MAX_ATTACH)]


def _one(pk: int) -> MediaAsset:
    return get_object_or_404(api_media(), pk=pk)


@router.get("/content-items/{pk}/media", response={200: list[MediaOut], **ERRORS})
def media_list(request: HttpRequest, pk: PathId) -> Any:
    """The item's images and videos, each with the variants carrying it."""
    _reader(request)
    item = get_object_or_404(ContentItem, pk=pk)
    return api_media().filter(content_item=item).order_by("pk")


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
    return Status(201, _one(asset.pk))


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
    return _one(pk)


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
