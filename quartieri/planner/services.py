"""Writes of the planner: saving a plan onto a campaign."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.text import slugify

from quartieri.accounts.models import User
from quartieri.accounts.services import audit_record, audit_snapshot
from quartieri.planner.models import SavedPlan
from quartieri.planner.result import PlanResult

_SNAPSHOT = ["name", "campaign", "campaign_slug", "inputs"]


@transaction.atomic
def plan_save(
    *,
    actor: User | None,
    name: str,
    inputs: dict[str, Any],
    result: PlanResult,
    campaign: str = "",
) -> SavedPlan:
    """Keep a computed plan, named and optionally tied to a campaign, with an audit row."""
    plan = SavedPlan(
        name=name.strip(),
        campaign=campaign.strip(),
        campaign_slug=slugify(campaign)[:200],
        inputs=inputs,
        result=result.to_json(),
        created_by=actor,
    )
    plan.full_clean()
    plan.save()
    after = audit_snapshot(obj=plan, fields=_SNAPSHOT) | {"total_reach": plan.total_reach}
    audit_record(actor=actor, action="plan.save", target=plan, after=after)
    return plan
