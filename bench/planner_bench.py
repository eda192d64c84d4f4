"""Benchmark: one plan for 12 channels x 3 audiences, against scipy SLSQP in the same run.

    .venv/bin/python bench/planner_bench.py

Prints our CPU time (median of repeated runs) and the reach we find, then the same for
scipy.optimize.minimize(method="SLSQP") on the same objective and constraints, and the
ratios. The catalogue is the shipped one (data/audiences/), plus owned-audience figures for
Telegram, WhatsApp and the website that the dataset lacks; they are benchmark inputs only,
so that all 12 channels take part.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import replace

import numpy as np
from scipy.optimize import minimize

from quartieri.audiences.dataset import channel_specs, read_usage, segment_specs
from quartieri.audiences.specs import Figure
from quartieri.planner.build import PlanRequest, build
from quartieri.planner.model import HOURS, MONEY, Resources, allocate, total_reach

AUDIENCES = ("international-students", "residents-65-plus", "tourists")
BUDGET, HOURS_PER_WEEK, WEEKS = 30_000.0, 20.0, 8
# Benchmark-only inputs (not data): owned audiences for the three channels without one.
BENCH_OWNED = {"telegram": 20_000.0, "whatsapp": 50_000.0, "website": 400_000.0}
REPEATS = 15


def catalogue():
    channels = []
    for spec in channel_specs():
        if spec.slug in BENCH_OWNED:
            figures = dict(spec.figures) | {"owned_audience": Figure(BENCH_OWNED[spec.slug])}
            spec = replace(spec, figures=figures)
        channels.append(spec)
    return channels


def cpu(function, repeats: int = REPEATS) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.process_time()
        result = function()
        times.append(time.process_time() - start)
    return statistics.median(times), result


def ours(channels, segments, usage):
    request = PlanRequest(
        audiences=AUDIENCES, budget=BUDGET, hours_per_week=HOURS_PER_WEEK, weeks=WEEKS
    )
    built = build(request, segments=segments, channels=channels, usage=usage)
    return built, allocate(built.problem, Resources(BUDGET, HOURS_PER_WEEK))


def slsqp(problem):
    money = problem.resource == MONEY
    hours = problem.resource == HOURS
    scale = np.where(money, BUDGET, HOURS_PER_WEEK)  # optimise shares, well conditioned
    start = np.where(money, 1 / money.sum(), 1 / hours.sum())
    upper = np.minimum(problem.upper / scale, 1.0)
    norm = float(problem.sizes.sum())

    def negative_reach(shares):
        return -float(total_reach(problem, shares * scale)) / norm

    result = minimize(
        negative_reach,
        np.minimum(start, upper),
        method="SLSQP",
        bounds=list(zip(problem.lower / scale, upper, strict=True)),
        constraints=[
            {"type": "eq", "fun": lambda s: s[money].sum() - 1.0},
            {"type": "eq", "fun": lambda s: s[hours].sum() - 1.0},
        ],
        options={"maxiter": 500, "ftol": 1e-10},
    )
    return np.clip(result.x, 0, None) * scale


def main() -> None:
    channels, segments, usage = catalogue(), segment_specs(), read_usage()
    built, _ = ours(channels, segments, usage)
    active = {built.channels[c].spec.slug for c in built.vehicle_channel}
    assert len(active) == 12, active
    our_time, (_, x) = cpu(lambda: ours(channels, segments, usage))
    problem = built.problem
    base_time, y = cpu(lambda: slsqp(problem), repeats=5)
    our_reach = float(total_reach(problem, x))
    base_reach = float(total_reach(problem, y))
    people = float(problem.sizes.sum())
    print(
        f"plan: {len(active)} channels ({problem.n_vehicles} paid/owned vehicles) x {len(problem.sizes)} audiences, {people:,.0f} people"
    )
    print(f"budget EUR {BUDGET:,.0f}, {HOURS_PER_WEEK:g} h/week, {WEEKS} weeks")
    print(
        f"quartieri greedy+exchange: {our_time * 1000:7.1f} ms CPU (median of {REPEATS}, incl. building the problem), reach {our_reach:,.0f}"
    )
    print(
        f"scipy SLSQP baseline:      {base_time * 1000:7.1f} ms CPU (median of 5), reach {base_reach:,.0f}"
    )
    print(f"speed-up {base_time / our_time:.1f}x; reach ours/SLSQP = {our_reach / base_reach:.4f}")
    print(
        f"money spent: ours {x[problem.resource == MONEY].sum():,.0f}, SLSQP {y[problem.resource == MONEY].sum():,.0f}"
    )
    print("under 100 ms: " + ("yes" if our_time < 0.1 else "NO"))


if __name__ == "__main__":
    main()
