"""Offline evaluation of Best Send Time: hold out each profile's last engagements, fit on what came before, and
check whether a held-out engagement falls within an hour of a predicted hour; against two baselines."""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .model import HOURS, BstParameters, ProfileActivity, best_send_times, local_slots

OURS = "best send time"
GLOBAL = "global best hour"
HABIT = "most frequent open hour"
ALL = "all"


@dataclass(frozen=True)
class HitRate:
    """How often one method's predicted hours caught a held-out engagement, on one segment of the profiles."""

    method: str
    segment: str  # ALL, or the profiles with few past opens
    profiles: int
    top1: float  # share of profiles with a held-out engagement within ±1 hour of the best predicted hour
    top3: float  # the same within ±1 hour of any of the three predicted hours


@dataclass(frozen=True)
class Evaluation:
    """Hit rates of every method on every segment."""

    rows: tuple[HitRate, ...]

    def of(self, method: str, segment: str = ALL) -> HitRate:
        """The row of one method on one segment."""
        return next(r for r in self.rows if r.method == method and r.segment == segment)


@dataclass(frozen=True)
class Split:
    """One profile's history before the cut, and the local hours of its held-out engagements."""

    training: ProfileActivity
    held_out_hours: tuple[int, ...]
    past_hours: tuple[int, ...]


def evaluate(
    activities: Sequence[ProfileActivity], params: BstParameters = BstParameters(), holdout: int = 1, sparse: int = 5
) -> Evaluation:
    """Hit rates of the model and of both baselines, overall and for profiles with fewer than `sparse` past opens.

    Every profile with more than `holdout` engagements is evaluated (those with too little history get each
    method's fallback); a profile's history is cut at its first held-out engagement, so nothing later leaks in.
    """
    splits = [split(a, holdout) for a in activities if len(a.engagements) > holdout]
    fitted = best_send_times([s.training for s in splits], params)
    popular = top_hours(Counter(h for s in splits for h in s.past_hours))
    methods: dict[str, Callable[[Split], tuple[int, ...]]] = {
        OURS: lambda s: best.hours if (best := fitted.profiles.get(s.training.profile_id)) else fitted.best_hours,
        GLOBAL: lambda _: popular,
        HABIT: lambda s: habit_hours(s.past_hours, popular),
    }
    segments = {ALL: splits, f"< {sparse} opens": [s for s in splits if len(s.past_hours) < sparse]}
    return Evaluation(
        tuple(
            hit_rate(name, predict, label, chosen)
            for name, predict in methods.items()
            for label, chosen in segments.items()
        )
    )


def split(activity: ProfileActivity, holdout: int) -> Split:
    """Cut the history just before the profile's last `holdout` engagements."""
    engagements = sorted(activity.engagements)
    cut = engagements[-holdout]
    past = engagements[:-holdout]
    training = ProfileActivity(activity.profile_id, [t for t in activity.sends if t < cut], past, activity.timezone)
    held_out, _ = local_slots(engagements[-holdout:], activity.timezone)
    past_hours, _ = local_slots(past, activity.timezone)
    return Split(training, tuple(held_out), tuple(past_hours))


def top_hours(counts: Counter[int], count: int = 3) -> tuple[int, ...]:
    """The most frequent hours, ties to the earlier hour; padded with the earliest hours when too few are known."""
    ranked = sorted(range(HOURS), key=lambda h: (-counts[h], h))
    return tuple(ranked[:count])


def habit_hours(past_hours: Sequence[int], popular: tuple[int, ...]) -> tuple[int, ...]:
    """The baseline: a profile's most frequent past open hours (ties to the database's order), then the global ones."""
    order = {h: i for i, h in enumerate(popular)}
    own = sorted(Counter(past_hours).items(), key=lambda item: (-item[1], order.get(item[0], len(order)), item[0]))
    hours = [h for h, _ in own][:3]
    return tuple(hours + [h for h in popular if h not in hours][: 3 - len(hours)])


def hit_rate(method: str, predict: Callable[[Split], tuple[int, ...]], label: str, splits: list[Split]) -> HitRate:
    """The share of profiles whose held-out hours fall within an hour of the first / first three predictions."""
    top1 = top3 = 0
    for s in splits:
        predicted = predict(s)
        top1 += near(s.held_out_hours, predicted[:1])
        top3 += near(s.held_out_hours, predicted[:3])
    size = len(splits)
    return HitRate(method, label, size, top1 / size if size else 0.0, top3 / size if size else 0.0)


def near(actual: Sequence[int], predicted: Sequence[int]) -> bool:
    """Whether any actual hour is within one hour of any predicted hour, around the clock."""
    gaps = np.abs(np.subtract.outer(np.asarray(actual), np.asarray(predicted)))
    return bool((np.minimum(gaps, HOURS - gaps) <= 1).any())


def format_evaluation(evaluation: Evaluation) -> str:
    """The hit rates as a text table, one line per segment and method."""
    lines = [f"{'segment':<14} {'method':<26} {'profiles':>8} {'top-1':>7} {'top-3':>7}"]
    lines += [
        f"{r.segment:<14} {r.method:<26} {r.profiles:>8} {r.top1:>7.1%} {r.top3:>7.1%}"
        for r in sorted(evaluation.rows, key=lambda r: r.segment != ALL)
    ]
    return "\n".join(lines)
