from __future__ import annotations

import random

import pytest

from quartieri.places import routing


def random_points(n: int, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    return [(9.15 + rng.random() * 0.05, 45.45 + rng.random() * 0.04) for _ in range(n)]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("ends", ["none", "start", "both"])
def test_held_karp_equals_brute_force(seed: int, ends: str) -> None:
    n = 3 + seed % 5  # 3..7 points
    dist = routing.great_circle_matrix(random_points(n, seed))
    start = 0 if ends in ("start", "both") else None
    end = n - 1 if ends == "both" else None
    result = routing.optimise_order(dist, start=start, end=end)
    assert result.exact
    assert sorted(result.order) == list(range(n))
    if start is not None:
        assert result.order[0] == start
    if end is not None:
        assert result.order[-1] == end
    assert result.length_m == pytest.approx(routing.brute_force(dist, start=start, end=end))
    assert result.length_m == pytest.approx(routing.path_length(result.order, dist))


@pytest.mark.parametrize("seed", range(8))
def test_heuristic_within_5_percent_of_exact(seed: int) -> None:
    n = 10 + seed % 3  # 10..12 points: Held-Karp still gives the exact optimum
    dist = routing.great_circle_matrix(random_points(n, 100 + seed))
    exact = routing.optimise_order(dist, start=0, end=n - 1, exact_limit=20)
    heuristic = routing.optimise_order(dist, start=0, end=n - 1, exact_limit=0)
    assert exact.exact
    assert not heuristic.exact
    assert heuristic.order[0] == 0
    assert heuristic.order[-1] == n - 1
    assert sorted(heuristic.order) == list(range(n))
    assert heuristic.length_m <= exact.length_m * 1.05


def test_exact_up_to_ten_stops_heuristic_above() -> None:
    assert routing.optimise_order(
        routing.great_circle_matrix(random_points(12, 1)), start=0, end=11
    ).exact
    assert not routing.optimise_order(
        routing.great_circle_matrix(random_points(13, 1)), start=0, end=12
    ).exact
    assert routing.optimise_order(routing.great_circle_matrix(random_points(10, 1))).exact
    assert not routing.optimise_order(routing.great_circle_matrix(random_points(11, 1))).exact


def test_heuristic_25_stops_is_a_valid_order() -> None:
    dist = routing.great_circle_matrix(random_points(27, 7))
    result = routing.optimise_order(dist, start=0, end=26)
    assert sorted(result.order) == list(range(27))
    assert result.order[0] == 0
    assert result.order[-1] == 26


def test_great_circle_leg_uses_detour_factor() -> None:
    a, b = (9.19, 45.46), (9.20, 45.46)
    straight = routing.haversine_m(*a, *b) if hasattr(routing, "haversine_m") else None
    distance, step_free, path = routing.great_circle_leg(a, b)
    assert straight is not None
    assert distance == pytest.approx(straight * routing.DETOUR_FACTOR)
    assert step_free is None
    assert path == [a, b]
    assert routing.walking_minutes(4500) == pytest.approx(60)
