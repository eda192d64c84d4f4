"""Linking a campaign to a saved plan of the planner, from the campaign's page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from quartieri.accounts.models import User
from quartieri.accounts.permissions import require_capability
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.campaigns import services
from quartieri.campaigns.models import Campaign
from quartieri.campaigns.selectors import plan_choices, plan_summary


class PlanLinkForm(forms.Form):
    plan = forms.ModelChoiceField(
        label=gettext_lazy("Saved plan"),
        queryset=plan_choices(),
        required=False,
        empty_label=gettext_lazy("No plan"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )


def plan_link_context(*, user: Any, campaign: Campaign) -> dict[str, Any]:
    """What ``campaigns/_plan_link.html`` needs on the campaign page."""
    can_link = user_can(user, Capability.SAVE_PLAN)
    return {
        "plan": plan_summary(plan=campaign.plan) if campaign.plan else None,
        "plan_form": PlanLinkForm(initial={"plan": campaign.plan_id}) if can_link else None,
    }


@require_POST
@require_capability(Capability.SAVE_PLAN)
def campaign_plan_view(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    form = PlanLinkForm(request.POST)
    if not form.is_valid() or not isinstance(request.user, User):
        messages.error(request, _("Choose one of the saved plans."))
        return redirect("campaigns:campaign_detail", slug=slug)
    plan = form.cleaned_data["plan"]
    try:
        services.campaign_attach_plan(actor=request.user, campaign=campaign, plan=plan)
    except PermissionDenied as denied:
        messages.error(request, str(denied))
    else:
        if plan is None:
            messages.success(request, _("The campaign follows no saved plan now."))
        else:
            messages.success(request, _("Plan “%(plan)s” linked.") % {"plan": plan})
    return redirect("campaigns:campaign_detail", slug=slug)
