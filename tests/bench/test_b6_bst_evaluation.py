"""B6: Best Send Time on a held-out evaluation of 20,000 synthetic profiles: top-1 and top-3 hit rates (a held-out
engagement within ±1 hour of a predicted hour) of the model and of the two obvious baselines (the global best hour;
the profile's most frequent past open hour), overall and for profiles with fewer than 5 past opens. Pure: no Kafka,
no MongoDB."""

import os
import time

import pytest

from ml_service.bst.evaluation import ALL, GLOBAL, HABIT, OURS, evaluate, format_evaluation
from ml_service.bst.synthetic import synthetic_population

PROFILES = int(os.environ.get("B6_PROFILES", "20000"))

pytestmark = pytest.mark.bench


def test_b6_best_send_time_beats_the_baselines() -> None:
    start = time.perf_counter()
    population = [p.activity for p in synthetic_population(PROFILES, seed=2025)]
    generated = time.perf_counter()
    evaluation = evaluate(population)
    done = time.perf_counter()
    print(
        f"\nB6 Best Send Time, {PROFILES:,} synthetic profiles (generated in {generated - start:.1f} s, "
        f"fitted and evaluated in {done - generated:.1f} s)"
    )
    print(format_evaluation(evaluation))
    for segment in (ALL, "< 5 opens"):
        for baseline in (GLOBAL, HABIT):
            assert evaluation.of(OURS, segment).top3 > evaluation.of(baseline, segment).top3, (segment, baseline)
