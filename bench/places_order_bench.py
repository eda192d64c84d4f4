"""Benchmark: order optimisation for 8, 12 and 25 stops, against the exact optimum.

    .venv/bin/python bench/places_order_bench.py

Stops are random points in central Milan (seeded), start and end fixed (the transport
stops), distances great-circle x detour factor. Baselines measured in the same run:
- 8 stops: brute force over all 8! orders;
- 12 stops: Held-Karp forced exact (the product switches to the heuristic above 10);
- 25 stops: best of 300 random-restart 2-opt + Or-opt descents (best known; no exact
  solver is practical in pure Python at this size).
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from quartieri.places import routing  # noqa: E402

INSTANCES = 5


def points(n: int, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    return [(9.15 + rng.random() * 0.06, 45.45 + rng.random() * 0.04) for _ in range(n)]


def best_known(dist: routing.Matrix, n: int, seed: int, restarts: int = 300) -> float:
    rng = random.Random(seed)
    best = float("inf")
    middle = list(range(1, n - 1))
    for _ in range(restarts):
        rng.shuffle(middle)
        order = routing.improve([0, *middle, n - 1], dist, fixed_start=True, fixed_end=True)
        best = min(best, routing.path_length(order, dist))
    return best


def main() -> None:
    print(
        f"{'stops':>5} {'method':<32} {'time/inst':>10} {'baseline':<30} {'base time':>10} {'gap max':>8}"
    )
    for stops in (8, 12, 25):
        n = stops + 2  # plus fixed start and end
        t_prod = t_base = 0.0
        gaps = []
        method = base_name = ""
        for seed in range(INSTANCES):
            dist = routing.great_circle_matrix(points(n, seed), factor=routing.DETOUR_FACTOR)
            start = time.perf_counter()
            result = routing.optimise_order(dist, start=0, end=n - 1)
            t_prod += time.perf_counter() - start
            method = result.method
            start = time.perf_counter()
            if stops <= 8:
                reference, base_name = (
                    routing.brute_force(dist, start=0, end=n - 1),
                    "brute force (exact)",
                )
            elif stops <= 12:
                reference = routing.optimise_order(
                    dist, start=0, end=n - 1, exact_limit=20
                ).length_m
                base_name = "Held-Karp forced (exact)"
            else:
                reference, base_name = best_known(dist, n, seed), "best of 300 restarts"
            t_base += time.perf_counter() - start
            gaps.append((result.length_m - reference) / reference * 100)
        print(f"{stops:>5} {method:<32} {t_prod / INSTANCES:>9.3f}s {base_name:<30} "
              f"{t_base / INSTANCES:>9.3f}s {max(gaps):>7.2f}%")  # fmt: skip


if __name__ == "__main__":
    main()
