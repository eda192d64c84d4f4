"""Staff pages of measurement: campaign dashboards, tracked links, an account's month."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quartieri.accounts.models import User
from quartieri.accounts.permissions import require_capability
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.analytics.account_report import account_month_report, account_months
from quartieri.analytics.campaign_report import CampaignReport, Table, campaign_report
from quartieri.analytics.feedback import (
    FeedbackError,
    campaign_finished,
    feedback_label,
    feedback_preview,
    planner_feedback_save,
)
from quartieri.analytics.kind import INSIGHTS_PLATFORMS
from quartieri.analytics.links import (
    LinkError,
    allowed_destinations,
    link_delete,
    link_get_or_create,
    link_spec,
    short_url,
)
from quartieri.analytics.pdf import campaign_report_pdf
from quartieri.analytics.qr import FORMATS, qr_code
from quartieri.analytics.reports import link_stats
from quartieri.analytics.tracking import Link, PlannerFeedback
from quartieri.campaigns.models import Campaign
from quartieri.channels.models import ChannelAccount
from quartieri.channels.registry import Platform
from quartieri.core.widgets import Combobox
from quartieri.lib.spreadsheet import safe_cell
from quartieri.places.models import Neighbourhood


@require_GET
@require_capability(Capability.VIEW_ANALYTICS)
def index(request: HttpRequest) -> HttpResponse:
    accounts = ChannelAccount.objects.filter(platform__in=INSIGHTS_PLATFORMS)
    return render(
        request,
        "analytics/index.html",
        {
            "campaigns": Campaign.objects.order_by("-start_date", "name"),
            "accounts": accounts.order_by("platform", "handle"),
        },
    )


def _campaign(slug: str) -> Campaign:
    return get_object_or_404(Campaign.objects.select_related("plan"), slug=slug)


@require_GET
@require_capability(Capability.VIEW_ANALYTICS)
def campaign_view(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(slug)
    report = campaign_report(campaign=campaign)
    context: dict[str, Any] = {
        "report": report,
        "campaign": campaign,
        "charts": [
            {"chart": c, "table": report.tables[c.table], "data_id": f"chart-{c.name}"}
            for c in report.charts
        ],
        "chart_data": {f"chart-{c.name}": c.as_json() for c in report.charts},
        "tables": report.tables,
        "other_tables": [
            report.tables[n] for n in ("top_posts", "top_links", "newsletter_health", "by_item")
        ],
        "finished": campaign_finished(campaign),
        "can_feedback": user_can(request.user, Capability.APPROVE_CONTENT),
        "feedbacks": PlannerFeedback.objects.filter(campaign=campaign),
    }
    if context["finished"]:
        rows, proposals = feedback_preview(campaign=campaign)
        context |= {"feedback_rows": rows, "proposals": proposals}
        context["feedback_label"] = feedback_label(campaign)
    return render(request, "analytics/campaign.html", context)


@require_GET
@require_capability(Capability.VIEW_ANALYTICS)
def campaign_table_csv(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    report = campaign_report(campaign=_campaign(slug))
    table = report.tables.get(name)
    if table is None:
        raise Http404(name)
    return csv_response(table, filename=f"{slug}-{name}.csv")


def csv_response(table: Table, *, filename: str) -> HttpResponse:
    """Any table as CSV: a header of labels, then its rows; formula cells neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(str(c.label)) for c in table.columns])
    for row in table.rows:
        writer.writerow([safe_cell(row.get(c.key)) for c in table.columns])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@require_capability(Capability.VIEW_ANALYTICS)
def campaign_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(slug)
    report: CampaignReport = campaign_report(campaign=campaign)
    language = "en" if (request.LANGUAGE_CODE or "").startswith("en") else "it"
    response = HttpResponse(campaign_report_pdf(report, language=language), "application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{slug}-report.pdf"'
    return response


@require_POST
@require_capability(Capability.APPROVE_CONTENT)
def feedback_save(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(slug)
    if not isinstance(request.user, User):
        raise PermissionDenied
    try:
        feedback = planner_feedback_save(
            actor=request.user, campaign=campaign, apply=set(request.POST.getlist("apply"))
        )
    except FeedbackError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Saved for the planner as “%(label)s”; %(n)s catalogue figures replaced.")
            % {"label": feedback.label, "n": len(feedback.applied)},
        )
    return redirect("analytics:campaign", slug=slug)


# --- Tracked links ----------------------------------------------------------------------------
class LinkForm(forms.Form):
    target = forms.CharField(
        label=gettext_lazy("Target (an address, or /path on this platform)"),
        max_length=2000,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        choices=[("", gettext_lazy("none"))] + list(Platform.choices),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    neighbourhood = forms.ModelChoiceField(
        label=gettext_lazy("Neighbourhood"),
        queryset=Neighbourhood.objects.order_by("name_it"),
        to_field_name="slug",
        required=False,
        widget=Combobox(attrs={"class": "form-select"}),
    )
    campaign = forms.ModelChoiceField(
        label=gettext_lazy("Campaign"),
        queryset=Campaign.objects.order_by("-start_date"),
        to_field_name="slug",
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    placement = forms.CharField(
        label=gettext_lazy("Placement (where it is printed or shown)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


@require_http_methods(["GET", "POST"])
@require_capability(Capability.VIEW_ANALYTICS)
def links_view(request: HttpRequest) -> HttpResponse:
    form = LinkForm(request.POST or None)
    can_create = user_can(request.user, Capability.DRAFT_CONTENT)
    if request.method == "POST":
        if not can_create or not isinstance(request.user, User):
            raise PermissionDenied(Capability.DRAFT_CONTENT.value)
        if form.is_valid():
            link = _create(request, form)
            if link is not None:
                return redirect("analytics:links")
    return render(
        request,
        "analytics/links.html",
        {
            "form": form,
            "can_create": can_create,
            "can_delete": user_can(request.user, Capability.APPROVE_CONTENT),
            "links": link_stats(),
            "allowed": allowed_destinations(),
            "formats": sorted(FORMATS),
        },
    )


def _create(request: HttpRequest, form: LinkForm) -> Link | None:
    data = form.cleaned_data
    try:
        spec = link_spec(
            target=data["target"],
            channel=data["channel"],
            neighbourhood=data["neighbourhood"].slug if data["neighbourhood"] else None,
            campaign=data["campaign"].slug if data["campaign"] else None,
            placement=data["placement"],
        )
        user = request.user if isinstance(request.user, User) else None
        link, created = link_get_or_create(spec=spec, actor=user)
    except LinkError as error:
        form.add_error("target", str(error))
        return None
    text = _("Link %(url)s made.") if created else _("That link exists already: %(url)s")
    messages.success(request, text % {"url": short_url(link)})
    return link


@require_POST
@require_capability(Capability.APPROVE_CONTENT)
def link_delete_view(request: HttpRequest, code: str) -> HttpResponse:
    link = get_object_or_404(Link, code=code)
    link_delete(actor=request.user if isinstance(request.user, User) else None, link=link)
    messages.success(
        request, _("Link %(code)s stopped: it answers 404 within seconds.") % {"code": code}
    )
    return redirect("analytics:links")


@require_GET
@require_capability(Capability.VIEW_ANALYTICS)
def link_qr(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    link = get_object_or_404(Link, code=code, deleted_at__isnull=True)
    if kind not in FORMATS:
        raise Http404(kind)
    response = HttpResponse(qr_code(url=short_url(link), kind=kind), content_type=FORMATS[kind])
    response["Content-Disposition"] = f'attachment; filename="qr-{code}.{kind}"'
    return response


# --- An account's month ----------------------------------------------------------------------
@require_GET
@require_capability(Capability.VIEW_ANALYTICS)
def account_view(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(ChannelAccount, pk=pk)
    months = account_months(account=account)
    month = _month(request.GET.get("month", ""), default=months[0] if months else None)
    report = account_month_report(account=account, month=month) if month else None
    return render(
        request,
        "analytics/account.html",
        {
            "account": account,
            "months": months,
            "month": month,
            "report": report,
            "chart_data": {"chart-account-month": report.chart.as_json()} if report else {},
        },
    )


def _month(raw: str, *, default: dt.date | None) -> dt.date | None:
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(f"{raw}-01")
    except ValueError:
        raise Http404(raw) from None
