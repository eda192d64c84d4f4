"""Running a plan: a read (it writes nothing), so every role that may plan may run it."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import QuerySet
from django.utils.translation import get_language

from quartieri.accounts.models import User
from quartieri.audiences.selectors import Catalogue, catalogue_get
from quartieri.planner.build import PlanInputError, PlanRequest, build
from quartieri.planner.explain import plan_result
from quartieri.planner.model import Resources, allocate
from quartieri.planner.models import SavedPlan
from quartieri.planner.result import PlanResult

__all__ = ["PlanInputError", "plan_compute", "saved_plan_list"]


def plan_compute(
    *,
    request: PlanRequest,
    catalogue: Catalogue | None = None,
    overlap: Mapping[tuple[str, str], float] | None = None,
) -> PlanResult:
    """The recommended channel mix for a request; raises PlanInputError on a bad value."""
    catalogue = catalogue or catalogue_get()
    built = build(
        request,
        segments=catalogue.segments,
        channels=catalogue.channels,
        usage=catalogue.usage,
        overlap=overlap,
    )
    try:
        allocation = allocate(built.problem, Resources(request.budget, request.hours_per_week))
    except ValueError as error:
        raise PlanInputError(str(error)) from error
    italian = (get_language() or "").startswith("it")
    return plan_result(built, allocation, request, catalogue.names_it if italian else None)


def saved_plan_list(*, user: User | None = None) -> QuerySet[SavedPlan]:
    plans = SavedPlan.objects.select_related("created_by")
    return plans.filter(created_by=user) if user is not None else plans
