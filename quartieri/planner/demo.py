"""Demo: a saved plan for international students, the 2021 campaign's TikTok audience."""

from __future__ import annotations

from dataclasses import asdict

from django.db import transaction
from rich.console import Console

from quartieri.planner.build import PlanRequest
from quartieri.planner.models import SavedPlan
from quartieri.planner.selectors import plan_compute
from quartieri.planner.services import plan_save

DEMO_PLAN_NAME = "Milano quartieri spring-summer 2021 – international students"
DEMO_REQUEST = PlanRequest(
    audiences=("international-students",), budget=10_000, weeks=21, hours_per_week=10, year=2021
)


@transaction.atomic
def load(*, console: Console, from_today: bool) -> None:
    if SavedPlan.objects.filter(name=DEMO_PLAN_NAME).exists():
        console.print("Planner: demo plan already saved.")
        return
    # A saved plan keeps its reasons as computed: demo_run runs it in the staff's language.
    result = plan_compute(request=DEMO_REQUEST)
    inputs = asdict(DEMO_REQUEST) | {"objective": DEMO_REQUEST.objective.value}
    inputs["audiences"] = list(DEMO_REQUEST.audiences)
    inputs["channels"] = []
    inputs.pop("min_budget"), inputs.pop("max_budget")
    plan_save(
        actor=None,
        name=DEMO_PLAN_NAME,
        campaign="Milano quartieri spring-summer 2021",
        inputs=inputs,
        result=result,
    )
    console.print(f"Planner: demo plan saved (reach {result.total_reach:,} people).")
