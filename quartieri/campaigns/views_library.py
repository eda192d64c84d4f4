"""A campaign's media library: its pages. ``campaigns.library`` checks and writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quartieri.accounts.models import User
from quartieri.accounts.permissions import require_capability
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.campaigns.forms import apply_service_errors
from quartieri.campaigns.library import media_describe, media_library, variant_media_set
from quartieri.campaigns.media import media_public_url
from quartieri.campaigns.models import Campaign, MediaAsset, Variant
from quartieri.core.forms import StyledForm


def _actor(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def library_url(campaign: Campaign | str) -> str:
    return reverse("campaigns:media_library", args=[getattr(campaign, "slug", campaign)])


@require_GET
@require_capability(Capability.VIEW_CONTENT)
def media_library_view(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    context = {
        "campaign": campaign,
        "rows": media_library(campaign=campaign),
        "items": campaign.items.order_by("title", "pk"),
        "can_draft": user_can(_actor(request), Capability.DRAFT_CONTENT),
    }
    return render(request, "campaigns/media_library.html", context)


class DescribeForm(StyledForm):
    alt_text = forms.CharField(
        label=gettext_lazy("Alternative text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "What the picture shows, for people who cannot see it. Every variant using the "
            "file goes out with it."
        ),
    )
    caption_file = forms.FileField(
        label=gettext_lazy("New caption file"),
        required=False,
        help_text=gettext_lazy(
            "Videos only: subtitles as WebVTT (.vtt) or SRT (.srt), UTF-8. Leave empty to "
            "keep the current one."
        ),
    )

    def __init__(self, *args: Any, asset: MediaAsset, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"alt_text": asset.alt_text})
        super().__init__(*args, **kwargs)
        if asset.kind == MediaAsset.Kind.IMAGE:
            del self.fields["caption_file"]


@require_http_methods(["GET", "POST"])
@require_capability(Capability.DRAFT_CONTENT)
def media_describe_view(request: HttpRequest, pk: int) -> HttpResponse:
    asset = get_object_or_404(MediaAsset.objects.select_related("content_item__campaign"), pk=pk)
    campaign = asset.content_item.campaign
    form = DescribeForm(request.POST or None, request.FILES or None, asset=asset)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            sent_back = media_describe(
                actor=_actor(request),
                asset=asset,
                alt_text=form.cleaned_data["alt_text"],
                caption_file=form.cleaned_data.get("caption_file"),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
            status = 400
        else:
            _said(request, asset, sent_back)
            return redirect(f"{library_url(campaign)}#media-{asset.pk}")
    context = {
        "form": form,
        "asset": asset,
        "campaign": campaign,
        "url": media_public_url(asset.file),
        "thumbnail_url": media_public_url(asset.thumbnail),
        "used_by": Variant.objects.filter(media=asset).select_related("account").order_by("pk"),
    }
    return render(request, "campaigns/media_describe.html", context, status=status)


def _said(request: HttpRequest, asset: MediaAsset, sent_back: list[Variant]) -> None:
    messages.success(request, _("Saved the description of %(name)s.") % {"name": asset.file.name})
    if sent_back:
        names = "; ".join(str(variant) for variant in sent_back)
        messages.warning(
            request,
            _("Back in review, their approval covered the old description: %(variants)s.")
            % {"variants": names},
        )


@require_POST
@require_capability(Capability.DRAFT_CONTENT)
def variant_media_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Which files of the campaign's library the variant uses (the ticked ones)."""
    variant = get_object_or_404(Variant.objects.select_related("content_item"), pk=pk)
    ids = [int(value) for value in request.POST.getlist("media") if value.isdigit()]
    assets = list(MediaAsset.objects.filter(pk__in=ids).select_related("content_item"))
    status = variant.status
    try:
        saved = variant_media_set(actor=_actor(request), variant=variant, assets=assets)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Saved the variant's images and videos."))
        if saved.status != status:
            messages.warning(request, _("The variant is back in review: it needs a new approval."))
    return redirect(reverse("campaigns:variant_edit", args=[variant.pk]) + "#media")
