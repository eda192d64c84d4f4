from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from quartieri.accounts.models import User
from quartieri.accounts.permissions import require_capability
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.campaigns import scheduling, services
from quartieri.campaigns.forms import RejectForm, ScheduleForm
from quartieri.campaigns.models import Campaign, Variant
from quartieri.campaigns.plan_link import plan_link_context
from quartieri.campaigns.selectors import (
    campaign_list,
    variant_delivery_troubles,
    variant_list,
    variant_next_step,
)
from quartieri.campaigns.views_edit import campaign_items, may_edit
from quartieri.campaigns.writing import link_warnings
from quartieri.channels.selectors import user_grants


@require_GET
@require_capability(Capability.VIEW_CONTENT)
def campaign_list_view(request: HttpRequest) -> HttpResponse:
    context = {
        "campaigns": campaign_list(),
        "can_manage": user_can(request.user, Capability.APPROVE_CONTENT),
    }
    return render(request, "campaigns/campaign_list.html", context)


@require_GET
@require_capability(Capability.VIEW_CONTENT)
def campaign_detail_view(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    user = request.user
    variants = list(variant_list(campaign=campaign))
    can_act = isinstance(user, User) and user_can(user, Capability.DRAFT_CONTENT)
    # (variant, next workflow step, may edit it, what its delivery reports going wrong):
    # one grants query and one query per delivery for the whole page.
    troubles = variant_delivery_troubles(variants=variants)
    steps: dict[int, tuple[str, bool]] = {}
    if can_act and isinstance(user, User):
        grants = user_grants(user=user)
        steps = {
            variant.pk: (
                variant_next_step(user=user, variant=variant, grants=grants),
                may_edit(user=user, variant=variant, grants=grants),
            )
            for variant in variants
        }
    rows = [
        (variant, *steps.get(variant.pk, ("", False)), troubles.get(variant.pk, ""))
        for variant in variants
    ]
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "rows": rows,
            "can_act": can_act,
            "can_manage": user_can(user, Capability.APPROVE_CONTENT),
            "items": campaign_items(campaign),
            "schedule_min": _schedule_min(campaign),
            **plan_link_context(user=user, campaign=campaign),
        },
    )


def _schedule_min(campaign: Campaign) -> dt.date:
    """The first day the schedule forms offer: the campaign's, or today once it started
    (services.variant_schedule refuses a time in the past)."""
    today = timezone.localdate(scheduling.schedule_now())
    return max(campaign.start_date, today)


def _simple(name: str) -> Callable[[User, Variant, HttpRequest], Variant]:
    service = getattr(services, f"variant_{name}")
    return lambda actor, variant, request: service(actor=actor, variant=variant)


def _reject(actor: User, variant: Variant, request: HttpRequest) -> Variant:
    form = RejectForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    return services.variant_reject(actor=actor, variant=variant, comment=comment)


def _schedule(actor: User, variant: Variant, request: HttpRequest) -> Variant:
    resolved = ScheduleForm(request.POST).resolved()
    if resolved.warning:
        messages.warning(request, resolved.warning)
    return services.variant_schedule(actor=actor, variant=variant, at=resolved.at)


ACTIONS: dict[str, Callable[[User, Variant, HttpRequest], Variant]] = {
    "submit": _simple("submit"),
    "approve": _simple("approve"),
    "reject": _reject,
    "schedule": _schedule,
    "publish": _simple("mark_published"),
}


# The steps before scheduling, after which the link's refusal would come as a surprise.
LINK_WARNED = frozenset({"submit", "approve"})


@require_POST
@require_capability(Capability.DRAFT_CONTENT)  # every step needs at least this; analysts 403
def variant_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One workflow step; the service decides who may, and says why not."""
    variant = get_object_or_404(Variant.objects.select_related("content_item__campaign"), pk=pk)
    if action not in ACTIONS or not isinstance(request.user, User):
        raise PermissionDenied(action)
    try:
        ACTIONS[action](request.user, variant, request)
    except PermissionDenied as denied:
        messages.error(request, str(denied))
    except ValidationError as invalid:
        for message in invalid.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Done: %(variant)s.") % {"variant": variant})
        if action in LINK_WARNED:
            for warning in link_warnings(variant):
                messages.warning(request, warning)
    return redirect(_back_url(request, variant))


def _back_url(request: HttpRequest, variant: Variant) -> str:
    """Where the step was taken from (the review page sends ``next``), else the campaign."""
    back = request.POST.get("next", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(back, {request.get_host()}):
        return back
    url = reverse("campaigns:campaign_detail", args=[variant.content_item.campaign.slug])
    return f"{url}#variant-{variant.pk}"
