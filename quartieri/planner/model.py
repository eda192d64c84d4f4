"""The planner's maths: reach curves, de-duplication and budget allocation.

Plain Python and numpy, no Django, so it is fast and testable on its own
(docs/planner.md explains every choice).

Vocabulary
- A *segment* s is a target group of N_s people (audiences are disjoint segments).
- A *vehicle* v is one way of using a channel: paid (spends euros) or owned (spends
  production hours per week). A channel has one or two vehicles.
- ``reachable[s, v]`` is the share of segment s that vehicle v can reach at all (its users
  in the segment, or the owned audience in the segment), 0-1.
- ``impressions_per_unit[s, v]`` is the number of on-target impressions one unit of the
  vehicle's resource (1 EUR or 1 hour per week) delivers, divided by N_s.

Reach of one vehicle follows Goerg's one-parameter curve (Goerg 2014), in shares:
    r(i) = a * i / (i + a),   a = reachable share, i = impressions / N
which starts with slope 1 (every early impression reaches someone new) and saturates at a.
Across vehicles reach is de-duplicated with Sainsbury's independence formula
    R = 1 - prod_v (1 - r_v)
or, when an overlap matrix is given, the WFA pairwise-union formula.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

MONEY = 0
HOURS = 1


class Objective(StrEnum):
    REACH = "reach"
    FREQUENCY = "frequency"
    TRAFFIC = "traffic"


@dataclass(frozen=True)
class Problem:
    """Everything the optimiser needs, as arrays (S segments x V vehicles)."""

    sizes: FloatArray  # (S,) people per segment
    reachable: FloatArray  # (S, V) share of segment reachable by the vehicle
    impressions_per_unit: FloatArray  # (S, V) on-target impressions / N_s per unit
    resource: NDArray[np.int64]  # (V,) MONEY or HOURS
    lower: FloatArray  # (V,) minimum units
    upper: FloatArray  # (V,) maximum units (np.inf when unbounded)
    click_rate: FloatArray = field(default_factory=lambda: np.zeros(0))  # (V,) traffic
    objective: Objective = Objective.REACH
    min_frequency: int = 3  # k for the frequency objective
    overlap: FloatArray | None = None  # (V, V) pairwise overlap a_jk, or None (independence)

    @property
    def n_vehicles(self) -> int:
        return int(self.reachable.shape[1])


def goerg_reach(reachable: FloatArray, impressions: FloatArray) -> FloatArray:
    """Reach share a*i/(i+a); zero where nothing is reachable or nothing is bought."""
    denominator = impressions + reachable
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, reachable * impressions / safe, 0.0)


def goerg_max_reach(impressions: float, reach: float) -> float:
    """Goerg's rho from one observed point (I0, R0): rho = I0*R0/(I0 - R0)."""
    if impressions <= reach:
        raise ValueError("one data point needs more impressions than people reached")
    return impressions * reach / (impressions - reach)


def sainsbury(shares: FloatArray) -> FloatArray:
    """De-duplicated reach share under independence, over the last axis."""
    return 1.0 - np.prod(1.0 - shares, axis=-1)


def pairwise_union(shares: FloatArray, reachable: FloatArray, overlap: FloatArray) -> FloatArray:
    """WFA pairwise-union reach: sum r - 1/2 sum_jk a_jk r_j r_k / max(m_j, m_k).

    ``overlap`` a_jk >= 0 with a zero diagonal; the result is clipped to [max r, sum r, 1].
    """
    m = np.maximum(reachable[..., :, None], reachable[..., None, :])
    m = np.where(m > 0, m, 1.0)
    pair = shares[..., :, None] * shares[..., None, :] / m
    union = shares.sum(axis=-1) - 0.5 * np.sum(overlap * pair, axis=(-2, -1))
    return np.clip(union, shares.max(axis=-1, initial=0.0), np.minimum(1.0, shares.sum(axis=-1)))


def vehicle_reach(problem: Problem, allocation: FloatArray) -> FloatArray:
    """Reach share of each vehicle in each segment; allocation (..., V) -> (..., S, V)."""
    impressions = problem.impressions_per_unit * allocation[..., None, :]
    return goerg_reach(problem.reachable, impressions)


def at_least_k(problem: Problem, allocation: FloatArray, k: int) -> FloatArray:
    """Share of each segment exposed k or more times, summing exposures across vehicles.

    Under Goerg's model one vehicle's exposures follow P(X >= j) = a*q^j with
    q = i/(i + a); vehicles are independent, so the totals are a convolution.
    """
    a = problem.reachable
    i = problem.impressions_per_unit * allocation[..., None, :]
    q = np.where(i + a > 0, i / np.where(i + a > 0, i + a, 1.0), 0.0)
    j = np.arange(k)
    # P(X = j) for j < k, shape (..., S, V, k)
    tail = a[..., None] * q[..., None] ** j
    pmf = tail * (1.0 - q[..., None])
    pmf[..., 0] = 1.0 - a * q
    total = np.zeros((*q.shape[:-1], k))
    total[..., 0] = 1.0
    for v in range(q.shape[-1]):
        step = pmf[..., v, :]
        mixed = np.zeros_like(total)
        for m in range(k):
            mixed[..., m:] += total[..., : k - m] * step[..., m : m + 1]
        total = mixed
    # Never above 1 (the probabilities summed are >= 0), but rounding can take it below 0.
    result: FloatArray = np.maximum(1.0 - total.sum(axis=-1), 0.0)
    return result


def reach_shares(problem: Problem, allocation: FloatArray) -> FloatArray:
    """De-duplicated reach share per segment; allocation (..., V) -> (..., S)."""
    shares = vehicle_reach(problem, allocation)
    if problem.overlap is not None:
        return pairwise_union(
            shares, np.broadcast_to(problem.reachable, shares.shape), problem.overlap
        )
    result: FloatArray = sainsbury(shares)
    return result


def total_reach(problem: Problem, allocation: FloatArray) -> FloatArray:
    """People reached at least once (de-duplicated), summed over segments."""
    result: FloatArray = reach_shares(problem, allocation) @ problem.sizes
    return result


def objective_value(problem: Problem, allocation: FloatArray) -> FloatArray:
    """The quantity the optimiser maximises, for one allocation (V,) or a batch (C, V)."""
    if problem.objective is Objective.FREQUENCY:
        shares = at_least_k(problem, allocation, problem.min_frequency)
    elif problem.objective is Objective.TRAFFIC:
        # A person reached by a vehicle visits with that vehicle's click rate.
        shares = sainsbury(vehicle_reach(problem, allocation) * problem.click_rate)
    else:
        shares = reach_shares(problem, allocation)
    result: FloatArray = shares @ problem.sizes
    return result


@dataclass(frozen=True)
class Resources:
    money: float
    hours: float

    def of(self, kind: int) -> float:
        return self.money if kind == MONEY else self.hours


def feasible_start(problem: Problem, resources: Resources) -> FloatArray:
    """Every vehicle at its minimum; raises ValueError when the minimums exceed a resource."""
    start = problem.lower.astype(np.float64).copy()
    for kind in (MONEY, HOURS):
        mask = problem.resource == kind
        if start[mask].sum() > resources.of(kind) + 1e-9:
            raise ValueError("the channel minimums exceed the budget or the hours available")
    return start


class _Step(NamedTuple):
    vehicle: int
    units: float
    value: float  # the objective once ``units`` more go to ``vehicle``


def _best_step(
    problem: Problem, allocation: FloatArray, mask: NDArray[np.bool_], step: float
) -> _Step | None:
    """The vehicle among ``mask`` where ``step`` more units add the most; None when every
    vehicle of ``mask`` is at its maximum."""
    room = np.minimum(problem.upper - allocation, step)
    candidates = np.flatnonzero(mask & (room > 1e-12))
    if candidates.size == 0:
        return None
    batch = np.repeat(allocation[None, :], candidates.size, axis=0)
    batch[np.arange(candidates.size), candidates] += room[candidates]
    values = objective_value(problem, batch)
    best = int(np.argmax(values))
    return _Step(int(candidates[best]), float(room[candidates[best]]), float(values[best]))


def _greedy(
    problem: Problem, allocation: FloatArray, kind: int, amount: float, steps: int
) -> FloatArray:
    """Marginal analysis: hand out ``amount`` in equal steps, each where it adds most."""
    mask = problem.resource == kind
    left = amount
    step = amount / steps
    current = float(objective_value(problem, allocation))
    while left > 1e-9 * max(amount, 1.0):
        best = _best_step(problem, allocation, mask, min(step, left))
        if best is None or best.value <= current:
            break
        allocation[best.vehicle] += best.units
        current = best.value
        left -= best.units
    return allocation


def _exchange(problem: Problem, allocation: FloatArray, kind: int, step: float) -> bool:
    """Move ``step`` units from the vehicle where they add least to where they add most,
    if that raises the objective; False when no such move is left."""
    mask = problem.resource == kind
    funded = np.flatnonzero(mask & (allocation - problem.lower >= step))
    if funded.size == 0:
        return False
    batch = np.repeat(allocation[None, :], funded.size, axis=0)
    batch[np.arange(funded.size), funded] -= step
    donor = int(funded[int(np.argmax(objective_value(problem, batch)))])
    reduced = allocation.copy()
    reduced[donor] -= step
    others = mask & (np.arange(mask.size) != donor)
    best = _best_step(problem, reduced, others, step)
    # A receiver with less room than ``step`` would leave part of the budget unspent.
    if best is None or best.units < step:
        return False
    current = float(objective_value(problem, allocation))
    if best.value <= current * (1 + 1e-12) + 1e-9:
        return False
    allocation[donor] -= step
    allocation[best.vehicle] += step
    return True


def allocate(
    problem: Problem, resources: Resources, *, steps: int = 50, refine_levels: int = 10
) -> FloatArray:
    """Allocate money and hours where they add most to the objective.

    1. Start every vehicle at its minimum.
    2. Greedy marginal analysis: give the rest in ``steps`` equal increments, each to the
       vehicle with the largest marginal gain per unit (de-duplicated against the mix so far).
    3. Refine by exchange: move a shrinking quantum from the vehicle where it adds least to
       the one where it adds most, until no move helps (equal marginal returns, the
       optimality condition of a concave allocation).
    """
    allocation = feasible_start(problem, resources)
    for kind in (MONEY, HOURS):
        # Nothing left to give, or no vehicle to give it to: _greedy hands out nothing.
        amount = resources.of(kind) - float(allocation[problem.resource == kind].sum())
        allocation = _greedy(problem, allocation, kind, amount, steps)
    for kind in (MONEY, HOURS):
        total = resources.of(kind)
        # Large moves first: with the frequency objective (S-shaped curves) greedy steps
        # can stall below the point where a channel starts paying off. A resource of zero
        # (or without vehicles) makes no move.
        quantum = total / 2
        while quantum > total / (steps * 2**refine_levels):
            quantum /= 2
            # A bound on the moves per quantum, so a flat ridge cannot make it slow.
            for _ in range(4 * problem.n_vehicles):
                if not _exchange(problem, allocation, kind, quantum):
                    break
    return allocation
