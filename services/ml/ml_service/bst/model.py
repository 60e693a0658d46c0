"""Best Send Time: each profile's distribution of engagement over its local hours and weekdays, shrunk toward its
time zone's population and the database's, and the hours that catch most of it.

Per profile, what its human opens and clicks teach (see `events`: machine opens weigh 0, clicks more, recent events
more) is counted by local hour and weekday and smoothed with a circular kernel (23:00 neighbours 00:00). It is then
blended with a prior in local time (hierarchical shrinkage): the zone's population when enough profiles there have
evidence, itself shrunk toward the database; the database otherwise. The prior weighs `prior_strength`
pseudo-engagements, so one open moves the estimate a little and fifty make it the profile's own.

The best hours are chosen for the way a send time is judged: the engagement should come within an hour of it. The
first hour is the one whose ±1 h window holds most of the estimate; each next one adds most of what the chosen
windows have not covered yet. A profile without evidence gets its prior's hours (`source` "database").
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from .events import (
    HOURS,
    WEEKDAYS,
    EventTable,
    ProfileActivity,
    event_table,
    learning_weights,
    local_hours_and_weekdays,
    zone_name,
)

__all__ = ["HOURS", "WEEKDAYS", "BestSendTime", "BstParameters", "DatabaseBestSendTime", "ProfileActivity"]
PROFILE, DATABASE = "profile", "database"


@dataclass(frozen=True)
class BstParameters:
    """Knobs of the estimate; the defaults were tuned on one synthetic seed and reported on another (`evaluation`)."""

    smoothing_hours: float = 1.25  # std dev (hours) of the circular Gaussian kernel over neighbouring hours
    smoothing_weekdays: float = 0.5  # the same over neighbouring weekdays
    prior_strength: float = 1.0  # pseudo-engagements of the prior blended into every profile
    zone_prior_strength: float = 30.0  # pseudo-profiles of the database blended into a zone's population
    min_zone_profiles: int = 30  # profiles with evidence a zone needs before its own population is the prior
    machine_seconds: float = 30.0  # an open or click this soon after a send was a machine's
    click_weight: float = 1.5  # a click teaches this many opens' worth
    half_life_days: float = 0.0  # an event this old counts half; 0: none (habits held still in tuning)
    min_engagements: float = 0.5  # less human evidence than this (weighted): the prior's hours, source "database"
    hit_window: int = 1  # hours either side of a send that still count as "at that time"
    top_hours: int = 3
    max_weekdays: int = 3


@dataclass(frozen=True)
class BestSendTime:
    """One profile's estimate: what `ml.bst` holds (in the profile's local time)."""

    hours: tuple[int, ...]  # best local hours (0-23), best first
    weekdays: tuple[int, ...]  # best local weekdays (0=Monday … 6=Sunday), best first: those above average
    confidence: float  # 0..1: the weight of the profile's own evidence against the prior
    hour_probabilities: tuple[float, ...]  # 24: estimated share of the profile's engagements at each local hour
    weekday_probabilities: tuple[float, ...]  # 7: the same by local weekday
    source: str = PROFILE  # "profile": its own evidence counted; "database": the prior alone (too little evidence)


@dataclass(frozen=True)
class DatabaseBestSendTime:
    """The estimates of one database: profiles with evidence by id, and the priors that cover everyone else."""

    profiles: Mapping[str, BestSendTime]
    best_hours: tuple[int, ...]  # the database's best local hours, best first
    best_weekdays: tuple[int, ...]  # the same for weekdays
    hour_probabilities: tuple[float, ...]  # 24: the database's share of engagements by local hour
    zone_fallbacks: Mapping[str, BestSendTime] = field(default_factory=dict)  # zones with their own population

    @property
    def best_hour(self) -> int:
        """The database-level best hour."""
        return self.best_hours[0]

    def fallback(self, timezone: str | None) -> BestSendTime:
        """A profile without evidence: its zone's population's best time when the zone has one, else the
        database's, read in the profile's own local time; confidence 0."""
        zone = self.zone_fallbacks.get(zone_name(timezone))
        if zone is not None:
            return zone
        days = tuple(1 / WEEKDAYS for _ in range(WEEKDAYS))
        return BestSendTime(self.best_hours, self.best_weekdays, 0.0, self.hour_probabilities, days, DATABASE)


def best_send_times(
    activities: Sequence[ProfileActivity], params: BstParameters = BstParameters(), now: datetime | None = None
) -> DatabaseBestSendTime:
    """Score every profile of one database; those with too little human evidence are left to `fallback`.

    `now` anchors the recency weighting (default: the latest event).
    """
    ordered = sorted(activities, key=lambda a: a.profile_id)  # summation order fixed: input order cannot matter
    ids = [a.profile_id for a in ordered]
    return score_events(event_table(ordered), ids, [a.timezone for a in ordered], params, now)


def score_events(
    events: EventTable,
    profile_ids: Sequence[str],
    timezones: Sequence[str | None],
    params: BstParameters = BstParameters(),
    now: datetime | None = None,
) -> DatabaseBestSendTime:
    """`best_send_times` of a population already read as one event table (rows: `profile_ids`, in that order)."""
    zones = [zone_name(t) for t in timezones]
    reference = int(now.timestamp()) if now is not None else None
    weight = learning_weights(events, params, reference)
    hour, day = local_hours_and_weekdays(events, zones)
    hour_counts = binned(events.row, hour, weight, len(zones), HOURS)
    day_counts = binned(events.row, day, weight, len(zones), WEEKDAYS)
    hour_shares, hour_priors, zone_hours = shrunk(hour_counts, zones, params.smoothing_hours, params)
    day_shares, day_priors, zone_days = shrunk(day_counts, zones, params.smoothing_weekdays, params)
    evidence = hour_counts.sum(axis=1)
    confidence = evidence / (evidence + params.prior_strength)
    scored = np.flatnonzero((evidence >= params.min_engagements) & (evidence > 0))
    chosen = covering_hours(hour_shares[scored], params.top_hours, params.hit_window).tolist()
    days = weekday_choices(day_shares[scored], params.max_weekdays)
    hour_rows, day_rows, confident = hour_shares[scored].tolist(), day_shares[scored].tolist(), confidence[scored]
    profiles = {
        profile_ids[i]: BestSendTime(
            tuple(chosen[k]), days[k], float(confident[k]), tuple(hour_rows[k]), tuple(day_rows[k])
        )
        for k, i in enumerate(scored.tolist())
    }
    database_hours, database_days = hour_priors[None, -1], day_priors[None, -1]
    fallbacks = {
        zone: prior_estimate(zone_hours[zone], zone_days[zone], params) for zone in zone_hours if zone in zone_days
    }
    return DatabaseBestSendTime(
        profiles,
        best_hours=tuple(int(h) for h in covering_hours(database_hours, params.top_hours, params.hit_window)[0]),
        best_weekdays=best_weekdays(database_days[0], params.max_weekdays),
        hour_probabilities=tuple(float(p) for p in database_hours[0]),
        zone_fallbacks=fallbacks,
    )


def binned(rows: np.ndarray, slots: np.ndarray, weights: np.ndarray, profiles: int, bins: int) -> np.ndarray:
    """A profiles × bins matrix of summed weights, built with one `bincount` over all events."""
    flat = np.bincount(rows * bins + slots, weights=weights, minlength=profiles * bins)
    return flat.reshape(profiles, bins)


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


def normalised(values: np.ndarray) -> np.ndarray:
    """Each row as shares summing to 1; a row of zeros becomes uniform."""
    totals = values.sum(axis=-1, keepdims=True)
    uniform = np.full(values.shape, 1 / values.shape[-1])
    return np.divide(values, totals, out=uniform, where=totals > 0)


def shrunk(
    counts: np.ndarray, zones: Sequence[str], width: float, params: BstParameters
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Profiles' smoothed counts blended with their prior (zone, else database), as shares.

    Returns the profiles' shares, the prior of each profile plus the database's as the last row, and the priors of
    the zones that have enough evidence of their own.
    """
    smooth = circular_smooth(counts, width)
    own = normalised(smooth)
    engaged = counts.sum(axis=1) > 0
    database = normalised(own[engaged].sum(axis=0)) if engaged.any() else normalised(np.zeros(counts.shape[1]))
    zone_of_row = np.asarray(zones, dtype=object)
    zone_priors: dict[str, np.ndarray] = {}
    for zone in sorted(set(zones)):
        mine = (zone_of_row == zone) & engaged
        if mine.sum() >= params.min_zone_profiles:
            zone_priors[zone] = normalised(own[mine].sum(axis=0) + params.zone_prior_strength * database)
    priors = np.array([zone_priors.get(z, database) for z in zones] + [database]).reshape(-1, counts.shape[1])
    evidence = counts.sum(axis=1, keepdims=True)
    shares = (smooth + params.prior_strength * priors[:-1]) / (evidence + params.prior_strength)
    return shares, priors, zone_priors


def covering_hours(shares: np.ndarray, count: int, window: int) -> np.ndarray:
    """Per row, `count` hours chosen greedily: each adds most of the share not yet within `window` of a chosen one.

    Ties go to the earlier hour. Returns a rows × count array, best first.
    """
    left = shares.copy()
    span = np.arange(-window, window + 1)
    chosen = np.zeros((shares.shape[0], count), dtype=np.int64)
    rows = np.arange(shares.shape[0])
    for k in range(count):
        caught = sum(np.roll(left, -int(s), axis=1) for s in span)  # caught[h] = left[h - w] + … + left[h + w]
        best = np.argmax(caught + np.arange(HOURS) * -1e-12, axis=1)
        chosen[:, k] = best
        for s in span:
            left[rows, (best + s) % HOURS] = 0.0
        left[rows, best] = -1.0  # never the same hour twice, even when nothing is left to catch
    return chosen


def best_weekdays(shares: np.ndarray, limit: int) -> tuple[int, ...]:
    """The weekdays above the average weekday (at least the best one), best first, at most `limit`."""
    return weekday_choices(shares[None, :], limit)[0]


def weekday_choices(shares: np.ndarray, limit: int) -> list[tuple[int, ...]]:
    """`best_weekdays` of every row at once."""
    order = np.argsort(-shares, axis=1, kind="stable")[:, :limit]
    above = np.take_along_axis(shares, order, axis=1) > shares.mean(axis=1, keepdims=True) + 1e-12
    above[:, 0] = True
    return [tuple(d for d, keep in zip(days, keeps, strict=True) if keep) for days, keeps in zip(
        order.tolist(), above.tolist(), strict=True)]  # fmt: skip


def prior_estimate(hours: np.ndarray, days: np.ndarray, params: BstParameters) -> BestSendTime:
    """What a profile without evidence gets from a prior: its best hours and weekdays, confidence 0."""
    return BestSendTime(
        hours=tuple(int(h) for h in covering_hours(hours[None, :], params.top_hours, params.hit_window)[0]),
        weekdays=best_weekdays(days, params.max_weekdays),
        confidence=0.0,
        hour_probabilities=tuple(float(p) for p in hours),
        weekday_probabilities=tuple(float(p) for p in days),
        source=DATABASE,
    )
