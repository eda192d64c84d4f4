"""Files in and out of a campaign: the iCalendar feed, the CSV plan export and its import."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from quartieri.accounts.models import User
from quartieri.accounts.permissions import require_capability
from quartieri.accounts.roles import Capability
from quartieri.campaigns.csvplan import MAX_BYTES, PlanError, plan_export, plan_import_file
from quartieri.campaigns.feeds import campaign_calendar
from quartieri.campaigns.models import Campaign


class PlanImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Content plan (CSV)"))


@require_GET
@require_capability(Capability.VIEW_CONTENT)
def campaign_ical_view(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    response = HttpResponse(campaign_calendar(campaign=campaign), content_type="text/calendar")
    response["Content-Disposition"] = f'inline; filename="{campaign.slug}.ics"'
    return response


@require_GET
@require_capability(Capability.VIEW_CONTENT)
def campaign_plan_csv_view(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    response = StreamingHttpResponse(
        plan_export(campaign=campaign), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-plan.csv"'
    return response


@require_POST
@require_capability(Capability.DRAFT_CONTENT)
def campaign_plan_import_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Import a plan file; grants are checked per row by the services, all or nothing."""
    campaign = get_object_or_404(Campaign, slug=slug)
    form = PlanImportForm(request.POST, request.FILES)
    if not form.is_valid() or not isinstance(request.user, User):
        messages.error(request, _("Choose a CSV file to import."))
        return redirect(campaign_detail_url(campaign))
    upload = form.cleaned_data["file"]
    try:
        if upload.size > MAX_BYTES:
            raise PlanError(
                _("The file is larger than %(limit)s MB.") % {"limit": MAX_BYTES // (1024 * 1024)}
            )
        result = plan_import_file(actor=request.user, campaign=campaign, data=upload.read())
    except PlanError as error:
        messages.error(request, _("Nothing was imported. %(reason)s") % {"reason": error})
    else:
        messages.success(
            request,
            _("Imported %(items)s content items and %(variants)s draft variants.")
            % {"items": result.items, "variants": len(result.variants)},
        )
    return redirect(campaign_detail_url(campaign))


def campaign_detail_url(campaign: Campaign) -> str:
    return reverse("campaigns:campaign_detail", args=[campaign.slug])
