"""Best Send Time against the obvious baselines on a held-out evaluation of a seeded synthetic population."""

import pytest

from ml_service.bst.evaluation import ALL, GLOBAL, HABIT, OURS, Evaluation, evaluate, format_evaluation, near
from ml_service.bst.synthetic import synthetic_population

SPARSE = "< 5 opens"


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    return evaluate([p.activity for p in synthetic_population(3000, seed=7)])


@pytest.mark.parametrize("segment", [ALL, SPARSE])
@pytest.mark.parametrize("baseline", [GLOBAL, HABIT])
def test_the_model_beats_the_baselines_on_top3(evaluation: Evaluation, segment: str, baseline: str) -> None:
    assert evaluation.of(OURS, segment).top3 > evaluation.of(baseline, segment).top3, format_evaluation(evaluation)


def test_the_slices_hold_enough_profiles_to_mean_something(evaluation: Evaluation) -> None:
    assert evaluation.of(OURS, ALL).profiles > 1000
    assert 500 < evaluation.of(OURS, SPARSE).profiles < evaluation.of(OURS, ALL).profiles


def test_the_table_names_every_method_and_slice(evaluation: Evaluation) -> None:
    table = format_evaluation(evaluation)
    assert all(name in table for name in (OURS, GLOBAL, HABIT, ALL, SPARSE))
    assert len(table.splitlines()) == 1 + 6


@pytest.mark.parametrize(
    ("actual", "predicted", "hit"),
    [((9,), (10,), True), ((23,), (0,), True), ((0,), (22,), False), ((5,), (1, 4, 20), True), ((12,), (), False)],
)
def test_a_hit_is_within_one_hour_around_the_clock(
    actual: tuple[int, ...], predicted: tuple[int, ...], hit: bool
) -> None:
    assert near(actual, predicted) is hit


def test_the_population_is_sparse_with_a_long_tail_and_known_truth() -> None:
    population = synthetic_population(500, seed=3)
    opens = sorted(len(p.activity.engagements) for p in population)
    assert opens[len(opens) // 2] <= 3 < opens[-1] // 3
    assert {p.activity.timezone for p in population} > {None, "Asia/Tokyo"}
    assert all(0 <= p.preferred_hour < 24 and 1 <= len(p.preferred_weekdays) <= 2 for p in population)


def test_the_same_seed_gives_the_same_population() -> None:
    assert synthetic_population(50, seed=3) == synthetic_population(50, seed=3)
    assert synthetic_population(50, seed=3) != synthetic_population(50, seed=4)
