"""Ordering stops and computing walking legs: pure functions, no Django.

Order optimisation is an open-path travelling-salesman problem: visit every stop once,
optionally starting and/or ending at fixed points (transport stops). Up to
``EXACT_LIMIT`` free stops it is solved exactly by Held–Karp dynamic programming
(O(2^n n^2)); above, by multi-start nearest neighbour improved with 2-opt and Or-opt
moves until no move shortens the path.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from quartieri.places.geo import haversine_m

EXACT_LIMIT = 10
# Walking on streets is longer than the straight line. 1.3 is an ASSUMPTION, not a measured
# Milan value: on a perfect square street grid the mean ratio of walked (L1) to straight (L2)
# distance over uniformly random bearings is 4/pi = 1.27; we round up to 1.3.
DETOUR_FACTOR = 1.3
# 4.5 km/h (1.25 m/s): an ASSUMPTION for a leisurely guided walk, between the 1.2 m/s the
# US Highway Capacity Manual uses for crossing design and typical adult speeds of 1.3-1.4 m/s.
WALKING_SPEED_M_PER_MIN = 4500 / 60

Matrix = Sequence[Sequence[float]]


@dataclass(frozen=True)
class Ordering:
    order: list[int]
    length_m: float
    exact: bool
    method: str


def path_length(order: Sequence[int], dist: Matrix) -> float:
    return sum(dist[a][b] for a, b in itertools.pairwise(order))


def great_circle_matrix(
    points: Sequence[tuple[float, float]], *, factor: float = 1.0
) -> list[list[float]]:
    """Distance matrix in metres from (lon, lat) points, times ``factor``."""
    n = len(points)
    out = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            d = haversine_m(points[i][0], points[i][1], points[j][0], points[j][1]) * factor
            out[i][j] = out[j][i] = d
    return out


def walking_minutes(
    distance_m: float, *, speed_m_per_min: float = WALKING_SPEED_M_PER_MIN
) -> float:
    return distance_m / speed_m_per_min


def _held_karp(
    free: list[int], dist: Matrix, start: int | None, end: int | None
) -> tuple[list[int], float]:
    n = len(free)
    if n == 0:
        order = [p for p in (start, end) if p is not None]
        return order, path_length(order, dist)
    full = (1 << n) - 1
    inf = math.inf
    # cost[mask][j]: shortest path from start (or anywhere) through the set mask ending at free[j]
    cost = [[inf] * n for _ in range(1 << n)]
    parent = [[-1] * n for _ in range(1 << n)]
    for j in range(n):
        cost[1 << j][j] = dist[start][free[j]] if start is not None else 0.0
    for mask in range(1, 1 << n):
        row = cost[mask]
        for j in range(n):
            cj = row[j]
            if cj == inf or not (mask >> j) & 1:
                continue
            dj = dist[free[j]]
            for k in range(n):
                if (mask >> k) & 1:
                    continue
                nmask = mask | (1 << k)
                c = cj + dj[free[k]]
                if c < cost[nmask][k]:
                    cost[nmask][k] = c
                    parent[nmask][k] = j
    best, last = inf, -1
    for j in range(n):
        c = cost[full][j] + (dist[free[j]][end] if end is not None else 0.0)
        if c < best:
            best, last = c, j
    seq: list[int] = []
    mask = full
    while last != -1:
        seq.append(free[last])
        prev = parent[mask][last]
        mask &= ~(1 << last)
        last = prev
    seq.reverse()
    order = ([start] if start is not None else []) + seq + ([end] if end is not None else [])
    return order, best


def _two_opt(order: list[int], dist: Matrix, lo: int, hi: int) -> bool:
    """Reverse segments inside order[lo:hi]; True when it improved."""
    improved = False
    n = len(order)
    for i in range(lo, hi - 1):
        for j in range(i + 1, hi):
            a_prev = order[i - 1] if i > 0 else None
            b_next = order[j + 1] if j + 1 < n else None
            before = (dist[a_prev][order[i]] if a_prev is not None else 0.0) + (
                dist[order[j]][b_next] if b_next is not None else 0.0
            )
            after = (dist[a_prev][order[j]] if a_prev is not None else 0.0) + (
                dist[order[i]][b_next] if b_next is not None else 0.0
            )
            if after < before - 1e-9:
                order[i : j + 1] = reversed(order[i : j + 1])
                improved = True
    return improved


def _or_opt(order: list[int], dist: Matrix, lo: int, hi: int) -> bool:
    """Move runs of 1-3 stops to a better place inside order[lo:hi]; True when improved."""
    for size in (1, 2, 3):
        for i in range(lo, hi - size + 1):
            base = path_length(order, dist)
            segment = order[i : i + size]
            rest = order[:i] + order[i + size :]
            for pos in range(lo, hi - size + 1):
                if pos == i:
                    continue
                for seg in (segment, segment[::-1]):
                    candidate = rest[:pos] + seg + rest[pos:]
                    if path_length(candidate, dist) < base - 1e-9:
                        order[:] = candidate
                        return True
    return False


def improve(order: list[int], dist: Matrix, *, fixed_start: bool, fixed_end: bool) -> list[int]:
    order = list(order)
    lo = 1 if fixed_start else 0
    hi = len(order) - 1 if fixed_end else len(order)
    while _two_opt(order, dist, lo, hi) or _or_opt(order, dist, lo, hi):
        pass
    return order


def _nearest_neighbour(first: int, free: set[int], dist: Matrix) -> list[int]:
    seq = [first]
    left = set(free) - {first}
    while left:
        here = seq[-1]
        nxt = min(left, key=lambda k: (dist[here][k], k))
        seq.append(nxt)
        left.remove(nxt)
    return seq


def _heuristic(
    free: list[int], dist: Matrix, start: int | None, end: int | None
) -> tuple[list[int], float]:
    best: list[int] = []
    best_len = math.inf
    firsts: list[int | None] = [start] if start is not None else list(free)
    for first in firsts:
        if first is None:
            continue
        pool = set(free) | ({first} if start is not None else set())
        seq = _nearest_neighbour(first, pool, dist)
        if end is not None:
            seq.append(end)
        seq = improve(seq, dist, fixed_start=start is not None, fixed_end=end is not None)
        length = path_length(seq, dist)
        if length < best_len - 1e-9:
            best, best_len = seq, length
    return best, best_len


def optimise_order(
    dist: Matrix,
    *,
    start: int | None = None,
    end: int | None = None,
    exact_limit: int = EXACT_LIMIT,
) -> Ordering:
    """Shortest open walk over every index of ``dist``, with optional fixed ends."""
    n = len(dist)
    free = [i for i in range(n) if i not in (start, end)]
    if len(free) <= exact_limit:
        order, length = _held_karp(free, dist, start, end)
        return Ordering(order, length, exact=True, method="held-karp")
    order, length = _heuristic(free, dist, start, end)
    return Ordering(order, length, exact=False, method="nearest-neighbour+2-opt+or-opt")


def brute_force(dist: Matrix, *, start: int | None = None, end: int | None = None) -> float:
    """Reference optimum by enumeration (tests only; n <= 8)."""
    free = [i for i in range(len(dist)) if i not in (start, end)]
    best = math.inf
    for perm in itertools.permutations(free):
        order = ([start] if start is not None else []) + list(perm)
        order += [end] if end is not None else []
        best = min(best, path_length(order, dist))
    return best


@dataclass(frozen=True)
class Leg:
    from_index: int
    to_index: int
    distance_m: float
    minutes: float
    step_free: bool | None
    path: list[tuple[float, float]]


LegFinder = Callable[
    [tuple[float, float], tuple[float, float]], tuple[float, bool | None, list[tuple[float, float]]]
]


def great_circle_leg(
    a: tuple[float, float], b: tuple[float, float], *, factor: float = DETOUR_FACTOR
) -> tuple[float, bool | None, list[tuple[float, float]]]:
    """Estimated walking distance: straight line times the detour factor; step-free unknown."""
    return haversine_m(a[0], a[1], b[0], b[1]) * factor, None, [a, b]


def compute_legs(points: Sequence[tuple[float, float]], finder: LegFinder) -> list[Leg]:
    legs = []
    for i, (a, b) in enumerate(itertools.pairwise(points)):
        distance, step_free, path = finder(a, b)
        legs.append(Leg(i, i + 1, distance, walking_minutes(distance), step_free, path))
    return legs
