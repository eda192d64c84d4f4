"""Staff pages for a content item's images and videos, and the public /media/ files.

Thin: ``campaigns.media`` reads, checks and stores; these views parse the form and show a
refusal next to its field (the person's text kept; a browser cannot keep a chosen file).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django.views.static import serve

from quartieri.accounts.models import User
from quartieri.accounts.permissions import require_capability
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.campaigns.forms import apply_service_errors
from quartieri.campaigns.media import (
    CAPTION_MAX_BYTES,
    media_attach,
    media_delete,
    media_public_url,
    media_upload,
    media_variant_ids,
)
from quartieri.campaigns.models import ContentItem, MediaAsset, Variant
from quartieri.campaigns.preview import asset_captions_webvtt
from quartieri.channels.base import Capability as KindCapability
from quartieri.channels.base import ComposePanel
from quartieri.channels.models import ChannelAccount
from quartieri.channels.registry import kind_for
from quartieri.channels.selectors import Duty, account_allows, user_grants
from quartieri.core.forms import StyledForm

# Only these folders of MEDIA_ROOT are public (platforms fetch them without signing in);
# anything another app keeps under MEDIA_ROOT stays private.
PUBLIC_MEDIA_FOLDERS = ("campaigns/media/", "campaigns/captions/")


class VariantChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.account} · {obj.get_post_type_display()} · {obj.get_status_display()}"


class MediaUploadForm(StyledForm):
    file = forms.FileField(
        label=gettext_lazy("Image or video"),
        help_text=gettext_lazy(
            "JPEG, PNG or WebP images; MP4 or MOV videos (H.264 or HEVC, AAC sound). "
            "The type is read from the file itself."
        ),
    )
    alt_text = forms.CharField(
        label=gettext_lazy("Alternative text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Required for an image: what it shows, for people who cannot see it."
        ),
    )
    caption_file = forms.FileField(
        label=gettext_lazy("Caption file"),
        required=False,
        help_text=gettext_lazy(
            "Required for a video: subtitles as WebVTT (.vtt) or SRT (.srt), UTF-8."
        ),
    )
    variants = VariantChoiceField(
        label=gettext_lazy("Use it in these variants (optional)"),
        queryset=Variant.objects.none(),
        required=False,
        help_text=gettext_lazy("An approved or scheduled variant goes back to review."),
    )

    def __init__(self, *args: Any, variants: QuerySet[Variant], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["variants"]
        assert isinstance(field, VariantChoiceField)  # noqa: S101 - declared above
        field.queryset = variants
        field.widget.attrs["class"] = "form-check-input"


# --- The page -------------------------------------------------------------------------------
@dataclass(frozen=True)
class AssetRow:
    asset: MediaAsset
    url: str
    caption_url: str
    used_by: list[int]


def _actor(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _item(pk: int) -> ContentItem:
    return get_object_or_404(ContentItem.objects.select_related("campaign"), pk=pk)


def _variants(item: ContentItem) -> QuerySet[Variant]:
    return item.variants.select_related("account").order_by("account__platform", "pk")


def _draftable(user: User, variants: list[Variant]) -> set[int]:
    if not user_can(user, Capability.DRAFT_CONTENT):
        return set()
    grants = user_grants(user=user)
    return {
        variant.pk
        for variant in variants
        if not account_allows(user=user, account=variant.account, duty=Duty.DRAFT, grants=grants)
        and variant.status != Variant.Status.PUBLISHED
    }


def _compose_panels(variants: list[Variant]) -> list[ComposePanel]:
    """What each kind with live constraints says about the item's accounts (TikTok: each
    creator's settings), for the media page."""
    by_kind: dict[str, dict[int, ChannelAccount]] = {}
    for variant in variants:
        kind = kind_for(variant.account.platform)
        if KindCapability.COMPOSE_CHECKS in kind.capabilities:
            by_kind.setdefault(kind.slug, {})[variant.account.pk] = variant.account
    panels = [
        kind_for(slug).compose_panel(accounts=list(accounts.values()))
        for slug, accounts in by_kind.items()
    ]
    return [panel for panel in panels if panel is not None]


def _page(
    request: HttpRequest, item: ContentItem, form: MediaUploadForm | None = None, status: int = 200
) -> HttpResponse:
    user = _actor(request)
    variants = list(_variants(item))
    draftable = _draftable(user, variants)
    can_draft = user_can(user, Capability.DRAFT_CONTENT)
    used = media_variant_ids(item=item)
    rows = [
        AssetRow(
            asset,
            media_public_url(asset.file),
            media_public_url(asset.caption_file),
            used.get(asset.pk, []),
        )
        for asset in item.media.order_by("pk")
    ]
    if can_draft and form is None:
        form = MediaUploadForm(variants=_variants(item).filter(pk__in=draftable))
    context = {
        "item": item,
        "rows": rows,
        "variants": variants,
        "draftable": draftable,
        "can_draft": can_draft,
        "form": form,
        "compose_panels": _compose_panels(variants) if can_draft else [],
        "limits": {
            "image_mb": settings.MEDIA_MAX_IMAGE_BYTES // (1024 * 1024),
            "video_mb": settings.MEDIA_MAX_VIDEO_BYTES // (1024 * 1024),
            "caption_mb": CAPTION_MAX_BYTES // (1024 * 1024),
        },
    }
    return render(request, "campaigns/media_page.html", context, status=status)


def media_page_url(item: ContentItem | int) -> str:
    return reverse("campaigns:content_item_media", args=[getattr(item, "pk", item)])


@require_GET
@require_capability(Capability.VIEW_CONTENT)
def content_item_media_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _item(pk))


@require_GET
@require_capability(Capability.VIEW_CONTENT)  # whoever may see the previews that play it
def media_captions_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A video's captions as WebVTT, for the previews' <track> (campaigns.preview)."""
    asset = get_object_or_404(MediaAsset, pk=pk)
    if not asset.caption_file:
        raise Http404(pk)
    try:
        text = asset_captions_webvtt(asset)
    except FileNotFoundError:
        raise Http404(pk) from None
    return HttpResponse(text, content_type="text/vtt; charset=utf-8")


@require_POST
@require_capability(Capability.DRAFT_CONTENT)
def media_upload_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(pk)
    form = MediaUploadForm(request.POST, request.FILES, variants=_variants(item))
    if form.is_valid():
        try:
            asset = media_upload(
                actor=_actor(request),
                content_item=item,
                file=form.cleaned_data["file"],
                alt_text=form.cleaned_data["alt_text"],
                caption_file=form.cleaned_data["caption_file"],
                variants=list(form.cleaned_data["variants"]),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Uploaded: %(name)s.") % {"name": asset.file.name})
            return redirect(media_page_url(item))
    return _page(request, item, form, status=400)


def _ids(values: list[str]) -> set[int]:
    return {int(value) for value in values if value.isdigit()}


@require_POST
@require_capability(Capability.DRAFT_CONTENT)
def media_variants_view(request: HttpRequest, pk: int) -> HttpResponse:
    asset = get_object_or_404(MediaAsset.objects.select_related("content_item"), pk=pk)
    # The form lists the variants it showed with a checkbox the person could change
    # ("shown"); only those may lose the file, so a variant added meanwhile keeps its media.
    chosen, shown = (_ids(request.POST.getlist(name)) for name in ("variants", "shown"))
    # The variants named, whatever their item: which may use the file is the core's rule
    # (media.variant_media_change: any variant of its campaign), not this form's.
    variants = Variant.objects.filter(pk__in=chosen | shown).select_related(
        "account", "content_item"
    )
    try:
        media_attach(
            actor=_actor(request),
            asset=asset,
            # Already using it or not: the core changes only what changes (disjoint lists).
            add=[variant for variant in variants if variant.pk in chosen],
            remove=[variant for variant in variants if variant.pk in shown - chosen],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Saved where %(name)s is used.") % {"name": asset.file.name})
    return redirect(media_page_url(asset.content_item_id))


@require_POST
@require_capability(Capability.DRAFT_CONTENT)
def media_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    asset = get_object_or_404(MediaAsset, pk=pk)
    name, item_id = asset.file.name, asset.content_item_id
    try:
        media_delete(actor=_actor(request), asset=asset)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Deleted: %(name)s.") % {"name": name})
    return redirect(media_page_url(item_id))


# --- Public files ---------------------------------------------------------------------------
@login_not_required  # platforms fetch media by URL (TikTok PULL_FROM_URL, Instagram, §1.4/§2.2)
@require_GET
def media_file_view(request: HttpRequest, path: str) -> HttpResponseBase:
    """One uploaded file from MEDIA_ROOT; never a folder listing (names are unguessable).

    For the embedded platform and the demo sandbox; a proxy or the bucket may serve
    MEDIA_ROOT instead (QUARTIERI_MEDIA_SERVE=0).
    """
    # Normalised first: "campaigns/media/../../private" must not pass the folder check.
    clean = posixpath.normpath(path)
    if not settings.MEDIA_SERVE or clean != path or not clean.startswith(PUBLIC_MEDIA_FOLDERS):
        raise Http404(path)
    return serve(request, path, document_root=str(settings.MEDIA_ROOT), show_indexes=False)
