"""Offline evaluation of Best Send Time: hold out each profile's last human open, fit on what came before, and check
whether it falls within an hour of a predicted hour, in the profile's local time; against three baselines.

Baselines: the database's most frequent open hour (global), the profile's most frequent past open hour (its mode),
and a plain smoothed-and-shrunk hour histogram (the profile's open hours smoothed over neighbouring hours and
blended with the database's, no more), the reference a better model must beat. A held-out open is a human one: it
came more than `HUMAN_DELAY` after the latest send (a machine's "open" says nothing about when to send).
"""

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from .events import HOURS, ProfileActivity, zone_of
from .model import BstParameters, best_send_times, circular_smooth, normalised

OURS = "best send time"
GLOBAL = "global best hour"
HABIT = "most frequent open hour"
REFERENCE = "smoothed shrunk histogram"
METHODS = (OURS, REFERENCE, HABIT, GLOBAL)
ALL = "all"
HUMAN_DELAY = timedelta(seconds=60)


@dataclass(frozen=True)
class HitRate:
    """How often one method's predicted hours caught a held-out open, on one segment of the profiles."""

    method: str
    segment: str  # ALL, the profiles with few past opens, or a kind of profile
    profiles: int
    top1: float  # share of profiles whose held-out open is within ±1 hour of the best predicted hour
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
    """One profile's history before the cut, and the local hours of its held-out open and past opens."""

    training: ProfileActivity
    held_out_hours: tuple[int, ...]
    past_hours: tuple[int, ...]


def evaluate(
    activities: Sequence[ProfileActivity],
    params: BstParameters = BstParameters(),
    sparse: int = 5,
    kinds: Mapping[str, str] | None = None,
) -> Evaluation:
    """Hit rates of the model and the baselines: overall, for profiles with fewer than `sparse` past opens, and per
    kind of profile when `kinds` (profile id → kind) is given.

    A profile is evaluated when it has a human open to hold out and at least one open before it; its history is cut
    just before that open, so nothing later leaks in.
    """
    splits = [s for a in activities if (s := split(a)) is not None]
    fitted = best_send_times([s.training for s in splits], params)
    popular = top_hours(Counter(h for s in splits for h in s.past_hours))
    reference = smoothed_histogram_hours(splits)
    methods: dict[str, Callable[[Split], tuple[int, ...]]] = {
        OURS: lambda s: (fitted.profiles.get(s.training.profile_id) or fitted.fallback(s.training.timezone)).hours,
        REFERENCE: lambda s: reference[s.training.profile_id],
        HABIT: lambda s: habit_hours(s.past_hours, popular),
        GLOBAL: lambda _: popular,
    }
    segments = {ALL: splits, f"< {sparse} opens": [s for s in splits if len(s.past_hours) < sparse]}
    for kind in sorted(set((kinds or {}).values())):
        segments[kind] = [s for s in splits if (kinds or {}).get(s.training.profile_id) == kind]
    return Evaluation(
        tuple(
            hit_rate(name, predict, label, chosen)
            for label, chosen in segments.items()
            for name, predict in methods.items()
        )
    )


def split(activity: ProfileActivity) -> Split | None:
    """Cut the history just before the profile's last human open; None when there is none or nothing before it."""
    sends = sorted(activity.sends)
    opens = sorted(activity.engagements)
    human = [t for t in opens if not machine_like(t, sends)]
    if not human:
        return None
    cut = human[-1]
    past = [t for t in opens if t < cut]
    if not past:
        return None
    training = ProfileActivity(
        activity.profile_id,
        [t for t in sends if t < cut],
        past,
        activity.timezone,
        [t for t in activity.clicks if t < cut],
    )
    return Split(training, local_hours([cut], activity.timezone), local_hours(past, activity.timezone))


def machine_like(time: datetime, sorted_sends: Sequence[datetime]) -> bool:
    """Whether an open came within `HUMAN_DELAY` after the latest send before it."""
    latest = bisect_right(sorted_sends, time)
    return latest > 0 and time - sorted_sends[latest - 1] <= HUMAN_DELAY


def local_hours(times: Sequence[datetime], timezone: str | None) -> tuple[int, ...]:
    """The local hour of each time in the zone, with the offset of that moment."""
    zone = zone_of(timezone)
    return tuple(t.astimezone(zone).hour for t in times)


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


def smoothed_histogram_hours(
    splits: Sequence[Split], width: float = 1.0, strength: float = 2.0
) -> dict[str, tuple[int, ...]]:
    """The reference: each profile's past open hours smoothed (σ = `width` hours, around the clock), blended with the
    database's open hours as `strength` pseudo-opens; the three best hours at least 2 hours apart."""
    counts = np.zeros((len(splits), HOURS))
    for i, s in enumerate(splits):
        np.add.at(counts[i], list(s.past_hours), 1.0)
    smooth = circular_smooth(counts, width)
    database = normalised(smooth.sum(axis=0))
    shares = (smooth + strength * database) / (counts.sum(axis=1, keepdims=True) + strength)
    return {s.training.profile_id: spaced(shares[i]) for i, s in enumerate(splits)}


def spaced(scores: np.ndarray, count: int = 3, spacing: int = 2) -> tuple[int, ...]:
    """The `count` best hours, each at least `spacing` hours (around the clock) from the better ones."""
    chosen: list[int] = []
    for hour in (int(h) for h in np.argsort(-scores, kind="stable")):
        if all(min(abs(hour - c), HOURS - abs(hour - c)) >= spacing for c in chosen):
            chosen.append(hour)
    return tuple(chosen[:count])


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
    lines += [f"{r.segment:<14} {r.method:<26} {r.profiles:>8} {r.top1:>7.1%} {r.top3:>7.1%}" for r in evaluation.rows]
    return "\n".join(lines)
