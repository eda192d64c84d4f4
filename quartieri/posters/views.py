"""Staff pages for posters: the list, each poster's design (layout, photo, size) with a PNG
preview, and the PDF download. Thin: ``services`` renders and saves."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from quartieri.accounts.models import User
from quartieri.accounts.permissions import require_capability
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.analytics.links import LinkError
from quartieri.campaigns.forms import apply_service_errors
from quartieri.campaigns.models import Campaign, MediaAsset
from quartieri.core.forms import StyledForm
from quartieri.places.models import Neighbourhood
from quartieri.posters import services
from quartieri.posters.kind import poster_releases
from quartieri.posters.models import Layout, PrintFailure
from quartieri.posters.selectors import failures_publishable, poster_failures, print_failures

LANGUAGES = ("it", "en")


class DesignForm(StyledForm):
    layout = forms.ChoiceField(label=gettext_lazy("Layout"), choices=Layout.choices)
    size = forms.CharField(
        label=gettext_lazy("Size"),
        max_length=10,
        help_text=gettext_lazy("A4, A3, A2, A1, A0, or width x height in centimetres (70x100)."),
    )
    photo = forms.ModelChoiceField(
        label=gettext_lazy("Photo"),
        queryset=MediaAsset.objects.none(),
        required=False,
        help_text=gettext_lazy(
            "One of the campaign's images; under 300 dpi at the chosen size it is flagged."
        ),
    )

    def __init__(self, *args: object, campaign: Campaign, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["photo"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        field.queryset = MediaAsset.objects.filter(
            content_item__campaign=campaign, kind=MediaAsset.Kind.IMAGE
        ).order_by("pk")


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):  # LoginRequiredMiddleware makes this unreachable
        raise PermissionDenied
    return request.user


def _objects(campaign: str, neighbourhood: str) -> tuple[Campaign, Neighbourhood]:
    found = get_object_or_404(Campaign, slug=campaign)
    place = get_object_or_404(found.neighbourhoods, slug=neighbourhood)
    return found, place


@require_capability(Capability.VIEW_CONTENT)
def index(request: HttpRequest) -> HttpResponse:
    campaigns = Campaign.objects.prefetch_related("neighbourhoods").order_by("-start_date", "name")
    now = timezone.now()
    rows = [
        (
            campaign,
            list(campaign.neighbourhoods.order_by("name_it")),
            poster_releases(campaign=campaign, now=now),
        )
        for campaign in campaigns
    ]
    return render(request, "posters/index.html", {"rows": rows})


@require_capability(Capability.VIEW_CONTENT)
def design(request: HttpRequest, campaign: str, neighbourhood: str) -> HttpResponseBase:
    found, place = _objects(campaign, neighbourhood)
    current = services.design_for(campaign=found, neighbourhood=place)
    initial = {"layout": current.layout, "size": current.size, "photo": current.photo_id}
    form = DesignForm(request.POST or None, campaign=found, initial=initial)
    can_edit = user_can(request.user, Capability.DRAFT_CONTENT)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(Capability.DRAFT_CONTENT.value)
        if form.is_valid():
            try:
                services.design_update(
                    actor=_user(request),
                    campaign=found,
                    neighbourhood=place,
                    layout=form.cleaned_data["layout"],
                    size=form.cleaned_data["size"],
                    photo=form.cleaned_data["photo"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Poster design saved."))
                return redirect("posters:design", campaign=found.slug, neighbourhood=place.slug)
    warnings = _link_problems(found, place)
    if current.photo is not None and current.layout == Layout.PHOTO:
        label, (width, _height) = services.parse_size(current.size)
        warnings += [
            w for w in [services._photo_warning(current.photo, width + 2 * services.BLEED_MM)] if w
        ]
    return render(
        request,
        "posters/design.html",
        {
            "campaign": found,
            "neighbourhood": place,
            "design": current,
            "form": form,
            "can_edit": can_edit,
            "warnings": warnings,
            "languages": LANGUAGES,
            "released_by": poster_releases(campaign=found, now=timezone.now()).get(place.pk),
            "failures": _failures(request, found, place),
        },
    )


def _failures(
    request: HttpRequest, campaign: Campaign, place: Neighbourhood
) -> list[tuple[PrintFailure, bool]]:
    """This poster's posts that could not be printed, and whether the person may retry."""
    rows = poster_failures(campaign=campaign, neighbourhood=place)
    if not isinstance(request.user, User):
        return [(row, False) for row in rows]
    mine = set(failures_publishable(rows, user=request.user).values_list("pk", flat=True))
    return [(row, row.pk in mine) for row in rows]


@require_capability(Capability.DRAFT_CONTENT)
@require_POST
def retry(request: HttpRequest, campaign: str, neighbourhood: str, pk: int) -> HttpResponse:
    """Try a poster that could not be printed again now (the workers' next look, within a
    minute), for who may publish on its account."""
    found, place = _objects(campaign, neighbourhood)
    failure = get_object_or_404(
        print_failures(user=_user(request)),
        pk=pk,
        variant__content_item__campaign=found,
        variant__content_item__neighbourhood=place,
    )
    services.print_failures_clear(variants=[failure.variant_id])
    messages.success(request, _("The poster will be tried again within a minute."))
    return redirect("posters:design", campaign=found.slug, neighbourhood=place.slug)


def _link_problems(campaign: Campaign, place: Neighbourhood) -> list[str]:
    try:
        services.poster_link(campaign=campaign, neighbourhood=place)
    except LinkError as error:
        return [_("The QR code's tracked link cannot be made: %(reason)s.") % {"reason": error}]
    return []


def _render(campaign: str, neighbourhood: str, lang: str) -> services.Poster:
    if lang not in LANGUAGES:
        raise Http404(lang)
    found, place = _objects(campaign, neighbourhood)
    try:
        return services.poster_render(campaign=found, neighbourhood_id=place.pk, language=lang)
    except LinkError as error:  # the design page says why
        raise Http404(str(error)) from None


@require_capability(Capability.VIEW_CONTENT)
@require_GET
def download(request: HttpRequest, campaign: str, neighbourhood: str, lang: str) -> HttpResponse:
    poster = _render(campaign, neighbourhood, lang)
    response = HttpResponse(poster.pdf, content_type="application/pdf")
    name = f"poster-{neighbourhood}-{lang}-{poster.size_label}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_capability(Capability.VIEW_CONTENT)
@require_GET
def preview(request: HttpRequest, campaign: str, neighbourhood: str, lang: str) -> HttpResponse:
    poster = _render(campaign, neighbourhood, lang)
    return HttpResponse(services.poster_png(poster.pdf), content_type="image/png")
