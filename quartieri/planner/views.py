from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from quartieri.accounts.models import User
from quartieri.accounts.permissions import require_capability
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.planner.forms import PlanForm, SavePlanForm, plan_form_data, saved_plan_inputs
from quartieri.planner.result import PlanResult
from quartieri.planner.selectors import PlanInputError, plan_compute, saved_plan_list
from quartieri.planner.services import plan_save

SCENARIOS = ("a", "b")


def _curves(plan: PlanResult) -> dict[str, Any]:
    """The reach curve of each recommended channel, for the charts (planner/plan.js)."""
    return {c.channel: [asdict(point) for point in c.curve] for c in plan.recommended}


def _scenario(request: HttpRequest, prefix: str) -> dict[str, Any]:
    """One scenario's form and, when the form was submitted and is valid, its plan."""
    submitted = f"{prefix}-budget" in request.GET
    form = PlanForm(request.GET if submitted else None, prefix=prefix)
    plan = None
    if submitted and form.is_valid():
        try:
            plan = plan_compute(request=form.plan_request())
        except PlanInputError as error:
            form.add_error(None, str(error))
    inputs_json = json.dumps(form.inputs()) if plan is not None else ""
    return {
        "prefix": prefix,
        "form": form,
        "plan": plan,
        "inputs_json": inputs_json,
        "curves": _curves(plan) if plan else {},
        "save_form": SavePlanForm(prefix=f"save-{prefix}", initial={"inputs": inputs_json}),
    }


@require_GET
@require_capability(Capability.RUN_PLANNER)
def plan(request: HttpRequest) -> HttpResponse:
    scenarios = [_scenario(request, "a")]
    if request.GET.get("compare") or "b-budget" in request.GET:
        scenarios.append(_scenario(request, "b"))
    return render(
        request,
        "planner/plan.html",
        {
            "scenarios": scenarios,
            "comparing": len(scenarios) > 1,
            "can_save": user_can(request.user, Capability.SAVE_PLAN),
            "chart_data": {s["prefix"]: s["curves"] for s in scenarios if s["plan"]},
        },
    )


@require_POST
@require_capability(Capability.SAVE_PLAN)
def plan_save_view(request: HttpRequest) -> HttpResponse:
    prefix = request.POST.get("scenario", "a")
    if prefix not in SCENARIOS:
        prefix = "a"
    form = SavePlanForm(request.POST, prefix=f"save-{prefix}")
    if form.is_valid():
        plan_form = PlanForm(plan_form_data(form.cleaned_data["inputs"], "x"), prefix="x")
        if plan_form.is_valid():
            try:
                result = plan_compute(request=plan_form.plan_request())
            except PlanInputError as error:
                form.add_error(None, str(error))
            else:
                actor = request.user if isinstance(request.user, User) else None
                saved = plan_save(
                    actor=actor,
                    name=form.cleaned_data["name"],
                    campaign=form.cleaned_data["campaign"],
                    inputs=plan_form.inputs(),
                    result=result,
                )
                messages.success(request, _("Plan “%(name)s” saved.") % {"name": saved.name})
                return redirect("planner:saved_detail", pk=saved.pk)
        else:
            form.add_error(None, _("The plan inputs are not valid any more; run the plan again."))
    return render(request, "planner/save_error.html", {"form": form}, status=400)


@require_GET
@require_capability(Capability.RUN_PLANNER)
def saved_list(request: HttpRequest) -> HttpResponse:
    plans = saved_plan_list().prefetch_related("campaigns")[:100]
    return render(request, "planner/saved_list.html", {"plans": plans})


@require_GET
@require_capability(Capability.RUN_PLANNER)
def saved_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A saved plan opened again: its inputs and its result as computed then."""
    saved = get_object_or_404(saved_plan_list(), pk=pk)
    plan = saved.plan()
    return render(
        request,
        "planner/saved_detail.html",
        {
            "saved": saved,
            "plan": plan,
            "inputs": saved_plan_inputs(inputs=saved.inputs, result=plan),
            "campaigns": saved.campaigns.order_by("name"),
            "chart_data": {"saved": _curves(plan)},
        },
    )
