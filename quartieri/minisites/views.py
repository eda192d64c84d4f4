"""Staff pages for the mini-sites (status, build, preview) and the public /q/ file server.

``/q/<path>`` serves the built sites for the embedded platform and the demo; a web server
or an object store serves the same folder in production (docs/operations.md).
"""

from __future__ import annotations

import mimetypes
import posixpath
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import compress_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from quartieri.accounts.models import User
from quartieri.accounts.permissions import require_capability
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.campaigns.forms import apply_service_errors
from quartieri.campaigns.models import Campaign, MediaAsset
from quartieri.core.forms import StyledForm
from quartieri.minisites import selectors, services
from quartieri.minisites.build import site_build, sites_root
from quartieri.minisites.models import StopPhoto
from quartieri.places.models import Tour, TourStop
from quartieri.posters.selectors import campaign_for

COMPRESSIBLE = ("text/", "application/json", "application/xml", "application/atom+xml")
TYPES = {
    ".atom": "application/atom+xml",
    ".gpx": "application/gpx+xml",
    ".geojson": "application/geo+json",
}


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):  # LoginRequiredMiddleware makes this unreachable
        raise PermissionDenied
    return request.user


def _file(root: Path, path: str) -> Path:
    """The file under ``root`` for a URL path; a folder means its index.html."""
    clean = posixpath.normpath(path or ".")
    if clean.startswith(("..", "/")) or "\\" in clean or "\x00" in clean:
        raise Http404(path)
    target = root / clean
    if target.is_dir():
        target = target / "index.html"
    if not target.is_file() or target.name.startswith("."):
        raise Http404(path)
    return target


def _serve(request: HttpRequest, root: Path, path: str) -> HttpResponseBase:
    target = _file(root, path)
    if target.name == "index.html" and path and not path.endswith(("/", "index.html")):
        return HttpResponseRedirect(request.path + "/")  # relative links need the slash
    kind = (
        TYPES.get(target.suffix)
        or mimetypes.guess_type(target.name)[0]
        or "application/octet-stream"
    )
    response: HttpResponseBase
    if kind.startswith(COMPRESSIBLE) and "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(compress_string(target.read_bytes()), content_type=kind)
        response["Content-Encoding"] = "gzip"
    else:
        response = FileResponse(target.open("rb"), content_type=kind)
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = (
        "public, max-age=31536000, immutable"
        if "/assets/site." in f"/{path}"
        else "public, max-age=300"
    )
    return response


def _site_headers(response: HttpResponseBase, path: str) -> HttpResponseBase:
    # The pages carry their own Content-Security-Policy (a <meta> element, so any server
    # applies it); the platform's stricter header would block the site's own form and
    # players. Only the widget may be framed by another site.
    widget = "/widget/" in f"/{path}"
    response._csp_config = {"frame-ancestors": ["*" if widget else "'none'"]}  # type: ignore[attr-defined]
    if widget:
        response.xframe_options_exempt = True  # type: ignore[attr-defined]
    return response


@login_not_required
@require_safe
def public_site(request: HttpRequest, path: str = "") -> HttpResponseBase:
    """A file of the built, released mini-sites (/q/<neighbourhood>/<lang>/…)."""
    return _site_headers(_serve(request, sites_root(), path), path)


@require_capability(Capability.VIEW_CONTENT)
@require_safe
def preview(request: HttpRequest, slug: str, path: str = "") -> HttpResponseBase:
    """The staff preview: every site of the campaign, released or not."""
    campaign = get_object_or_404(Campaign, slug=slug)
    root = selectors.preview_root(campaign=campaign)
    if not root.is_dir():
        # The sites page links the preview before anybody built it: say what to do, not 404.
        messages.info(request, _("No preview is built yet: press “Build the preview”."))
        return redirect(f"{reverse('minisites:index')}?campaign={campaign.slug}")
    return _site_headers(_serve(request, root, path), path)


@require_capability(Capability.VIEW_CONTENT)
def index(request: HttpRequest) -> HttpResponse:
    campaign = campaign_for(slug=request.GET.get("campaign", ""))
    context: dict[str, Any] = {
        "campaigns": Campaign.objects.order_by("-start_date", "name"),
        "campaign": campaign,
        "can_build": user_can(request.user, Capability.DRAFT_CONTENT),
        "public_base": settings.SITES_BASE_URL,
    }
    if campaign is not None:
        context.update(selectors.campaign_status(campaign=campaign))
    return render(request, "minisites/index.html", context)


@require_capability(Capability.DRAFT_CONTENT)
@require_POST
def build(request: HttpRequest, slug: str) -> HttpResponseBase:
    campaign = get_object_or_404(Campaign, slug=slug)
    preview_build = request.POST.get("preview") == "1"
    # processes=1: forking a multi-threaded web server process could deadlock the child.
    if preview_build:
        result = site_build(
            campaign=campaign,
            out_dir=selectors.preview_root(campaign=campaign),
            base_url=request.build_absolute_uri(reverse("minisites:preview_root", args=[slug])),
            actor=_user(request),
            unreleased=True,
            processes=1,
        )
    else:
        result = site_build(campaign=campaign, actor=_user(request), processes=1)
    messages.success(
        request,
        _(
            "Built in %(seconds)s s: %(written)s files written, %(unchanged)s unchanged, %(removed)s removed."
        )
        % {
            "seconds": f"{result.seconds:.1f}",
            "written": result.pages_written,
            "unchanged": result.pages_unchanged,
            "removed": result.pages_removed,
        },
    )
    return redirect(f"{reverse('minisites:index')}?campaign={slug}")


class _StopChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.position}. {obj.poi.name_it}"


class _ImageChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.alt_text} ({obj.width}×{obj.height})"


class StopPhotoForm(StyledForm):
    stop = _StopChoice(label=gettext_lazy("Stop"), queryset=TourStop.objects.none())
    asset = _ImageChoice(label=gettext_lazy("Image"), queryset=MediaAsset.objects.none())

    def __init__(self, *args: Any, tour: Tour, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        images = MediaAsset.objects.filter(kind=MediaAsset.Kind.IMAGE).filter(
            Q(content_item__tour=tour) | Q(content_item__neighbourhood=tour.neighbourhood)
        )
        stop_field, asset_field = self.fields["stop"], self.fields["asset"]
        assert isinstance(stop_field, forms.ModelChoiceField)  # noqa: S101 - declared above
        assert isinstance(asset_field, forms.ModelChoiceField)  # noqa: S101 - declared above
        stop_field.queryset = tour.stops.select_related("poi").order_by("position", "pk")
        asset_field.queryset = images.order_by("pk")


@require_capability(Capability.VIEW_CONTENT)
def tour_photos(request: HttpRequest, slug: str) -> HttpResponseBase:
    """The photos each stop of a tour shows on the mini-site; editors add and remove them."""
    tour = get_object_or_404(Tour.objects.select_related("neighbourhood"), slug=slug)
    can_edit = user_can(request.user, Capability.DRAFT_CONTENT)
    form = StopPhotoForm(request.POST or None, tour=tour)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(Capability.DRAFT_CONTENT.value)
        remove = request.POST.get("remove")
        if remove:
            photo = get_object_or_404(StopPhoto, pk=remove, stop__tour=tour)
            services.stop_photo_remove(actor=_user(request), photo=photo)
            return redirect("minisites:tour_photos", slug=slug)
        if form.is_valid():
            try:
                services.stop_photo_add(
                    actor=_user(request),
                    stop=form.cleaned_data["stop"],
                    asset=form.cleaned_data["asset"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Photo added to the stop."))
                return redirect("minisites:tour_photos", slug=slug)
    photos = StopPhoto.objects.filter(stop__tour=tour).select_related("stop__poi", "asset")
    return render(
        request,
        "minisites/tour_photos.html",
        {"tour": tour, "photos": photos, "form": form, "can_edit": can_edit},
    )
