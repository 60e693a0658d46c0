"""Synthetic populations with a known best send time, to evaluate the Best Send Time model offline.

Five time zones (two with daylight saving, east and west of UTC; the window spans both transitions) and six kinds of
profile: unimodal readers (morning, lunch, evening or any hour), bimodal ones (two times of day), night readers,
weekend-only readers, machine openers (a privacy proxy "opens" every message seconds after it is sent; the person
behind it reads some later, at their own hour) and a long tail of sparse profiles (few sends, rarely read). The
database sends mostly in its business hours (UTC). A message waits in the inbox and is read at a later hour with a
chance that is high at the profile's preferred hours and days and fades with the delay; some reads are noise at a
random later time; a read is sometimes followed by a click. Activity is read in each profile's local time with the
offset of the very moment (daylight saving included).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from .events import HOURS, WEEKDAYS, ProfileActivity, utc_offsets

TIMEZONES: tuple[str | None, ...] = (None, "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Asia/Kolkata")
TIMEZONE_SHARES = (0.3, 0.25, 0.2, 0.15, 0.1)
KINDS = ("unimodal", "bimodal", "night", "weekend", "machine", "sparse")
KIND_SHARES = (0.3, 0.15, 0.1, 0.1, 0.1, 0.25)
# Preferred hours of unimodal readers: morning, lunch and evening (centre, spread, share), else any hour.
HOUR_HABITS = ((8.0, 1.2, 0.35), (12.5, 1.0, 0.2), (20.5, 1.5, 0.3))
WEEKDAY_SHARES = np.array([0.17, 0.17, 0.17, 0.17, 0.14, 0.09, 0.09])
DELAYS = 48  # hours after a send during which it can still be read
CHUNK = 50_000  # sends processed at once: bounds memory on large populations


@dataclass(frozen=True)
class PopulationShape:
    """How a synthetic database behaves."""

    days: int = 180  # the refresh's window
    end: datetime = datetime(2025, 4, 15, tzinfo=UTC)  # the window holds October's and March's transitions
    sends: tuple[int, int] = (20, 70)  # sends per profile over the window, uniform in [low, high)
    sparse_sends: tuple[int, int] = (3, 15)  # the same for the sparse long tail
    business_share: float = 0.8  # sends between 08:00 and 17:59 UTC; the rest at any hour
    propensity: tuple[float, float] = (0.7, 1.5)  # Beta(a, b) chance that a well-timed send is read
    sparse_propensity: tuple[float, float] = (0.5, 3.0)
    habit_width: float = 1.2  # hours: how sharply reading concentrates around a preferred hour
    off_hours_activity: float = 0.05  # reading activity far from the preferred hours, relative to the peak
    off_days_activity: float = 0.4  # reading activity on non-preferred weekdays, relative to preferred ones
    weekend_only_activity: float = 0.03  # the same for weekend-only readers on weekdays
    patience: float = 6.0  # hours: how fast an unread message is forgotten
    noise_share: float = 0.15  # reads at a random later time regardless of habits
    click_share: float = 0.4  # reads at a preferred hour followed by a click (fewer at other hours)
    machine_share: float = 0.9  # a machine opener's sends that its proxy "opens" within seconds


@dataclass(frozen=True)
class SyntheticProfile:
    """A generated profile and the truth the model should recover."""

    activity: ProfileActivity
    kind: str  # one of KINDS
    preferred_hour: int  # local: the main one
    preferred_weekdays: tuple[int, ...]  # 0=Monday


def synthetic_population(size: int, seed: int, shape: PopulationShape = PopulationShape()) -> list[SyntheticProfile]:
    """`size` profiles, the same for the same seed."""
    rng = np.random.default_rng(seed)
    zones = rng.choice(len(TIMEZONES), size=size, p=TIMEZONE_SHARES)
    kinds = rng.choice(len(KINDS), size=size, p=KIND_SHARES)
    hour_activity, main_hour = hour_habits(rng, kinds, shape)
    day_activity, days = day_habits(rng, kinds, shape)
    sparse = kinds == KINDS.index("sparse")
    propensity = np.where(sparse, rng.beta(*shape.sparse_propensity, size), rng.beta(*shape.propensity, size))
    counts = np.where(sparse, rng.integers(*shape.sparse_sends, size), rng.integers(*shape.sends, size))
    owner = np.repeat(np.arange(size), counts)
    sends = send_times(rng, len(owner), shape)
    zone_names = np.array(["UTC" if z is None else z for z in TIMEZONES], dtype=object)[zones]
    opened, reads, keen = read_times(rng, owner, sends, zone_names, hour_activity, day_activity, propensity, shape)
    end = int(shape.end.timestamp())
    kept = opened & (reads < end)
    clicked = kept & (rng.random(len(reads)) < shape.click_share * keen)  # at leisure, a reader acts more often
    clicks = reads + rng.integers(10, 300, len(reads))
    clicked &= clicks < end
    machine = (kinds[owner] == KINDS.index("machine")) & (rng.random(len(sends)) < shape.machine_share)
    proxy = sends + rng.integers(1, 10, len(sends))
    open_owner = np.concatenate([owner[kept], owner[machine]])
    open_times = np.concatenate([reads[kept], proxy[machine]])
    order = np.argsort(open_owner, kind="stable")
    send_groups = by_owner(owner, sends, size)
    open_groups = by_owner(open_owner[order], open_times[order], size)
    click_groups = by_owner(owner[clicked], clicks[clicked], size)
    return [
        SyntheticProfile(
            ProfileActivity(
                f"p{i}",
                sends=as_datetimes(send_groups[i]),
                engagements=as_datetimes(open_groups[i]),
                timezone=TIMEZONES[zones[i]],
                clicks=as_datetimes(click_groups[i]),
            ),
            KINDS[kinds[i]],
            int(main_hour[i]),
            tuple(int(d) for d in np.flatnonzero(days[i])),
        )
        for i in range(size)
    ]


def hour_habits(rng: np.random.Generator, kinds: np.ndarray, shape: PopulationShape) -> tuple[np.ndarray, np.ndarray]:
    """Per profile its reading activity by local hour (profiles × 24, peak 1) and its main preferred hour."""
    size = len(kinds)
    habit = rng.choice(len(HOUR_HABITS) + 1, size=size, p=[*(w for *_, w in HOUR_HABITS), 0.15])
    centres = np.array([c for c, _, _ in HOUR_HABITS] + [12.0])[habit]
    spreads = np.array([s for _, s, _ in HOUR_HABITS] + [0.0])[habit]
    main = np.where(habit == len(HOUR_HABITS), rng.integers(0, HOURS, size), centres + rng.normal(0, 1, size) * spreads)
    night = kinds == KINDS.index("night")
    main = np.where(night, rng.normal(0.5, 1.2, size), main)
    main = np.round(main).astype(int) % HOURS
    second = (main + rng.integers(6, 13, size)) % HOURS  # bimodal: another time of day, 6 to 12 hours on
    activity = bump(main, shape.habit_width)
    bimodal = kinds == KINDS.index("bimodal")
    activity[bimodal] = np.maximum(activity[bimodal], rng.uniform(0.5, 1.0, (int(bimodal.sum()), 1)) * bump(
        second[bimodal], shape.habit_width))  # fmt: skip
    return shape.off_hours_activity + (1 - shape.off_hours_activity) * activity, main


def bump(centres: np.ndarray, width: float) -> np.ndarray:
    """A circular Gaussian bump (peak 1) over the 24 hours around each centre."""
    gap = np.abs(np.arange(HOURS)[None, :] - centres[:, None])
    return np.exp(-0.5 * (np.minimum(gap, HOURS - gap) / width) ** 2)


def day_habits(rng: np.random.Generator, kinds: np.ndarray, shape: PopulationShape) -> tuple[np.ndarray, np.ndarray]:
    """Per profile its reading activity by local weekday (profiles × 7) and the mask of its preferred weekdays."""
    size = len(kinds)
    mask = np.zeros((size, WEEKDAYS), dtype=bool)
    mask[np.arange(size), rng.choice(WEEKDAYS, size=size, p=WEEKDAY_SHARES)] = True
    second = rng.random(size) < 0.5
    mask[np.flatnonzero(second), rng.choice(WEEKDAYS, size=int(second.sum()), p=WEEKDAY_SHARES)] = True
    weekend = kinds == KINDS.index("weekend")
    mask[weekend] = np.arange(WEEKDAYS) >= 5
    off = np.where(weekend, shape.weekend_only_activity, shape.off_days_activity)[:, None]
    return np.where(mask, 1.0, off), mask


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
    hour_activity: np.ndarray,
    day_activity: np.ndarray,
    propensity: np.ndarray,
    shape: PopulationShape,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whether each send is read by its person, when (UTC epoch seconds), and the reader's activity at that hour
    (0..1), processed in chunks."""
    opened, reads = np.zeros(len(sends), dtype=bool), np.zeros(len(sends), dtype=np.int64)
    keen = np.zeros(len(sends))
    decay = np.exp(-np.arange(DELAYS) / shape.patience)
    best = best_timing(hour_activity, decay)
    for lo in range(0, len(sends), CHUNK):
        part = slice(lo, lo + CHUNK)
        who = owner[part]
        local = sends[part] + utc_offsets(zones[who], sends[part])
        slot = (local // 3600)[:, None] + np.arange(DELAYS)  # local hours since the epoch, from the send's hour on
        local_hour, local_day = slot % HOURS, (slot // HOURS + 3) % WEEKDAYS  # 1970-01-01 was a Thursday
        activity = hour_activity[who[:, None], local_hour] * day_activity[who[:, None], local_day]
        weight = activity * decay
        chance = propensity[who] * np.minimum(1.0, weight.sum(axis=1) / best[who])
        delay = np.where(
            rng.random(len(who)) < shape.noise_share,
            rng.integers(0, DELAYS, len(who)),
            (weight.cumsum(axis=1) < rng.random(len(who))[:, None] * weight.sum(axis=1)[:, None]).sum(axis=1),
        )
        opened[part] = rng.random(len(who)) < chance
        hour_start = sends[part] - sends[part] % 3600
        reads[part] = np.maximum(hour_start + delay * 3600 + rng.integers(0, 3600, len(who)), sends[part] + 60)
        keen[part] = hour_activity[who, local_hour[np.arange(len(who)), delay]]
    return opened, reads, keen


def best_timing(hour_activity: np.ndarray, decay: np.ndarray) -> np.ndarray:
    """Per profile the summed reading weight of its best-timed send on a preferred day: its chance is full."""
    ahead = (np.arange(HOURS)[:, None] + np.arange(len(decay))[None, :]) % HOURS  # arrival hour × delay
    return (hour_activity[:, ahead] * decay).sum(axis=2).max(axis=1)


def by_owner(owner: np.ndarray, values: np.ndarray, size: int) -> list[np.ndarray]:
    """`values` split per profile; `owner` is sorted."""
    return np.split(values, np.searchsorted(owner, np.arange(1, size)))


def as_datetimes(epochs: np.ndarray) -> tuple[datetime, ...]:
    """Sorted UTC datetimes."""
    return tuple(datetime.fromtimestamp(int(t), UTC) for t in np.sort(epochs))
