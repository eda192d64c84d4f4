"""Plan versus actual: the saved plan's expected reach per channel against measured reach.

The plan's figure is de-duplicated people (planner, docs/planner.md); a measured figure is
what its source can count (measures.py), each with its own way of counting people twice
or missing them, which the explanation says in words next to the difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from quartieri.analytics.kind import (
    INSIGHTS_PLATFORMS,
    PLANNER_CHANNEL,
    PLATFORM_OF_PLANNER_CHANNEL,
    channel_label,
)
from quartieri.analytics.measures import Measure
from quartieri.campaigns.models import Campaign
from quartieri.channels.registry import Platform

IN_LINE = 0.10  # within ±10 % of the plan we say "in line"


@dataclass(frozen=True)
class PlanActualRow:
    channel: str  # the planner's channel slug
    name: str
    planned_reach: int | None
    planned_budget: float
    planned_cost_per_thousand: float | None
    measured_reach: int | None
    basis: str
    simulated: int
    explanation: str

    @property
    def difference_pct(self) -> float | None:
        if not self.planned_reach or self.measured_reach is None:
            return None
        return round((self.measured_reach - self.planned_reach) / self.planned_reach * 100, 1)

    @property
    def measured_cost_per_thousand(self) -> float | None:
        if not self.planned_budget or not self.measured_reach:
            return None
        return round(self.planned_budget / self.measured_reach * 1000, 2)

    def as_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "name": self.name,
            "planned_reach": self.planned_reach,
            "measured_reach": self.measured_reach,
            "difference_pct": self.difference_pct,
            "planned_budget": self.planned_budget,
            "planned_cost_per_thousand": self.planned_cost_per_thousand,
            "measured_cost_per_thousand": self.measured_cost_per_thousand,
            "basis": self.basis,
            "simulated": self.simulated,
            "explanation": self.explanation,
        }


def plan_versus_actual(*, campaign: Campaign, measures: list[Measure]) -> list[PlanActualRow]:
    """One row per channel the plan uses or a source measured, the plan's order first."""
    planned = {c["channel"]: c for c in _plan_channels(campaign)}
    measured: dict[str, Measure] = {}
    for measure in measures:
        if measure.name == "reach" and measure.day is None:
            slug = PLANNER_CHANNEL.get(measure.channel, measure.channel)
            measured.setdefault(slug, measure)
    order = list(planned) + sorted(set(measured) - set(planned))
    return [_row(slug, planned.get(slug), measured.get(slug)) for slug in order]


def _plan_channels(campaign: Campaign) -> list[dict[str, Any]]:
    if campaign.plan is None:
        return []
    return [c for c in campaign.plan.result.get("channels", []) if c.get("recommended")]


def _row(slug: str, plan: dict[str, Any] | None, measure: Measure | None) -> PlanActualRow:
    platform = PLATFORM_OF_PLANNER_CHANNEL.get(slug, slug)
    row = PlanActualRow(
        channel=slug,
        name=str(plan["name"]) if plan else str(channel_label(platform)),
        planned_reach=int(plan["reach"]) if plan else None,
        planned_budget=float(plan.get("budget") or 0) if plan else 0.0,
        planned_cost_per_thousand=plan.get("cost_per_thousand_reached") if plan else None,
        measured_reach=measure.value if measure else None,
        basis=str(measure.basis) if measure else "",
        simulated=measure.simulated if measure else 0,
        explanation="",
    )
    return PlanActualRow(**{**row.__dict__, "explanation": explain(row, platform=platform)})


def _people(n: int | float) -> str:
    return number_format(round(n), force_grouping=True)


def explain(row: PlanActualRow, *, platform: str) -> str:
    """The difference in words: direction and size, how it was measured, cost, simulation."""
    if row.measured_reach is None:
        return _("Not measured: %(reason)s.") % {"reason": _missing_reason(platform)}
    parts = []
    if row.planned_reach is None:
        parts.append(
            _("Not in the plan; measured %(m)s people.") % {"m": _people(row.measured_reach)}
        )
    else:
        difference = row.difference_pct or 0.0
        if abs(difference) <= IN_LINE * 100:
            direction = _("In line with the plan")
        elif difference > 0:
            direction = _("%(pct)s %% above the plan") % {"pct": number_format(difference, 1)}
        else:
            direction = _("%(pct)s %% below the plan") % {"pct": number_format(-difference, 1)}
        parts.append(
            _("%(direction)s: %(m)s measured against %(p)s planned.")
            % {
                "direction": direction,
                "m": _people(row.measured_reach),
                "p": _people(row.planned_reach),
            }
        )
    parts.append(_("Measured as the %(basis)s.") % {"basis": row.basis})
    if row.planned_reach is not None and row.measured_reach > row.planned_reach:
        parts.append(
            _(
                "The plan counts only people of the campaign's audience, each once over the "
                "whole campaign; the measured figure counts everyone the channel reached, "
                "and people again (per post, per day), so it runs higher for those reasons "
                "alone."
            )
        )
    if row.measured_cost_per_thousand is not None:
        parts.append(
            _("At the planned spend of EUR %(b)s: EUR %(m)s per 1,000 reached (planned EUR %(p)s).")
            % {
                "b": _people(row.planned_budget),
                "m": number_format(row.measured_cost_per_thousand, 2),
                "p": number_format(row.planned_cost_per_thousand or 0, 2),
            }
        )
    if row.simulated:
        parts.append(
            _("%(s)s of the measured figure is simulated (demo traffic generator).")
            % {"s": _people(row.simulated)}
        )
    return " ".join(parts)


def _missing_reason(platform: str) -> str:
    if platform in INSIGHTS_PLATFORMS:
        return _(
            "no figures from the platform yet for the campaign's posts or accounts (the "
            "accounts must be connected; insights are read once a day)"
        )
    if platform == Platform.WEBSITE:
        return _("no page views received from the campaign's neighbourhood mini-sites")
    if platform == Platform.POSTERS:
        return _("no QR scans of the campaign's tracked poster links")
    if platform == Platform.SCREENS:
        return _(
            "the screens report plays and seconds on screen (proof of play), not people: "
            "nobody counts who looks at a screen"
        )
    return _("no installed source reports this channel yet")
