"""Best Send Time: each profile's engagement probability by local hour and weekday, shrunk toward the database.

Per profile and per local hour (and weekday) we count sends and engagements, turn sends into *exposure*, take the
engagement rate per exposure, smooth it circularly (hour 23 neighbours hour 0, Sunday neighbours Monday) and divide it
by the profile's own average rate: the *lift*. A profile's lift is blended with the database's lift in proportion to
its engagements (credibility weighting: an empirical-Bayes estimate whose prior is the database itself), so a profile
with one open looks mostly like the database, and one with fifty opens looks like itself.

Exposure: a message is read partly at the hour it arrives and partly later, when the profile checks its inbox. So a
send counts `1 - inbox_dwell` at its own hour and `inbox_dwell` spread evenly over the day, and the spread counts at
least as many sends as the profile has engagements (opens whose send was not recorded still had one). Every hour then
has some exposure: an open at an hour we never send at counts as evidence for that hour, and an hour is discounted
for being where we send most, without one stray open at 3 a.m. outweighing a habit at a busy send hour.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

HOURS = 24
WEEKDAYS = 7


@dataclass(frozen=True)
class ProfileActivity:
    """One profile's events over the scoring window (the last 180 days)."""

    profile_id: str
    sends: Sequence[datetime]  # UTC times of messages sent to the profile
    engagements: Sequence[datetime]  # UTC times of its opens and clicks
    timezone: str | None = None  # IANA name; None (or unknown) reads the events in UTC


@dataclass(frozen=True)
class SlotCounts:
    """Sends and engagements per profile (rows, in input order) by local hour and by local weekday."""

    hour_sends: np.ndarray
    hour_engagements: np.ndarray
    day_sends: np.ndarray
    day_engagements: np.ndarray


@dataclass(frozen=True)
class BstParameters:
    """Knobs of the estimate; the defaults were chosen on synthetic populations (see `evaluation`)."""

    smoothing_hours: float = 1.5  # std dev of the circular Gaussian over neighbouring hours
    smoothing_weekdays: float = 0.5  # the same over neighbouring weekdays
    prior_strength: float = 4.0  # pseudo-engagements of the database profile blended into every profile
    inbox_dwell: float = 0.8  # share of a send's exposure spread over the whole day (read later, not at once)
    min_engagements: int = 1  # fewer engagements than this: no result, the database best hour applies
    top_hours: int = 3
    hour_spacing: int = 2  # listed hours are at least this far apart: a neighbour of a listed hour is no new choice
    max_weekdays: int = 3


@dataclass(frozen=True)
class BestSendTime:
    """One profile's estimate: what `ml.bst` holds."""

    hours: tuple[int, ...]  # best local hours (0-23), best first
    weekdays: tuple[int, ...]  # best weekdays (0=Monday … 6=Sunday), best first: those above the profile's average
    confidence: float  # 0..1: the weight of the profile's own data against the database prior; grows with evidence
    hour_probabilities: tuple[float, ...]  # 24: estimated probability that a send at that local hour engages
    weekday_probabilities: tuple[float, ...]  # 7: the same by local weekday


@dataclass(frozen=True)
class DatabaseBestSendTime:
    """The estimates of one database: scored profiles by id, and the database-level fallback."""

    profiles: Mapping[str, BestSendTime]
    best_hours: tuple[int, ...]  # the database's best local hours, best first: the fallback for unscored profiles
    best_weekdays: tuple[int, ...]  # the same for weekdays
    hour_probabilities: tuple[float, ...]  # 24: the database-wide probability that a send engages, by local hour

    @property
    def best_hour(self) -> int:
        """The database-level best hour (the fallback)."""
        return self.best_hours[0]


def best_send_times(
    activities: Sequence[ProfileActivity], params: BstParameters = BstParameters()
) -> DatabaseBestSendTime:
    """Score every profile of one database from its sends and engagements; profiles with too few get no result."""
    ordered = sorted(activities, key=lambda a: a.profile_id)  # summation order fixed: input order cannot matter
    counts = slot_counts(ordered)
    hours_lift, hour_rates = credible_lift(counts.hour_sends, counts.hour_engagements, params.smoothing_hours, params)
    days_lift, day_rates = credible_lift(counts.day_sends, counts.day_engagements, params.smoothing_weekdays, params)
    overall = overall_rate(counts, params)
    hour_p, day_p = engagement_probability(overall * hours_lift), engagement_probability(overall * days_lift)
    engaged = counts.hour_engagements.sum(axis=1)
    confidence = engaged / (engaged + params.prior_strength)
    profiles = {
        activity.profile_id: BestSendTime(
            hours=spaced(hours_lift[i], params.top_hours, params.hour_spacing),
            weekdays=best_weekdays(days_lift[i], params.max_weekdays),
            confidence=float(confidence[i]),
            hour_probabilities=tuple(float(p) for p in hour_p[i]),
            weekday_probabilities=tuple(float(p) for p in day_p[i]),
        )
        for i, activity in enumerate(ordered)
        if engaged[i] >= max(params.min_engagements, 1)
    }
    return DatabaseBestSendTime(
        profiles,
        best_hours=spaced(hour_rates, params.top_hours, params.hour_spacing),
        best_weekdays=best_weekdays(day_rates, params.max_weekdays),
        hour_probabilities=tuple(float(p) for p in hour_rates),
    )


def slot_counts(activities: Sequence[ProfileActivity]) -> SlotCounts:
    """Count each profile's events by the local hour and weekday they happened at."""
    sends = [local_slots(a.sends, a.timezone) for a in activities]
    engagements = [local_slots(a.engagements, a.timezone) for a in activities]
    return SlotCounts(
        hour_sends=per_profile([hours for hours, _ in sends], HOURS),
        hour_engagements=per_profile([hours for hours, _ in engagements], HOURS),
        day_sends=per_profile([days for _, days in sends], WEEKDAYS),
        day_engagements=per_profile([days for _, days in engagements], WEEKDAYS),
    )


def local_slots(times: Iterable[datetime], timezone: str | None) -> tuple[list[int], list[int]]:
    """The local hour (0-23) and weekday (0=Monday) of each time; naive times are taken as UTC."""
    zone = zone_of(timezone)
    local = [(t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(zone) for t in times]
    return [t.hour for t in local], [t.weekday() for t in local]


@cache
def zone_of(name: str | None) -> tzinfo:
    """The IANA zone, or UTC when the profile has none or an unknown one (better UTC than no estimate)."""
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def per_profile(slots: list[list[int]], bins: int) -> np.ndarray:
    """A profiles × bins matrix of counts, built with one `bincount` over all events."""
    rows = np.repeat(np.arange(len(slots)), [len(s) for s in slots])
    flat = np.fromiter((slot for s in slots for slot in s), dtype=np.int64, count=len(rows))
    return np.bincount(rows * bins + flat, minlength=len(slots) * bins).reshape(len(slots), bins).astype(float)


def exposure(sends: np.ndarray, engagements: np.ndarray, inbox_dwell: float) -> np.ndarray:
    """Sends per slot turned into exposure (see the module docstring); never zero for a profile with events."""
    implied_sends = np.maximum(sends.sum(axis=1), engagements.sum(axis=1))[:, None]
    return (1 - inbox_dwell) * sends + inbox_dwell * implied_sends / sends.shape[1]


def circular_smooth(values: np.ndarray, width: float) -> np.ndarray:
    """Gaussian smoothing along the last axis, wrapping around (23:00 is next to 00:00); totals are kept."""
    if width <= 0:
        return values.astype(float)
    reach = min(max(1, int(np.ceil(3 * width))), values.shape[-1] // 2)
    offsets = np.arange(-reach, reach + 1)
    weights = np.exp(-0.5 * (offsets / width) ** 2)
    weights /= weights.sum()
    smooth = np.zeros(values.shape)
    for offset, weight in zip(offsets, weights, strict=True):
        smooth += weight * np.roll(values, int(offset), axis=-1)
    return smooth


def credible_lift(
    sends: np.ndarray, engagements: np.ndarray, width: float, params: BstParameters
) -> tuple[np.ndarray, np.ndarray]:
    """Per profile and slot, how much better than its own average a slot engages, blended with the database.

    Returns the blended lift (profiles × slots) and the database's smoothed engagement rate per slot.
    """
    exposed = exposure(sends, engagements, params.inbox_dwell)
    total_e, total_x = engagements.sum(axis=0), exposed.sum(axis=0)
    engaged = engagements.sum(axis=1, keepdims=True)
    weight = engaged / (engaged + params.prior_strength)
    blended = weight * lift(engagements, exposed, width) + (1 - weight) * lift(total_e, total_x, width)
    return blended, engagement_probability(circular_smooth(rate(total_e, total_x), width))


def rate(engagements: np.ndarray, exposures: np.ndarray) -> np.ndarray:
    """Engagements per exposure, 0 where there was neither."""
    return np.divide(engagements, exposures, out=np.zeros(np.shape(engagements)), where=exposures > 0)


def lift(engagements: np.ndarray, exposures: np.ndarray, width: float) -> np.ndarray:
    """Each slot's smoothed rate relative to the overall rate of the same row: 1 everywhere when nothing is known.

    The rate is smoothed, not its two parts: smoothing exposure would drag the peak away from busy send hours.
    """
    overall = rate(engagements.sum(axis=-1, keepdims=True), exposures.sum(axis=-1, keepdims=True))
    smoothed = circular_smooth(rate(engagements, exposures), width)
    return np.where(overall > 0, rate(smoothed, overall), 1.0)


def engagement_probability(expected: np.ndarray) -> np.ndarray:
    """Expected engagements per send turned into the chance of at least one (Poisson): in [0, 1), same order."""
    return -np.expm1(-np.maximum(expected, 0.0))


def overall_rate(counts: SlotCounts, params: BstParameters) -> np.ndarray:
    """Each profile's engagements per exposure over the whole window (a column, at most 1)."""
    exposed = exposure(counts.hour_sends, counts.hour_engagements, params.inbox_dwell).sum(axis=1)
    return rate(counts.hour_engagements.sum(axis=1), exposed)[:, None]


def spaced(scores: np.ndarray, count: int, spacing: int) -> tuple[int, ...]:
    """The `count` best hours, best first, each at least `spacing` hours (around the clock) from the better ones.

    Smoothing makes the neighbours of the best hour nearly as good as it; listing them would spend the three
    places on one time of day. Ties go to the earlier hour.
    """
    chosen: list[int] = []
    for hour in (int(h) for h in np.argsort(-scores, kind="stable")):
        if all(min(abs(hour - c), HOURS - abs(hour - c)) >= spacing for c in chosen):
            chosen.append(hour)
    return tuple(chosen[:count])


def best_weekdays(scores: np.ndarray, limit: int) -> tuple[int, ...]:
    """The weekdays that engage better than the profile's average weekday (at least the best one), best first."""
    order = np.argsort(-scores, kind="stable")[:limit]
    return tuple(int(d) for i, d in enumerate(order) if i == 0 or scores[d] > scores.mean() + 1e-12)
