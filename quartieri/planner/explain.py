"""From the optimiser's allocation to the plan people read: figures, ranks and reasons.

Reasons are built only from the figures that went into the model, with their sources, in
the active language (English msgids, Italian translations in this app's locale).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from quartieri.audiences.models import FigureKey
from quartieri.audiences.specs import Figure, SegmentSpec
from quartieri.planner.build import Built, ChannelInfo, PlanRequest, Usage
from quartieri.planner.model import (
    HOURS,
    MONEY,
    FloatArray,
    objective_value,
    total_reach,
    vehicle_reach,
)
from quartieri.planner.result import (
    AudiencePlan,
    ChannelPlan,
    CurvePoint,
    PlanResult,
    SourceRef,
)

CURVE_POINTS = 12


def pct(value: float) -> str:
    """34.5 or 34,5 as the active language writes it; 50 rather than 50.0."""
    rounded = round(value, 1)
    if rounded == int(rounded):
        return number_format(int(rounded))
    return number_format(rounded, decimal_pos=1)


def people(value: float) -> str:
    return number_format(round(value), force_grouping=True)


def _short(figure: Figure) -> str:
    return short_source(figure.source, figure.year)


def short_source(source: str, year: int | None) -> str:
    """'Censis 2021' from 'Censis 17th Communication Report via corriereuniv.it', 2021."""
    publisher = source.split(" via ")[0].split("(")[0].strip()
    words = publisher.split()
    head = (
        " ".join(words[:2])
        if len(words) > 1 and words[1][:1].isupper() and words[1] != "Research"
        else words[0]
    )
    if publisher.startswith("Pew"):
        head = "Pew"
    return f"{head} {year}" if year else head


@dataclass
class ChannelResult:
    index: int
    info: ChannelInfo
    budget: float
    hours: float
    reach: float
    impressions: float
    incremental: float
    affinity: float | None
    marginal: float  # objective gained by the next unit at this allocation


def _channel_results(built: Built, x: FloatArray) -> list[ChannelResult]:
    problem = built.problem
    shares = vehicle_reach(problem, x)
    total = float(total_reach(problem, x))
    results = []
    for index, info in enumerate(built.channels):
        vehicles = info.vehicles
        if not vehicles:
            results.append(ChannelResult(index, info, 0, 0, 0, 0, 0, _affinity(built, info), 0))
            continue
        reach_share = 1 - np.prod(1 - shares[:, vehicles], axis=1)
        reach = float(reach_share @ problem.sizes)
        impressions = float(
            sum((problem.impressions_per_unit[:, v] * x[v]) @ problem.sizes for v in vehicles)
        )
        without = x.copy()
        without[vehicles] = 0
        incremental = total - float(total_reach(problem, without))
        budget = float(sum(x[v] for v in vehicles if built.vehicle_kind[v] == MONEY))
        hours = float(sum(x[v] for v in vehicles if built.vehicle_kind[v] == HOURS))
        results.append(
            ChannelResult(
                index,
                info,
                budget,
                hours,
                reach,
                impressions,
                incremental,
                _affinity(built, info),
                _marginal(built, x, vehicles),
            )
        )
    return results


def _marginal(built: Built, x: FloatArray, vehicles: list[int]) -> float:
    """People gained per EUR 1,000 (paid) or per hour a week (owned), at this allocation."""
    best = 0.0
    base = float(objective_value(built.problem, x))
    for v in vehicles:
        unit = 1000.0 if built.vehicle_kind[v] == MONEY else 1.0
        more = x.copy()
        more[v] = min(more[v] + unit, built.problem.upper[v])
        if more[v] > x[v]:
            gained = (float(objective_value(built.problem, more)) - base) * unit / (more[v] - x[v])
            best = max(best, gained)
    return best


def _affinity(built: Built, info: ChannelInfo) -> float | None:
    values = [(info.usage[s.slug].affinity, s) for s in built.segments if s.slug in info.usage]
    if not values or any(a is None for a, _ in values):
        return None
    sizes = [s.size.value if s.size else 0.0 for _, s in values]
    return float(
        sum((a or 0.0) * w for (a, _), w in zip(values, sizes, strict=True)) / (sum(sizes) or 1)
    )


def _usage_phrase(usage: Usage) -> str:
    first = usage.sources[0] if usage.sources else None
    if usage.method == "direct" and usage.affinity is not None:
        _tag, band_pct, all_pct, _year = usage.notes[0].split(":")
        pair_source = next((s for s in usage.sources if s.year == int(_year)), first or Figure(0))
        return _(
            "used by %(pen)s %% of people aged %(band)s against %(ref)s %% of all ages "
            "(affinity %(aff)d, %(source)s)"
        ) % {
            "pen": pct(float(band_pct)),
            "band": usage.band_label.replace("-", "–"),
            "ref": pct(float(all_pct)),
            "aff": round(usage.affinity),
            "source": _short(pair_source),
        } + (
            _("; reach based on %(pen)s %% (%(source)s)")
            % {"pen": pct(usage.share * 100), "source": _short(first)}
            if first is not None and first.year != int(_year)
            else ""
        )
    if usage.method == "direct" and first is not None:
        return _(
            "used by %(pen)s %% of people aged %(band)s (%(source)s); no all-ages figure of the "
            "same survey, so no affinity index"
        ) % {
            "pen": pct(usage.share * 100),
            "band": usage.band_label.replace("-", "–"),
            "source": _short(first),
        }
    if usage.method == "transfer" and first is not None:
        borrowed = usage.sources[1] if len(usage.sources) > 1 else first
        return _(
            "estimated %(pen)s %% of people aged %(band)s: all-ages use %(all)s %% (%(source)s) "
            "times the age affinity %(aff)d measured by %(borrowed)s"
        ) % {
            "pen": pct(usage.share * 100),
            "band": usage.band_label.replace("-", "–"),
            "all": pct(first.value),
            "source": _short(first),
            "aff": round(usage.affinity or 100),
            "borrowed": _short(borrowed),
        }
    if usage.method == "all-ages" and first is not None:
        return _("used by %(pen)s %% of all ages (%(source)s)") % {
            "pen": pct(usage.share * 100),
            "source": _short(first),
        }
    return ""


def _owned_phrase(info: ChannelInfo) -> str:
    audience = info.spec.figure("owned_audience")
    share = info.spec.figure("owned_share")
    reachable = info.spec.figure("reach_share")
    if reachable is not None and info.spec.paid and not info.spec.platforms:
        return _("%(pct)s %% of the audience within reach (assumption)") % {
            "pct": pct(reachable.value * 100)
        }
    if share is not None and audience is None and info.spec.owned:
        return _("own audience %(pct)s %% of the people in the city (assumption)") % {
            "pct": pct(share.value * 100)
        }
    if audience is None or not info.spec.owned:
        return ""
    where = _short(audience) if not audience.assumption else _("assumption")
    return _("own audience %(size)s (%(source)s)") % {
        "size": people(audience.value),
        "source": where,
    }


def _reason(
    result: ChannelResult, built: Built, ranked: list[ChannelResult], request: PlanRequest
) -> str:
    info = result.info
    name = info.display_name or info.spec.name
    parts: list[str] = []
    main = built.segments[0].slug if built.segments else ""
    usage = info.usage.get(main)
    if usage is not None:
        phrase = _usage_phrase(usage)
        if phrase:
            parts.append(phrase)
    owned = _owned_phrase(info)
    if owned:
        parts.append(owned)
    parts.append(_decision(result, built, ranked, request))
    return f"{name}: " + "; ".join(p for p in parts if p) + "."


def _decision(
    result: ChannelResult, built: Built, ranked: list[ChannelResult], request: PlanRequest
) -> str:
    info = result.info
    if info.exclusion == "not_selected":
        return _("left out: not among the channels chosen")
    if info.exclusion == "purpose":
        return _("left out: not a channel for this purpose (%(purpose)s) in the catalogue") % {
            "purpose": request.purpose
        }
    if info.exclusion == "no_usage":
        return _("left out: no usage figure for this audience; add one to plan it")
    if info.exclusion:
        return _("left out: no figure for %(what)s; add it in the catalogue to plan it") % {
            "what": info.exclusion_detail or _("its audience")
        }
    total = sum(s.size.value if s.size else 0 for s in built.segments)
    if result.reach < 0.5:
        return _(
            "not funded: at this budget the other channels add more people per euro or per hour "
            "(%(gain)s people for the next EUR 1,000 or hour a week here)"
        ) % {"gain": people(result.marginal)}
    others = [
        r.info.display_name or r.info.spec.name
        for r in ranked
        if r is not result and r.reach >= 0.5
    ][:2]
    text = _("reaches %(reach)s people (%(pct)s %% of the audience)") % {
        "reach": people(result.reach),
        "pct": pct(result.reach / total * 100 if total else 0),
    }
    if others:
        text += _("; adds %(new)s %% new reach on top of %(others)s") % {
            "new": pct(result.incremental / result.reach * 100),
            "others": " + ".join(others),
        }
    return text


def _sources(info: ChannelInfo) -> list[SourceRef]:
    seen: dict[tuple[str, int | None], None] = {}
    for figure in info.sources:
        if figure.source:
            seen.setdefault((figure.source, figure.year), None)
    return [SourceRef(source=source, year=year) for source, year in seen]


def _assumed(key: str, figure: Figure) -> str:
    """'CPM (EUR per 1,000 impressions) = 6 (no published TikTok CPM…)': the catalogue's
    name of the figure in the active language, never its key; the note is the catalogue's."""
    label = FigureKey(key).label if key in FigureKey.values else key
    value = number_format(figure.value, decimal_pos=None, force_grouping=True)
    text = _("%(figure)s = %(value)s") % {"figure": label, "value": value}
    note = figure.note.removeprefix("assumption: ")
    return f"{text} ({note})" if note else text


def _assumptions(info: ChannelInfo, built: Built, audience_names: Mapping[str, str]) -> list[str]:
    items = [_assumed(key, figure) for key, figure in info.assumptions]
    name = info.display_name or info.spec.name
    for segment in built.segments:
        usage = info.usage.get(segment.slug)
        if usage is not None and info.spec.platforms and segment.usage_note:
            items.append(f"{audience_names[segment.slug]}: {segment.usage_note}")
        if usage is not None and usage.affinity is None and info.spec.platforms:
            items.append(
                _("%(segment)s: no affinity index for %(channel)s, 100 assumed")
                % {"segment": audience_names[segment.slug], "channel": name}
            )
    return list(dict.fromkeys(items))


def reach_curve(
    built: Built, x: FloatArray, result: ChannelResult, request: PlanRequest
) -> list[CurvePoint]:
    """The channel's reach (all its vehicles, alone) as its resource grows, for the chart."""
    problem = built.problem
    paid = [v for v in result.info.vehicles if built.vehicle_kind[v] == MONEY]
    vehicles = paid or result.info.vehicles
    if not vehicles:
        return []
    limit = max(request.budget if paid else request.hours_per_week, 1.0)
    points = []
    for step in np.linspace(0, limit, CURVE_POINTS):
        alone = np.zeros_like(x)
        for v in result.info.vehicles:
            alone[v] = x[v]
        for v in vehicles:
            alone[v] = min(step, problem.upper[v])
        reach = float(
            (1 - np.prod(1 - vehicle_reach(problem, alone)[:, result.info.vehicles], axis=1))
            @ problem.sizes
        )
        points.append(CurvePoint(x=round(float(step), 2), reach=round(reach)))
    return points


def plan_result(
    built: Built, x: FloatArray, request: PlanRequest, names: Mapping[str, str] | None = None
) -> PlanResult:
    """The plan the CLI, the API, the page and ``SavedPlan`` share (``PlanResult.to_json``).

    ``names`` gives display names by slug in the active language (English otherwise).
    """
    if names:
        for info in built.channels:
            info.display_name = names.get(info.spec.slug) or info.spec.name
    results = _channel_results(built, x)
    recommended = sorted((r for r in results if r.reach >= 0.5), key=lambda r: -r.reach)
    left_out = sorted(
        (r for r in results if r.reach < 0.5), key=lambda r: (bool(r.info.exclusion), -r.marginal)
    )
    ranked = recommended + left_out
    total_people = float(built.problem.sizes.sum())
    total = float(total_reach(built.problem, x)) if built.problem.n_vehicles else 0.0
    audience_names = {s.slug: (names or {}).get(s.slug) or s.name for s in built.segments}
    channels = [
        _channel_plan(
            result,
            rank,
            built=built,
            x=x,
            ranked=ranked,
            request=request,
            audience_names=audience_names,
        )
        for rank, result in enumerate(ranked, start=1)
    ]
    notes = [
        _("%(inner)s is part of %(outer)s and is counted once, within it")
        % {"inner": inner, "outer": outer}
        for inner, outer in built.dropped_segments
    ]
    objective_total = float(objective_value(built.problem, x)) if built.problem.n_vehicles else 0.0
    return PlanResult(
        audiences=[_audience(segment, audience_names[segment.slug]) for segment in built.segments],
        budget=round(float(request.budget), 2),
        weeks=request.weeks,
        hours_per_week=float(request.hours_per_week),
        objective=request.objective.value,
        purpose=request.purpose or None,
        year=None if request.year >= 9999 else request.year,
        total_reach=round(total),
        total_reach_pct=round(total / total_people * 100, 2) if total_people else 0.0,
        objective_value=round(objective_total),
        channels=channels,
        notes=notes,
        assumptions=sorted({a for channel in channels for a in channel.assumptions}),
    )


def _channel_plan(
    result: ChannelResult,
    rank: int,
    *,
    built: Built,
    x: FloatArray,
    ranked: list[ChannelResult],
    request: PlanRequest,
    audience_names: Mapping[str, str],
) -> ChannelPlan:
    total_people = float(built.problem.sizes.sum())
    reached = result.reach >= 0.5
    cptr = result.budget / result.reach * 1000 if result.budget > 0 and reached else None
    paid = any(built.vehicle_kind[v] == MONEY for v in result.info.vehicles)
    return ChannelPlan(
        channel=result.info.spec.slug,
        name=result.info.display_name or result.info.spec.name,
        recommended=reached,
        rank=rank,
        budget=round(result.budget, 2),
        hours_per_week=round(result.hours, 2),
        reach=round(result.reach),
        reach_pct=round(result.reach / total_people * 100, 2) if total_people else 0.0,
        incremental_reach=round(result.incremental),
        affinity=float(round(result.affinity)) if result.affinity is not None else None,
        frequency=round(result.impressions / result.reach, 2) if reached else 0.0,
        cost_per_thousand_reached=round(cptr, 2) if cptr is not None else None,
        reason=_reason(result, built, ranked, request),
        sources=_sources(result.info),
        assumptions=_assumptions(result.info, built, audience_names),
        curve=reach_curve(built, x, result, request),
        curve_unit="EUR" if paid else "hours/week",
    )


def _audience(segment: SegmentSpec, name: str) -> AudiencePlan:
    size = segment.size
    return AudiencePlan(
        slug=segment.slug,
        name=name,
        size=round(size.value) if size else None,
        source=size.source if size else None,
        year=size.year if size else None,
        note=size.note if size else "",
        usage_note=segment.usage_note,
    )
