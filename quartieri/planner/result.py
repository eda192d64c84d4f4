"""A computed plan as typed data: what the web page shows, the CLI prints, the API sends and
``SavedPlan.result`` keeps (``to_json``; ``from_json`` reads a kept one back).

Plain dataclasses, no Django: ``explain.plan_result`` fills them from the optimiser's answer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class CurvePoint:
    x: float  # the channel's resource: EUR, or hours a week
    reach: int


@dataclass(frozen=True)
class SourceRef:
    source: str
    year: int | None


@dataclass(frozen=True)
class ChannelPlan:
    """One channel of the plan, recommended or left out, with the reason in plain words."""

    channel: str
    name: str = ""
    recommended: bool = False
    rank: int = 0
    budget: float = 0.0
    hours_per_week: float = 0.0
    reach: int = 0
    reach_pct: float = 0.0
    incremental_reach: int = 0
    affinity: float | None = None
    frequency: float = 0.0
    cost_per_thousand_reached: float | None = None
    reason: str = ""
    sources: list[SourceRef] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    curve: list[CurvePoint] = field(default_factory=list)
    curve_unit: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChannelPlan:
        values = dict(data)
        values["sources"] = [SourceRef(**s) for s in data.get("sources", [])]
        values["curve"] = [CurvePoint(**p) for p in data.get("curve", [])]
        return cls(**values)


@dataclass(frozen=True)
class AudiencePlan:
    slug: str
    name: str = ""
    size: int | None = None
    source: str | None = None
    year: int | None = None
    note: str = ""
    usage_note: str = ""


@dataclass(frozen=True)
class PlanResult:
    """The recommended channel mix for one request, with every figure's source."""

    audiences: list[AudiencePlan] = field(default_factory=list)
    budget: float = 0.0
    weeks: int = 0
    hours_per_week: float = 0.0
    objective: str = ""
    purpose: str | None = None
    year: int | None = None
    total_reach: int = 0
    total_reach_pct: float = 0.0
    objective_value: int = 0
    channels: list[ChannelPlan] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)

    @property
    def recommended(self) -> list[ChannelPlan]:
        return [channel for channel in self.channels if channel.recommended]

    def to_json(self) -> dict[str, Any]:
        """The plan as JSON-ready data, the one shape every reader of a plan shares."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlanResult:
        """A kept plan; what it lacks (a plan kept by an older version) takes the defaults."""
        values = dict(data)
        values["audiences"] = [AudiencePlan(**a) for a in data.get("audiences", [])]
        values["channels"] = [ChannelPlan.from_json(c) for c in data.get("channels", [])]
        return cls(**values)
