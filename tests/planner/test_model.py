"""The planner's maths on its own: curves, de-duplication and the optimiser."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quartieri.audiences.dataset import channel_specs, read_usage, segment_specs
from quartieri.planner import model
from quartieri.planner.build import PlanRequest, build
from quartieri.planner.model import (
    HOURS,
    MONEY,
    Objective,
    Problem,
    Resources,
    allocate,
    at_least_k,
    goerg_max_reach,
    goerg_reach,
    objective_value,
    pairwise_union,
    sainsbury,
    total_reach,
    vehicle_reach,
)

CHANNELS, SEGMENTS, USAGE = channel_specs(), segment_specs(), read_usage()


def built_for(request: PlanRequest):
    return build(request, segments=SEGMENTS, channels=CHANNELS, usage=USAGE)


def test_goerg_matches_the_wfa_reference_point():
    # WFA planning-evaluation-framework test: I0=200, R0=100 -> rho=200, R(100)=66.7.
    rho = goerg_max_reach(200, 100)
    assert rho == pytest.approx(200)
    assert float(goerg_reach(np.array(rho), np.array(100.0))) == pytest.approx(66.667, abs=1e-3)


def test_sainsbury_matches_the_textbook_examples():
    assert float(sainsbury(np.array([0.40, 0.25]))) == pytest.approx(0.55)
    assert float(sainsbury(np.full(400, 0.001))) == pytest.approx(1 - 0.999**400)


def test_pairwise_union_without_overlap_adds_and_with_full_overlap_keeps_the_largest():
    shares = np.array([0.3, 0.2])
    reachable = np.array([0.5, 0.5])
    assert float(pairwise_union(shares, reachable, np.zeros((2, 2)))) == pytest.approx(0.5)
    overlap = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert float(pairwise_union(shares, reachable, overlap)) == pytest.approx(0.5 - 0.06 / 0.5)


def small_problem(objective: Objective = Objective.REACH, *, k: int = 3) -> Problem:
    return Problem(
        sizes=np.array([10_000.0]),
        reachable=np.array([[0.6, 0.8, 0.4]]),
        impressions_per_unit=np.array([[4e-4, 2e-4, 6e-4]]),
        resource=np.array([MONEY, MONEY, MONEY]),
        lower=np.zeros(3),
        upper=np.full(3, np.inf),
        click_rate=np.array([0.01, 0.02, 0.005]),
        objective=objective,
        min_frequency=k,
    )


def test_k_plus_reach_with_k_one_is_reach():
    problem = small_problem()
    x = np.array([1000.0, 2000.0, 500.0])
    assert float(at_least_k(problem, x, 1) @ problem.sizes) == pytest.approx(
        float(total_reach(problem, x))
    )
    assert float(at_least_k(problem, x, 3) @ problem.sizes) < float(total_reach(problem, x))


def exhaustive(problem: Problem, budget: float, points: int) -> float:
    """Best objective over every allocation of the budget in steps of budget/points."""
    step = budget / points
    best = 0.0
    n = problem.n_vehicles
    for split in itertools.product(range(points + 1), repeat=n - 1):
        if sum(split) > points:
            continue
        x = np.array([*split, points - sum(split)], dtype=float) * step
        best = max(best, float(objective_value(problem, x)))
    return best


@pytest.mark.parametrize("objective", list(Objective), ids=lambda o: f"{o.value}_case")
@pytest.mark.parametrize("budget", [500.0, 3000.0, 20_000.0])
def test_allocation_is_within_one_percent_of_exhaustive_search(objective, budget):
    problem = small_problem(objective)
    x = allocate(problem, Resources(budget, 0))
    assert x.sum() == pytest.approx(budget)
    assert float(objective_value(problem, x)) >= 0.99 * exhaustive(problem, budget, 40)


def test_allocation_on_the_real_catalogue_is_within_one_percent_of_exhaustive_search():
    request = PlanRequest(
        audiences=("international-students",),
        channels=("tiktok", "instagram", "facebook", "posters"),
    )
    built = built_for(request)
    money = built.problem.resource == MONEY
    assert money.sum() == 4
    x = allocate(built.problem, Resources(5000, 0))
    reach = float(total_reach(built.problem, x))
    grid = Problem(
        sizes=built.problem.sizes,
        reachable=built.problem.reachable[:, money],
        impressions_per_unit=built.problem.impressions_per_unit[:, money],
        resource=built.problem.resource[money],
        lower=built.problem.lower[money],
        upper=built.problem.upper[money],
    )
    assert reach >= 0.99 * exhaustive(grid, 5000, 25)


AUDIENCE_SETS = [
    ("international-students",),
    ("all-residents",),
    ("university-students", "residents-65-plus", "tourists"),
    ("tourists-under-30",),
]


@settings(max_examples=40, deadline=None)
@given(
    audiences=st.sampled_from(AUDIENCE_SETS),
    budget=st.floats(min_value=0, max_value=200_000),
    hours=st.floats(min_value=0, max_value=40),
    extra=st.floats(min_value=0, max_value=50_000),
)
def test_total_reach_is_bounded_and_grows_with_budget(audiences, budget, hours, extra):
    built = built_for(PlanRequest(audiences=audiences, budget=budget, hours_per_week=hours))
    problem = built.problem
    x = allocate(problem, Resources(budget, hours))
    reach = float(total_reach(problem, x))
    singles = (vehicle_reach(problem, x) * problem.sizes[:, None]).sum(axis=0)
    assert reach <= problem.sizes.sum() + 1e-6
    assert reach >= singles.max(initial=0.0) - 1e-6
    richer = allocate(problem, Resources(budget + extra, hours))
    # Never lower: the allocation is optimal to well below one person.
    assert float(total_reach(problem, richer)) >= reach - 1e-6 * max(reach, 1.0)


def test_allocation_respects_minimums_maximums_and_resources():
    request = PlanRequest(
        audiences=("international-students",),
        min_budget={"facebook": 1500},
        max_budget={"tiktok": 800},
    )
    built = built_for(request)
    x = allocate(built.problem, Resources(10_000, 10))
    by_slug = {}
    for v, c in enumerate(built.vehicle_channel):
        if built.vehicle_kind[v] == MONEY:
            by_slug[built.channels[c].spec.slug] = x[v]
    assert by_slug["facebook"] >= 1500 - 1e-6
    assert by_slug["tiktok"] <= 800 + 1e-6
    assert x[built.problem.resource == MONEY].sum() == pytest.approx(10_000)
    assert x[built.problem.resource == HOURS].sum() == pytest.approx(10)


def test_minimums_above_the_budget_are_refused():
    request = PlanRequest(audiences=("international-students",), min_budget={"facebook": 20_000})
    built = built_for(request)
    with pytest.raises(ValueError, match="minimums"):
        allocate(built.problem, Resources(10_000, 10))


def test_an_overlap_matrix_lowers_reach_against_independence():
    request = PlanRequest(audiences=("all-residents",), channels=("facebook", "instagram"))
    independent = built_for(request)
    overlapping = build(
        request,
        segments=SEGMENTS,
        channels=CHANNELS,
        usage=USAGE,
        overlap={("facebook", "instagram"): 0.9, ("facebook", "facebook"): 0.9},
    )
    x = allocate(independent.problem, Resources(10_000, 10))
    assert float(total_reach(overlapping.problem, x)) < float(total_reach(independent.problem, x))


def s_shaped_problem() -> Problem:
    """Three paid channels judged on 3+ exposures (S-shaped curves): channel 1 reaches few
    people cheaply, so its first euros add the most; channel 2's curve starts slowly and
    overtakes it only after about 1,000 EUR."""
    return Problem(
        sizes=np.array([10_000.0]),
        reachable=np.array([[0.75, 0.15, 0.75]]),
        impressions_per_unit=np.array([[1.7e-4, 3.8e-4, 3.2e-4]]),
        resource=np.array([MONEY, MONEY, MONEY]),
        lower=np.zeros(3),
        upper=np.full(3, np.inf),
        objective=Objective.FREQUENCY,
        min_frequency=3,
    )


def test_the_exchange_refinement_finds_the_s_shaped_optimum_greedy_steps_miss(monkeypatch):
    problem = s_shaped_problem()
    best = exhaustive(problem, 5000, 40)  # 2,446 people, at 750 / 4,250 EUR on channels 1 / 2
    x = allocate(problem, Resources(5000, 0))
    assert float(objective_value(problem, x)) >= 0.995 * best
    assert x[2] > 4000  # most of the money where the curve pays off
    # Without the exchange, marginal steps pour everything into channel 1: under half.
    monkeypatch.setattr(model, "_exchange", lambda *args, **kwargs: False)
    greedy = allocate(problem, Resources(5000, 0))
    assert greedy.tolist() == pytest.approx([0.0, 5000.0, 0.0])
    assert float(objective_value(problem, greedy)) < 0.5 * best


@pytest.mark.parametrize(("impressions", "reach"), [(100, 100), (100, 150)])
def test_one_data_point_needs_more_impressions_than_people_reached(impressions, reach):
    with pytest.raises(ValueError, match="^one data point needs more impressions than people reached$"):  # fmt: skip
        goerg_max_reach(impressions, reach)


def test_pairwise_union_with_a_channel_that_reaches_nobody_is_the_others_reach():
    # Both maxima zero for the empty pair: no 0/0, no NaN in the plan.
    shares = np.array([0.3, 0.0, 0.0])
    reachable = np.array([0.5, 0.0, 0.0])
    overlap = np.ones((3, 3)) - np.eye(3)
    assert float(pairwise_union(shares, reachable, overlap)) == pytest.approx(0.3)


def test_pairwise_union_of_a_batch_is_the_union_of_each_row():
    shares = np.array([[0.3, 0.2], [0.6, 0.1]])
    reachable = np.array([0.5, 0.5])
    overlap = np.array([[0.0, 1.0], [1.0, 0.0]])
    rows = [float(pairwise_union(row, reachable, overlap)) for row in shares]
    assert pairwise_union(shares, np.broadcast_to(reachable, shares.shape), overlap).tolist() == pytest.approx(rows)  # fmt: skip
    assert rows == pytest.approx([0.5 - 0.06 / 0.5, 0.7 - 0.06 / 0.6])


def test_pairwise_union_stays_between_the_largest_reach_and_everyone():
    reachable = np.array([0.9, 0.9])
    # A strong overlap factor would give less than the largest channel alone: clipped to it.
    heavy = np.array([[0.0, 4.0], [4.0, 0.0]])
    assert float(pairwise_union(np.array([0.6, 0.5]), reachable, heavy)) == pytest.approx(0.6)
    # Without overlap the shares add up, but never to more than the whole segment.
    assert float(pairwise_union(np.array([0.8, 0.7]), reachable, np.zeros((2, 2)))) == 1.0


def test_no_channel_reaches_nobody():
    none = np.zeros((2, 0))
    assert pairwise_union(none, none, np.zeros((0, 0))).tolist() == [0.0, 0.0]


def paid(reachable: list[float], impressions: list[float], upper: list[float], **kw) -> Problem:
    n = len(reachable)
    return Problem(
        sizes=np.array([10_000.0]),
        reachable=np.array([reachable]),
        impressions_per_unit=np.array([impressions]),
        resource=np.array(kw.pop("resource", [MONEY] * n)),
        lower=np.array(kw.pop("lower", [0.0] * n)),
        upper=np.array(upper),
        **kw,
    )


def test_goerg_reach_of_nothing_reachable_and_nothing_bought_is_zero():
    assert goerg_reach(np.array([0.0, 0.5]), np.array([0.0, 0.0])).tolist() == [0.0, 0.0]


def test_minimums_equal_to_the_budget_are_feasible_and_above_it_refused_by_name():
    problem = paid([0.6, 0.4], [4e-4, 6e-4], [np.inf, np.inf], lower=[600.0, 400.0])
    assert allocate(problem, Resources(1000, 0)).tolist() == pytest.approx([600.0, 400.0])
    refusal = "^the channel minimums exceed the budget or the hours available$"
    with pytest.raises(ValueError, match=refusal):
        allocate(problem, Resources(999.5, 0))


def test_money_no_channel_can_use_stays_unspent():
    # Channel 0 is capped at 1,000 EUR and channel 2 at 500; channel 1 reaches nobody. The
    # rest of the 3,000 EUR buys nothing, so none of it goes to channel 1.
    problem = paid([0.6, 0.0, 0.3], [4e-4, 9e-4, 6e-4], [1000.0, np.inf, 500.0])
    x = allocate(problem, Resources(3000, 0))
    assert x.tolist() == pytest.approx([1000.0, 0.0, 500.0])


def test_the_exchange_also_moves_money_into_the_first_channel():
    # The S-shaped case with the channel that pays off listed first.
    order = [2, 1, 0]
    base = s_shaped_problem()
    problem = paid(
        base.reachable[0, order].tolist(),
        base.impressions_per_unit[0, order].tolist(),
        [np.inf] * 3,
        objective=Objective.FREQUENCY,
    )
    x = allocate(problem, Resources(5000, 0))
    assert x[0] > 4000
    assert float(objective_value(problem, x)) >= 0.995 * exhaustive(s_shaped_problem(), 5000, 40)


def test_hours_are_refined_too_when_there_is_no_money():
    base = s_shaped_problem()
    problem = paid(
        base.reachable[0].tolist(),
        base.impressions_per_unit[0].tolist(),
        [np.inf] * 3,
        resource=[HOURS] * 3,
        objective=Objective.FREQUENCY,
    )
    x = allocate(problem, Resources(0, 5000))
    assert x[2] > 4000
    assert float(objective_value(problem, x)) >= 0.995 * exhaustive(s_shaped_problem(), 5000, 40)


def test_half_an_hour_a_week_is_allocated():
    problem = paid([0.5], [1e-3], [np.inf], resource=[HOURS])
    assert allocate(problem, Resources(0, 0.5)).tolist() == pytest.approx([0.5])


def test_a_frequency_share_is_never_below_zero_when_the_sums_round_over_one():
    # Three small buys: the six probabilities of fewer than 6 exposures add up to just over
    # 1 in floating point, in whatever order they are added (checked for all 720), so 1 - P
    # would be a (tiny) negative share of people; the clip keeps it at zero.
    problem = paid([0.81, 0.89, 0.86], [5e-6, 2e-7, 2e-7], [np.inf] * 3)
    share = at_least_k(problem, np.array([36.0, 15.0, 60.0]), 6)
    assert share.tolist() == [0.0]


def test_a_channel_just_under_its_cap_is_topped_up_and_the_whole_budget_spent():
    # Channel 0 reaches 1.8 times as many people per euro as channel 1 but is capped at
    # 150 EUR. The greedy steps of 100 EUR leave it 50 EUR short (half a step dilutes its
    # gain); the refinement must fill it to the cap with smaller moves, never past it, and
    # never move money to it that it cannot take (the budget is spent in full).
    problem = paid([1.0, 1.0], [1.8e-6, 1e-6], [150.0, np.inf])
    x = allocate(problem, Resources(5000, 0))
    assert x[0] <= 150.0
    assert x[0] == pytest.approx(150.0, abs=0.1)
    assert x.sum() == pytest.approx(5000.0)


def test_the_best_split_does_not_depend_on_how_many_people_the_group_counts():
    # The same S-shaped case for a group of 40 people and of 10,000: only the people
    # reached scale, so the refinement may not stop at moves that gain under one person.
    large = s_shaped_problem()
    small = dataclasses.replace(large, sizes=np.array([40.0]))
    budget = Resources(5000, 0)
    expected = allocate(large, budget).tolist()
    # Within the documented resolution (docs/planner.md), 1/51,200 of the budget.
    assert allocate(small, budget).tolist() == pytest.approx(expected, abs=5000 / 51_200)


def exact_split(problem: Problem, budget: float) -> float:
    """Channel 0's share of the budget at the optimum of a two-channel concave case."""
    low, high = 0.0, budget
    for _ in range(100):
        a, b = low + (high - low) / 3, high - (high - low) / 3
        if objective_value(problem, np.array([a, budget - a])) < objective_value(problem, np.array([b, budget - b])):  # fmt: skip
            low = a
        else:
            high = b
    return low


@pytest.mark.parametrize("budget", [3000.0, 5000.0])
def test_two_channels_split_the_budget_at_equal_marginal_reach_to_the_documented_resolution(
    budget,
):
    # docs/planner.md: the exchange quantum shrinks to 1/51,200 of the resource, so the
    # split lands within that of the optimum (found here by ternary search on the split).
    problem = paid([0.6, 0.8], [1.7e-4, 3.2e-4], [np.inf, np.inf])
    x = allocate(problem, Resources(budget, 0))
    assert x[0] == pytest.approx(exact_split(problem, budget), abs=budget / 51_200)
    assert x.sum() == pytest.approx(budget)


def test_an_overlap_below_zero_never_counts_more_people_than_each_row_s_channels_reach():
    # The WFA formula expects overlaps >= 0; a negative one (a data entry error) would add
    # people. Each row of a batch (the optimiser evaluates candidates in batches) keeps
    # its own bound, the sum of its channels' reach.
    shares = np.array([[0.3, 0.2], [0.1, 0.1]])
    reachable = np.array([0.5, 0.5])
    overlap = np.array([[0.0, -1.0], [-1.0, 0.0]])
    batch = pairwise_union(shares, np.broadcast_to(reachable, shares.shape), overlap)
    assert batch.tolist() == pytest.approx([0.5, 0.2])


# One exchange step (model._exchange), the refinement's unit: it moves ``step`` units only
# when that raises the objective, keeps the budget, and says whether it moved.


def exchange(problem: Problem, allocation: np.ndarray, step: float) -> tuple[bool, float, float]:
    before = float(objective_value(problem, allocation))
    moved = model._exchange(problem, allocation, MONEY, step)
    return moved, before, float(objective_value(problem, allocation))


@pytest.mark.parametrize("problem", [small_problem(), s_shaped_problem()], ids=["reach", "3+"])
def test_an_exchange_at_the_optimum_makes_no_move_and_says_so(problem):
    x = allocate(problem, Resources(3000, 0))
    for step in (500.0, 100.0, 10.0):
        kept = x.copy()
        moved, before, after = exchange(problem, x, step)
        assert (moved, x.tolist(), after) == (False, kept.tolist(), before)


def test_an_exchange_from_random_mixes_only_ever_raises_the_objective_and_keeps_the_budget():
    rng = np.random.default_rng(21)
    outcomes = set()
    for problem in (small_problem(), s_shaped_problem()):
        for _ in range(30):
            x = rng.dirichlet(np.ones(3)) * 3000
            start, step = x.copy(), float(rng.choice([500.0, 100.0, 10.0]))
            moved, before, after = exchange(problem, x, step)
            outcomes.add(moved)
            if moved:
                assert after > before
                assert x.sum() == pytest.approx(start.sum())
                assert sorted(np.abs(x - start).tolist()) == pytest.approx([0.0, step, step])
            else:
                assert x.tolist() == start.tolist()
    assert outcomes == {True, False}


def test_nothing_above_the_minimums_or_no_room_to_receive_makes_no_exchange():
    problem = paid([0.1, 0.8], [4e-4, 6e-4], [np.inf, 50.0])
    at_minimums = np.zeros(2)
    assert exchange(problem, at_minimums, 10.0)[0] is False
    assert at_minimums.tolist() == [0.0, 0.0]
    # Channel 1 pays more but has room for 50 only: a 100 move would leave money unspent.
    capped = np.array([1000.0, 0.0])
    assert exchange(problem, capped, 100.0)[0] is False
    assert capped.tolist() == [1000.0, 0.0]


def test_a_channel_exactly_one_step_above_its_minimum_can_give_that_step():
    problem = paid([0.1, 0.8], [4e-4, 6e-4], [np.inf, np.inf])
    x = np.array([100.0, 1000.0])
    moved, before, after = exchange(problem, x, 100.0)
    assert moved
    assert after > before
    assert x.tolist() == [0.0, 1100.0]
