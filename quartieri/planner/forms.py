from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from quartieri.audiences.models import Channel, Segment
from quartieri.core.forms import StyledForm
from quartieri.planner.build import LATEST, PlanRequest
from quartieri.planner.model import Objective
from quartieri.planner.result import PlanResult

OBJECTIVES = [
    (Objective.REACH.value, _("Reach: people reached at least once")),
    (Objective.FREQUENCY.value, _("Frequency: people reached at least k times")),
    (Objective.TRAFFIC.value, _("Traffic: visits to the mini-site")),
]
PURPOSES = [
    ("", _("Any purpose")),
    ("institutional", _("Institutional information")),
    ("promotion", _("Promotion")),
]


def _label(name_en: str, name_it: str) -> str:
    return name_it if (get_language() or "").startswith("it") and name_it else name_en


class PlanForm(StyledForm):
    audiences = forms.MultipleChoiceField(
        label=_("Audiences"), widget=forms.CheckboxSelectMultiple, choices=()
    )
    budget = forms.DecimalField(
        label=_("Budget for paid channels (EUR)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        initial=10000,
    )
    weeks = forms.IntegerField(label=_("Weeks"), min_value=1, max_value=104, initial=8)
    hours_per_week = forms.DecimalField(
        label=_("Production hours per week (owned channels)"),
        min_value=0,
        max_digits=6,
        decimal_places=1,
        initial=10,
    )
    objective = forms.ChoiceField(label=_("Objective"), choices=OBJECTIVES, initial="reach")
    min_frequency = forms.IntegerField(
        label=_("Exposures that count (frequency objective)"), min_value=1, max_value=10, initial=3
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=PURPOSES, required=False)
    channels = forms.MultipleChoiceField(
        label=_("Only these channels (none ticked = all)"),
        widget=forms.CheckboxSelectMultiple,
        choices=(),
        required=False,
    )
    year = forms.IntegerField(
        label=_("Usage figures nearest to year (empty = latest)"),
        min_value=2000,
        max_value=2100,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        segments = Segment.objects.all()
        self.fields["audiences"].choices = [  # type: ignore[attr-defined]
            (
                s.slug,
                _label(s.name_en, s.name_it)
                + (
                    f" ({number_format(s.size, force_grouping=True)})"
                    if s.size
                    else " – " + str(_("size missing"))
                ),
            )
            for s in segments
        ]
        self.fields["channels"].choices = [  # type: ignore[attr-defined]
            (c.slug, _label(c.name_en, c.name_it)) for c in Channel.objects.all()
        ]

    def clean_audiences(self) -> list[str]:
        slugs: list[str] = self.cleaned_data["audiences"]
        missing = Segment.objects.filter(slug__in=slugs, size__isnull=True).values_list(
            "slug", flat=True
        )
        if missing:
            raise forms.ValidationError(
                _("No size figure yet for: %(slugs)s. Add one in the catalogue first."),
                params={"slugs": ", ".join(missing)},
            )
        return slugs

    def plan_request(self) -> PlanRequest:
        data = self.cleaned_data
        return PlanRequest(
            audiences=tuple(data["audiences"]),
            budget=float(data["budget"]),
            weeks=int(data["weeks"]),
            hours_per_week=float(data["hours_per_week"]),
            objective=Objective(data["objective"]),
            channels=tuple(data["channels"]),
            year=data["year"] or LATEST,
            purpose=data["purpose"] or "",
            min_frequency=data["min_frequency"] or 3,
        )

    def inputs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "audiences": list(data["audiences"]),
            "budget": float(data["budget"]),
            "weeks": int(data["weeks"]),
            "hours_per_week": float(data["hours_per_week"]),
            "objective": data["objective"],
            "min_frequency": data["min_frequency"],
            "purpose": data["purpose"] or "",
            "channels": list(data["channels"]),
            "year": data["year"],
        }


def plan_form_data(inputs: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Form data (as a QueryDict would give it) from saved inputs."""
    data: dict[str, Any] = {}
    for key, value in inputs.items():
        if value is None or value == "":
            continue
        data[f"{prefix}-{key}"] = value
    return data


@dataclass(frozen=True)
class SavedInputs:
    """A saved plan's inputs as people read them, and the planner address that reruns them."""

    audiences: list[str]
    channels: list[str]
    objective: str
    purpose: str
    rerun_query: str


def saved_plan_inputs(*, inputs: dict[str, Any], result: PlanResult) -> SavedInputs:
    """What the saved plan was asked, named as its result names audiences and channels."""
    audience_names = {a.slug: a.name or a.slug for a in result.audiences}
    channel_names = {c.channel: c.name or c.channel for c in result.channels}
    return SavedInputs(
        audiences=[audience_names.get(s, s) for s in inputs.get("audiences", [])],
        channels=[channel_names.get(s, s) for s in inputs.get("channels", [])],
        objective=str(dict(OBJECTIVES).get(inputs.get("objective", ""), inputs.get("objective"))),
        purpose=str(dict(PURPOSES).get(inputs.get("purpose") or "", "")),
        rerun_query=urlencode(plan_form_data(inputs, "a"), doseq=True),
    )


class SavePlanForm(StyledForm):
    name = forms.CharField(label=_("Plan name"), max_length=200)
    campaign = forms.CharField(label=_("Campaign"), max_length=200, required=False)
    inputs = forms.CharField(widget=forms.HiddenInput)

    def clean_inputs(self) -> dict[str, Any]:
        try:
            value = json.loads(self.cleaned_data["inputs"])
        except ValueError:
            raise forms.ValidationError(_("The plan inputs are not readable.")) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("The plan inputs are not readable."))
        return value
