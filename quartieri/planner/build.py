"""From the catalogue (channels, segments, usage figures) to the optimiser's arrays.

Plain Python, no Django: the audiences app turns its database rows into frozen dataclasses
(``audiences.specs``: the planner stands on the catalogue, not the other way round), so the same code runs in the web page, the CLI, the tests and the benchmark.
Every number that enters the model is a ``Figure`` with its source and year, or an
assumption (a figure without a source), and travels to the output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from quartieri.audiences.specs import ChannelSpec, Figure, SegmentSpec, UsageRow
from quartieri.planner.model import HOURS, MONEY, Objective, Problem

LATEST = 9999


@dataclass(frozen=True)
class PlanRequest:
    audiences: tuple[str, ...]
    budget: float = 10_000.0
    weeks: int = 8
    hours_per_week: float = 10.0
    objective: Objective = Objective.REACH
    channels: tuple[str, ...] = ()
    year: int = LATEST
    purpose: str = ""
    min_frequency: int = 3
    min_budget: Mapping[str, float] = field(default_factory=dict)
    max_budget: Mapping[str, float] = field(default_factory=dict)


class PlanInputError(ValueError):
    """A bad input, with a one-line message naming the bad value."""


@dataclass
class Usage:
    """Penetration of one platform in one segment, with where it came from."""

    share: float
    affinity: float | None
    sources: list[Figure]
    notes: list[str]
    band_label: str
    method: str  # direct | transfer | all-ages | catalogue


@dataclass
class ChannelInfo:
    """What the explanation needs about one channel, beside its numbers."""

    spec: ChannelSpec
    display_name: str = ""
    vehicles: list[int] = field(default_factory=list)
    usage: dict[str, Usage] = field(default_factory=dict)  # by segment slug
    exclusion: str = ""  # a code: not_selected, purpose, no_usage, no_vehicle
    exclusion_detail: str = ""
    # Figures without a source, by catalogue key (the explanation names them for people).
    assumptions: list[tuple[str, Figure]] = field(default_factory=list)
    sources: list[Figure] = field(default_factory=list)


@dataclass
class Built:
    problem: Problem
    segments: list[SegmentSpec]
    channels: list[ChannelInfo]
    vehicle_channel: list[int]
    vehicle_kind: list[int]
    vehicle_impressions_per_unit: list[float]  # absolute on-target impressions per unit
    dropped_segments: list[tuple[str, str]]
    notes: list[str]


def _closest(rows: Iterable[UsageRow], year: int) -> UsageRow | None:
    """The row nearest to ``year``, preferring figures of that year or earlier."""
    ordered = sorted(rows, key=lambda row: (row.year > year, abs(row.year - year), row.source))
    return ordered[0] if ordered else None


def _rows(
    usage: Sequence[UsageRow], *, country: str, platforms: Sequence[str], band: str
) -> list[UsageRow]:
    return [
        row
        for row in usage
        if row.country == country and row.platform in platforms and row.age_band == band
    ]


_ALL_BANDS = ("all", "18+")
# Equivalent bands when borrowing another country's age profile.
_BAND_EQUIVALENTS = {"14-29": ("14-29", "18-29", "16-29"), "65+": ("65+",)}


def _affinity_pair(
    usage: Sequence[UsageRow], *, country: str, platforms: Sequence[str], band: str, year: int
) -> tuple[UsageRow, UsageRow] | None:
    """A (band, all-ages) pair from the same publisher and year, nearest to ``year``."""
    pairs = []
    for row in _rows(usage, country=country, platforms=platforms, band=band):
        for ref_band in _ALL_BANDS:
            for ref in _rows(usage, country=country, platforms=[row.platform], band=ref_band):
                if ref.year == row.year and ref.publisher == row.publisher:
                    pairs.append((row, ref))
    if not pairs:
        return None
    return sorted(pairs, key=lambda p: (p[0].year > year, abs(p[0].year - year)))[0]


def _fig(row: UsageRow) -> Figure:
    note = "" if row.verified == "yes" else f"value {row.verified}"
    return Figure(row.value_pct, row.source, row.year, note)


def band_usage(
    usage: Sequence[UsageRow],
    *,
    country: str,
    fallback: str,
    platforms: Sequence[str],
    band: str,
    year: int,
) -> Usage | None:
    """Share of an age band using a platform, with the affinity index where it can be computed.

    1. The country's own figure for the band (nearest year), affinity from a same-publisher
       same-year pair (band / all ages x 100).
    2. No figure for the band: the country's all-ages figure times the fallback country's
       age affinity for that band ("transfer"), said in the notes.
    3. The band is "all": the all-ages figure, affinity 100 by definition.
    """
    if band in _ALL_BANDS:
        row = _closest(
            [
                r
                for b in _ALL_BANDS
                for r in _rows(usage, country=country, platforms=platforms, band=b)
            ],
            year,
        )
        if row is None:
            return None
        return Usage(row.value_pct / 100, None, [_fig(row)], [], "all", "all-ages")
    direct = _closest(_rows(usage, country=country, platforms=platforms, band=band), year)
    if direct is not None:
        pair = _affinity_pair(usage, country=country, platforms=platforms, band=band, year=year)
        if pair is None:
            return Usage(direct.value_pct / 100, None, [_fig(direct)], [], band, "direct")
        affinity = pair[0].value_pct / pair[1].value_pct * 100
        sources = [_fig(direct)] + [_fig(r) for r in pair if r != direct]
        usage_out = Usage(direct.value_pct / 100, affinity, sources, [], band, "direct")
        usage_out.sources = list(dict.fromkeys(sources))
        usage_out.notes.append(
            f"affinity:{pair[0].value_pct:g}:{pair[1].value_pct:g}:{pair[0].year}"
        )
        return usage_out
    if not fallback:
        return None
    base = band_usage(
        usage, country=country, fallback="", platforms=platforms, band="all", year=year
    )
    for equivalent in _BAND_EQUIVALENTS.get(band, (band,)):
        pair = _affinity_pair(
            usage, country=fallback, platforms=platforms, band=equivalent, year=year
        )
        if base is not None and pair is not None:
            affinity = pair[0].value_pct / pair[1].value_pct * 100
            share = min(1.0, base.share * affinity / 100)
            note = f"transfer:{fallback}:{pair[0].age_band}:{pair[0].year}"
            sources = [*base.sources, _fig(pair[0]), _fig(pair[1])]
            return Usage(share, affinity, sources, [note], band, "transfer")
    return None


def segment_usage(
    usage: Sequence[UsageRow], segment: SegmentSpec, platforms: Sequence[str], year: int
) -> Usage | None:
    """Penetration for the segment's age make-up (a weighted mix of bands)."""
    parts = []
    for band, weight in segment.age_bands:
        found = band_usage(
            usage,
            country=segment.usage_country,
            fallback=segment.usage_fallback,
            platforms=platforms,
            band=band,
            year=year,
        )
        if found is None:
            return None
        parts.append((found, weight))
    total_weight = sum(weight for _, weight in parts) or 1.0
    share = sum(part.share * weight for part, weight in parts) / total_weight
    affinities = [part.affinity for part, _ in parts]
    affinity = (
        sum(a * w for a, (_, w) in zip(affinities, parts, strict=True) if a is not None)
        / total_weight
        if all(a is not None for a in affinities)
        else None
    )
    if (
        affinity is None
        and not segment.base_slug
        and all(b in _ALL_BANDS for b, _ in segment.age_bands)
    ):
        affinity = 100.0  # the segment is the whole population: affinity 100 by definition
    if len(parts) == 1:
        only = parts[0][0]
        if only.affinity is None and affinity is not None:
            return Usage(share, affinity, only.sources, only.notes, only.band_label, only.method)
        return Usage(share, only.affinity, only.sources, only.notes, only.band_label, only.method)
    sources = [s for part, _ in parts for s in part.sources]
    notes = [n for part, _ in parts for n in part.notes]
    label = "+".join(part.band_label for part, _ in parts)
    return Usage(share, affinity, sources, notes, label, "mix")


def _value(spec: ChannelSpec, key: str) -> float | None:
    figure = spec.figure(key)
    return None if figure is None else figure.value


def _check_request(
    request: PlanRequest, segments: Mapping[str, SegmentSpec], channels: Mapping[str, ChannelSpec]
) -> None:
    if not request.audiences:
        raise PlanInputError("at least one audience is needed")
    for slug in request.audiences:
        if slug not in segments:
            raise PlanInputError(f"unknown audience: {slug}")
        if segments[slug].size is None or (segments[slug].size or Figure(0)).value <= 0:
            raise PlanInputError(
                f"audience {slug} has no size figure yet; add one in the catalogue"
            )
    for slug in request.channels:
        if slug not in channels:
            raise PlanInputError(f"unknown channel: {slug}")
    if not np.isfinite(request.budget) or request.budget < 0:
        raise PlanInputError(f"budget must be zero or more, not {request.budget:g}")
    if request.weeks < 1:
        raise PlanInputError(f"weeks must be 1 or more, not {request.weeks}")
    if not np.isfinite(request.hours_per_week) or request.hours_per_week < 0:
        raise PlanInputError(f"hours per week must be zero or more, not {request.hours_per_week:g}")
    if request.min_frequency < 1:
        raise PlanInputError(f"minimum frequency must be 1 or more, not {request.min_frequency}")


def _target_segments(
    request: PlanRequest, segments: Mapping[str, SegmentSpec]
) -> tuple[list[SegmentSpec], list[tuple[str, str]]]:
    """The chosen segments, dropping one that is contained in another chosen one."""
    chosen = list(dict.fromkeys(request.audiences))
    kept, dropped = [], []
    for slug in chosen:
        parent = segments[slug].contained_in
        ancestors = set()
        while parent and parent in segments and parent not in ancestors:
            ancestors.add(parent)
            parent = segments[parent].contained_in
        container = next((a for a in ancestors if a in chosen), "")
        if container:
            dropped.append((slug, container))
        else:
            kept.append(segments[slug])
    return kept, dropped


def _segment_size(segment: SegmentSpec) -> float:
    return segment.size.value if segment.size is not None else 0.0


@dataclass
class _Columns:
    reachable: list[list[float]] = field(default_factory=list)
    per_unit: list[list[float]] = field(default_factory=list)
    resource: list[int] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    clicks: list[float] = field(default_factory=list)
    channel: list[int] = field(default_factory=list)
    absolute: list[float] = field(default_factory=list)


def build(
    request: PlanRequest,
    *,
    segments: Mapping[str, SegmentSpec],
    channels: Sequence[ChannelSpec],
    usage: Sequence[UsageRow],
    overlap: Mapping[tuple[str, str], float] | None = None,
) -> Built:
    """Turn a plan request and the catalogue into a Problem; raises PlanInputError."""
    by_slug = {c.slug: c for c in channels}
    _check_request(request, segments, by_slug)
    targets, dropped = _target_segments(request, segments)
    sizes = np.array([_segment_size(s) for s in targets], dtype=np.float64)
    bases = {s.base_slug or s.slug for s in targets}
    cols = _Columns()
    infos: list[ChannelInfo] = []
    for index, spec in enumerate(channels):
        info = ChannelInfo(spec=spec)
        infos.append(info)
        if request.channels and spec.slug not in request.channels:
            info.exclusion = "not_selected"
            continue
        if request.purpose and request.purpose not in spec.purposes:
            info.exclusion = "purpose"
            continue
        _add_vehicles(request, spec, info, index, targets, segments, usage, len(bases), cols)
    vehicle_slugs = [channels[c].slug for c in cols.channel]
    matrix = None
    if overlap:
        matrix = np.array(
            [
                [
                    overlap.get((a, b), overlap.get((b, a), 0.0)) if a != b else 0.0
                    for b in vehicle_slugs
                ]
                for a in vehicle_slugs
            ],
            dtype=np.float64,
        ).reshape(len(vehicle_slugs), len(vehicle_slugs))
    n = len(cols.resource)
    problem = Problem(
        sizes=sizes,
        reachable=np.array(cols.reachable, dtype=np.float64).T.reshape(len(targets), n),
        impressions_per_unit=np.array(cols.per_unit, dtype=np.float64).T.reshape(len(targets), n),
        resource=np.array(cols.resource, dtype=np.int64),
        lower=np.array(cols.lower, dtype=np.float64),
        upper=np.array(cols.upper, dtype=np.float64),
        click_rate=np.array(cols.clicks, dtype=np.float64),
        objective=request.objective,
        min_frequency=request.min_frequency,
        overlap=matrix,
    )
    return Built(
        problem=problem,
        segments=targets,
        channels=infos,
        vehicle_channel=cols.channel,
        vehicle_kind=cols.resource,
        vehicle_impressions_per_unit=cols.absolute,
        dropped_segments=dropped,
        notes=[],
    )


def _add_vehicles(
    request: PlanRequest,
    spec: ChannelSpec,
    info: ChannelInfo,
    index: int,
    targets: Sequence[SegmentSpec],
    segments: Mapping[str, SegmentSpec],
    usage: Sequence[UsageRow],
    n_bases: int,
    cols: _Columns,
) -> None:
    penetration: list[float] = []
    affinity: list[float] = []
    for segment in targets:
        found = _penetration(spec, segment, usage, request.year, info)
        penetration.append(found.share if found else 0.0)
        affinity.append(found.affinity if found and found.affinity is not None else 100.0)
        if found is not None:
            info.usage[segment.slug] = found
            info.sources.extend(found.sources)
    if not any(penetration) and spec.platforms:
        info.exclusion = "no_usage"
        return
    share_of_base = [
        _segment_size(s) / _segment_size(segments.get(s.base_slug, s))
        if s.base_slug in segments
        else 1.0
        for s in targets
    ]
    # On-target share of an untargeted buy in the base population: segment share x affinity.
    on_target = [
        min(1.0, share * aff / 100) / n_bases
        for share, aff in zip(share_of_base, affinity, strict=True)
    ]
    if spec.paid:
        _add_paid(request, spec, info, index, targets, penetration, on_target, cols)
    if spec.owned:
        _add_owned(request, spec, info, index, targets, penetration, share_of_base, affinity, cols)
    if not info.vehicles:
        info.exclusion = info.exclusion or "no_vehicle"


def _penetration(
    spec: ChannelSpec, segment: SegmentSpec, usage: Sequence[UsageRow], year: int, info: ChannelInfo
) -> Usage | None:
    if spec.platforms:
        return segment_usage(usage, segment, spec.platforms, year)
    figure = spec.figure("reach_share")
    if figure is None:
        return Usage(1.0, None, [], [], "", "catalogue")
    _note(info, figure, "reach_share")
    return Usage(figure.value, None, [figure] if not figure.assumption else [], [], "", "catalogue")


def _note(info: ChannelInfo, figure: Figure, key: str) -> None:
    """Record a figure as a source, or as an assumption when it has none."""
    if figure.assumption:
        if (key, figure) not in info.assumptions:
            info.assumptions.append((key, figure))
    elif figure not in info.sources:
        info.sources.append(figure)


def _add_paid(
    request: PlanRequest,
    spec: ChannelSpec,
    info: ChannelInfo,
    index: int,
    targets: Sequence[SegmentSpec],
    penetration: Sequence[float],
    on_target: Sequence[float],
    cols: _Columns,
) -> None:
    upper = np.inf
    if spec.cost_model == "unit":
        cost, per_week = spec.figure("unit_cost_eur"), spec.figure("unit_impressions_per_week")
        if cost is None or per_week is None or cost.value <= 0:
            info.exclusion_detail = "unit_cost_eur / unit_impressions_per_week"
            return
        _note(info, cost, "unit_cost_eur")
        _note(info, per_week, "unit_impressions_per_week")
        per_eur = per_week.value * request.weeks / cost.value
        units = spec.figure("unit_max")
        if units is not None:
            _note(info, units, "unit_max")
            upper = units.value * cost.value
    else:
        cpm = spec.figure("cpm_eur")
        if cpm is None or cpm.value <= 0:
            info.exclusion_detail = "cpm_eur"
            return
        _note(info, cpm, "cpm_eur")
        per_eur = 1000 / cpm.value
    lower = request.min_budget.get(spec.slug, _value(spec, "min_budget") or 0.0)
    upper = min(upper, request.max_budget.get(spec.slug, _value(spec, "max_budget") or np.inf))
    sizes = [_segment_size(s) for s in targets]
    cols.reachable.append(list(penetration))
    cols.per_unit.append([per_eur * t / n for t, n in zip(on_target, sizes, strict=True)])
    cols.absolute.append(per_eur * sum(on_target))
    _close_vehicle(spec, info, index, MONEY, lower, upper, cols)


def _add_owned(
    request: PlanRequest,
    spec: ChannelSpec,
    info: ChannelInfo,
    index: int,
    targets: Sequence[SegmentSpec],
    penetration: Sequence[float],
    share_of_base: Sequence[float],
    affinity: Sequence[float],
    cols: _Columns,
) -> None:
    audience, audience_share = spec.figure("owned_audience"), spec.figure("owned_share")
    rate, hours = spec.figure("item_reach_rate"), spec.figure("hours_per_item")
    if (audience is None and audience_share is None) or rate is None or hours is None:
        info.exclusion_detail = "owned_audience"
        return
    for key in ("owned_audience", "owned_share", "item_reach_rate", "hours_per_item"):
        figure = spec.figure(key)
        if figure is not None:
            _note(info, figure, key)
    reachable, per_unit = [], []
    for segment, pen, share, aff in zip(targets, penetration, share_of_base, affinity, strict=True):
        size = _segment_size(segment)
        if (segment.base_slug or segment.slug) not in spec.owned_bases:
            reachable.append(0.0)
            per_unit.append(0.0)
            continue
        if audience is not None:
            in_target = audience.value * min(1.0, share * aff / 100)
        else:
            in_target = (audience_share.value if audience_share else 0.0) * size
        cap = size * (pen if spec.platforms else 1.0)
        in_target = min(in_target, cap)
        reachable.append(in_target / size)
        # One hour a week for the whole campaign makes weeks/hours_per_item items.
        per_unit.append(rate.value * in_target / hours.value * request.weeks / size)
    if not any(reachable):
        info.exclusion_detail = "owned_bases"
        return
    max_items = spec.figure("max_items_per_week")
    upper = np.inf
    if max_items is not None:
        _note(info, max_items, "max_items_per_week")
        upper = max_items.value * hours.value
    cols.reachable.append(reachable)
    cols.per_unit.append(per_unit)
    cols.absolute.append(sum(p * _segment_size(s) for p, s in zip(per_unit, targets, strict=True)))
    _close_vehicle(spec, info, index, HOURS, 0.0, upper, cols)


def _close_vehicle(
    spec: ChannelSpec,
    info: ChannelInfo,
    index: int,
    kind: int,
    lower: float,
    upper: float,
    cols: _Columns,
) -> None:
    ctr = spec.figure("click_rate")
    if ctr is not None:
        _note(info, ctr, "click_rate")
    cols.clicks.append(ctr.value if ctr is not None else 0.0)
    cols.resource.append(kind)
    cols.lower.append(lower)
    cols.upper.append(upper)
    cols.channel.append(index)
    info.vehicles.append(len(cols.resource) - 1)
