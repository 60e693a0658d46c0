"""Synthetic populations with a known best send time, to evaluate the Best Send Time model offline.

Each profile has a preferred local hour and one or two preferred weekdays, a time zone (some not UTC) and an
engagement propensity drawn from a skewed distribution (most profiles engage rarely, a few often). The database sends
mostly in the sender's business hours (UTC). A message waits in the inbox: it is read at a later hour with a
chance that is high at the profile's preferred hours and days and fades with the delay, so opens cluster both at the
preferred time and shortly after the send, as in real mail logs. Some opens are plain noise at a random later time.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import numpy as np

from .model import HOURS, WEEKDAYS, ProfileActivity

TIMEZONES: tuple[str | None, ...] = (None, "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Asia/Kolkata")
TIMEZONE_SHARES = (0.4, 0.25, 0.15, 0.1, 0.1)
# Preferred hours: morning, lunch and evening readers, and some anywhere in the day.
HOUR_HABITS = ((8.0, 1.2, 0.35), (12.5, 1.0, 0.2), (20.5, 1.5, 0.3))
WEEKDAY_SHARES = np.array([0.17, 0.17, 0.17, 0.17, 0.14, 0.09, 0.09])
DELAYS = 48  # hours after a send during which it can still be read
CHUNK = 50_000  # sends processed at once: bounds memory on large populations


@dataclass(frozen=True)
class PopulationShape:
    """How a synthetic database behaves."""

    days: int = 180
    end: datetime = datetime(2025, 7, 1, tzinfo=UTC)
    sends: tuple[int, int] = (20, 70)  # sends per profile over the window, uniform in [low, high)
    business_share: float = 0.8  # sends between 08:00 and 17:59 UTC; the rest at any hour
    propensity: tuple[float, float] = (0.7, 1.5)  # Beta(a, b) chance that a well-timed send is read
    habit_width: float = 1.2  # hours: how sharply a profile's reading concentrates around its preferred hour
    off_hours_activity: float = 0.05  # reading activity far from the preferred hour, relative to its peak
    off_days_activity: float = 0.4  # reading activity on non-preferred weekdays, relative to preferred ones
    patience: float = 6.0  # hours: how fast an unread message is forgotten
    noise_share: float = 0.15  # opens at a random later time regardless of habits


@dataclass(frozen=True)
class SyntheticProfile:
    """A generated profile and the truth the model should recover."""

    activity: ProfileActivity
    preferred_hour: int  # local
    preferred_weekdays: tuple[int, ...]  # 0=Monday


def synthetic_population(size: int, seed: int, shape: PopulationShape = PopulationShape()) -> list[SyntheticProfile]:
    """`size` profiles, the same for the same seed."""
    rng = np.random.default_rng(seed)
    zones = rng.choice(len(TIMEZONES), size=size, p=TIMEZONE_SHARES)
    hours = preferred_hours(rng, size)
    days = preferred_weekdays(rng, size)
    propensity = rng.beta(*shape.propensity, size=size)
    owner = np.repeat(np.arange(size), rng.integers(*shape.sends, size=size))
    sends = send_times(rng, len(owner), shape)
    opened, reads = read_times(rng, owner, sends, zones, hours, days, propensity, shape)
    kept = opened & (reads < int(shape.end.timestamp()))
    send_groups, read_groups = by_owner(owner, sends, size), by_owner(owner[kept], reads[kept], size)
    return [
        SyntheticProfile(
            ProfileActivity(
                f"p{i}",
                sends=as_datetimes(send_groups[i]),
                engagements=as_datetimes(read_groups[i]),
                timezone=TIMEZONES[zones[i]],
            ),
            int(hours[i]),
            tuple(int(d) for d in np.flatnonzero(days[i])),
        )
        for i in range(size)
    ]


def preferred_hours(rng: np.random.Generator, size: int) -> np.ndarray:
    """Morning, lunch and evening habits, and a share of profiles with any preferred hour."""
    habit = rng.choice(len(HOUR_HABITS) + 1, size=size, p=[*(w for *_, w in HOUR_HABITS), 0.15])
    centres = np.array([c for c, _, _ in HOUR_HABITS] + [12.0])[habit]
    spreads = np.array([s for _, s, _ in HOUR_HABITS] + [0.0])[habit]
    hours = np.where(
        habit == len(HOUR_HABITS), rng.integers(0, HOURS, size), centres + rng.normal(0, 1, size) * spreads
    )
    return np.round(hours).astype(int) % HOURS


def preferred_weekdays(rng: np.random.Generator, size: int) -> np.ndarray:
    """A profiles × 7 mask with one or two preferred weekdays per profile (weekdays likelier than weekends)."""
    mask = np.zeros((size, WEEKDAYS), dtype=bool)
    mask[np.arange(size), rng.choice(WEEKDAYS, size=size, p=WEEKDAY_SHARES)] = True
    second = rng.random(size) < 0.5
    mask[np.flatnonzero(second), rng.choice(WEEKDAYS, size=int(second.sum()), p=WEEKDAY_SHARES)] = True
    return mask


def send_times(rng: np.random.Generator, count: int, shape: PopulationShape) -> np.ndarray:
    """UTC epoch seconds of `count` sends: mostly business hours, on any day of the window."""
    start = int((shape.end - timedelta(days=shape.days)).timestamp())
    business = rng.random(count) < shape.business_share
    hour = np.where(business, rng.integers(8, 18, count), rng.integers(0, HOURS, count))
    return start + rng.integers(0, shape.days, count) * 86_400 + hour * 3600 + rng.integers(0, 3600, count)


def read_times(
    rng: np.random.Generator,
    owner: np.ndarray,
    sends: np.ndarray,
    zones: np.ndarray,
    hours: np.ndarray,
    days: np.ndarray,
    propensity: np.ndarray,
    shape: PopulationShape,
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each send is read and when (UTC epoch seconds), processed in chunks."""
    opened, reads = np.zeros(len(sends), dtype=bool), np.zeros(len(sends), dtype=np.int64)
    for lo in range(0, len(sends), CHUNK):
        part = slice(lo, lo + CHUNK)
        who = owner[part]
        local = sends[part] + utc_offsets(zones[who], sends[part])
        slot = (local // 3600)[:, None] + np.arange(DELAYS)  # local hours since the epoch, from the send's hour on
        local_hour, local_day = slot % HOURS, (slot // HOURS + 3) % WEEKDAYS  # 1970-01-01 was a Thursday
        gap = np.abs(local_hour - hours[who][:, None])
        habit = np.exp(-0.5 * (np.minimum(gap, HOURS - gap) / shape.habit_width) ** 2)
        activity = shape.off_hours_activity + (1 - shape.off_hours_activity) * habit
        activity *= np.where(days[who[:, None], local_day], 1.0, shape.off_days_activity)
        weight = activity * np.exp(-np.arange(DELAYS) / shape.patience)
        chance = propensity[who] * np.minimum(1.0, weight.sum(axis=1) / best_timing(shape))
        delay = np.where(
            rng.random(len(who)) < shape.noise_share,
            rng.integers(0, DELAYS, len(who)),
            (weight.cumsum(axis=1) < rng.random(len(who))[:, None] * weight.sum(axis=1)[:, None]).sum(axis=1),
        )
        opened[part] = rng.random(len(who)) < chance
        hour_start = sends[part] - sends[part] % 3600
        reads[part] = np.maximum(hour_start + delay * 3600 + rng.integers(0, 3600, len(who)), sends[part] + 60)
    return opened, reads


def best_timing(shape: PopulationShape) -> float:
    """The summed reading weight of the best-timed send (every day preferred): its chance to be read is full."""
    arrival = np.arange(HOURS)[:, None]
    gap = (arrival + np.arange(DELAYS)) % HOURS  # hours from the preferred hour 0
    habit = np.exp(-0.5 * (np.minimum(gap, HOURS - gap) / shape.habit_width) ** 2)
    activity = shape.off_hours_activity + (1 - shape.off_hours_activity) * habit
    return float((activity * np.exp(-np.arange(DELAYS) / shape.patience)).sum(axis=1).max())


def utc_offsets(zones: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Seconds to add to each UTC time to get the local time of its zone (daylight saving included)."""
    offsets = np.zeros(len(times), dtype=np.int64)
    for zone in np.unique(zones):
        name = TIMEZONES[zone]
        if name is None:
            continue
        mine = zones == zone
        hour_index = times[mine] // 3600
        table_start, table = hourly_offsets(name, int(hour_index.min()), int(hour_index.max()))
        offsets[mine] = table[hour_index - table_start]
    return offsets


@cache
def _offset(name: str, hour_index: int) -> int:
    delta = datetime.fromtimestamp(hour_index * 3600, UTC).astimezone(ZoneInfo(name)).utcoffset()
    return int(delta.total_seconds()) if delta else 0


def hourly_offsets(name: str, first: int, last: int) -> tuple[int, np.ndarray]:
    """The zone's UTC offset for every UTC hour from `first` to `last` (transitions happen on the hour)."""
    return first, np.array([_offset(name, h) for h in range(first, last + 1)], dtype=np.int64)


def by_owner(owner: np.ndarray, values: np.ndarray, size: int) -> list[np.ndarray]:
    """`values` split per profile; `owner` is sorted."""
    return np.split(values, np.searchsorted(owner, np.arange(1, size)))


def as_datetimes(epochs: np.ndarray) -> tuple[datetime, ...]:
    """Sorted UTC datetimes."""
    return tuple(datetime.fromtimestamp(int(t), UTC) for t in np.sort(epochs))
