"""The events of a scoring window as flat arrays, read in each profile's local time, with what each may teach.

All profiles' sends, opens and clicks become one table (profile row, UTC epoch second, kind), sorted by profile and
time, so that everything after is vectorised over the whole database. An open or click that comes within
`machine_seconds` of a send to the same profile was made by a machine (a privacy proxy fetching the images, a link
scanner), not by a person reading: it teaches nothing about the hour and gets weight 0. Clicks weigh more than opens
(a person acted), and recent events more than old ones (habits drift).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Protocol

import numpy as np

from profilehub_shared.send_time import zone_name, zone_of

__all__ = ["zone_name", "zone_of"]

HOURS = 24
WEEKDAYS = 7
SEND, OPEN, CLICK = 0, 1, 2
_GROUP = np.int64(1) << 40  # above any epoch second we meet: one stride per profile row
DAY = 86_400


@dataclass(frozen=True)
class ProfileActivity:
    """One profile's events over the scoring window (the last 180 days)."""

    profile_id: str
    sends: Sequence[datetime]  # UTC times of messages sent to the profile
    engagements: Sequence[datetime]  # UTC times of its opens
    timezone: str | None = None  # IANA name; None (or unknown) reads the events in UTC
    clicks: Sequence[datetime] = ()  # UTC times of its clicks


@dataclass(frozen=True)
class EventTable:
    """Every event of a population, sorted by profile row then time (a send before an open of the same second)."""

    row: np.ndarray  # int64: index of the profile in the population
    epoch: np.ndarray  # int64: UTC seconds
    kind: np.ndarray  # int8: SEND, OPEN or CLICK
    profiles: int


def epoch_seconds(times: Sequence[datetime]) -> list[int]:
    """UTC seconds of each time; a naive time is taken as UTC."""
    return [int((t if t.tzinfo else t.replace(tzinfo=UTC)).timestamp()) for t in times]


def event_table(activities: Sequence[ProfileActivity]) -> EventTable:
    """The population's events as one sorted table."""
    rows: list[int] = []
    epochs: list[int] = []
    kinds: list[int] = []
    for i, a in enumerate(activities):
        for kind, times in ((SEND, a.sends), (OPEN, a.engagements), (CLICK, a.clicks)):
            epochs += epoch_seconds(times)
            rows += [i] * len(times)
            kinds += [kind] * len(times)
    row, epoch, kind_of = np.array(rows, np.int64), np.array(epochs, np.int64), np.array(kinds, np.int8)
    order = np.lexsort((kind_of, epoch, row))
    return EventTable(row[order], epoch[order], kind_of[order], len(activities))


def since_send(events: EventTable) -> np.ndarray:
    """Seconds from the profile's latest send (at or before) to each event; infinite when none came before."""
    floor = events.row * _GROUP
    stamped = np.where(events.kind == SEND, floor + events.epoch + 1, floor)
    latest_send = np.maximum.accumulate(stamped) if len(stamped) else stamped  # rows only grow: no spill-over
    gap = (events.epoch - (latest_send - floor - 1)).astype(float)
    return np.where(latest_send > floor, gap, np.inf)


def machine_made(events: EventTable, machine_seconds: float) -> np.ndarray:
    """Whether each open or click came within `machine_seconds` after the profile's latest send (never a send)."""
    return (events.kind != SEND) & (since_send(events) <= machine_seconds)


def learning_weights(events: EventTable, params: "WeightParameters", now: int | None) -> np.ndarray:
    """What each event teaches about the hour: 0 for sends and machine opens, more for clicks and recent events."""
    human = (events.kind != SEND) & (since_send(events) > params.machine_seconds)
    weight = np.where(events.kind == CLICK, params.click_weight, 1.0) * human
    if params.half_life_days > 0 and len(events.epoch):
        reference = now if now is not None else int(events.epoch.max())
        age = np.maximum(reference - events.epoch, 0) / DAY
        weight = weight * np.exp2(-age / params.half_life_days)
    return weight


class WeightParameters(Protocol):
    """The knobs `learning_weights` reads (BstParameters has them)."""

    @property
    def machine_seconds(self) -> float: ...
    @property
    def click_weight(self) -> float: ...
    @property
    def half_life_days(self) -> float: ...


def local_hours_and_weekdays(events: EventTable, zones: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each event's local hour (0-23) and weekday (0 = Monday) in its profile's zone, daylight saving included."""
    local = events.epoch + utc_offsets(np.asarray(zones, dtype=object)[events.row], events.epoch)
    return (local // 3600) % HOURS, (local // DAY + 3) % WEEKDAYS  # 1970-01-01 was a Thursday


def utc_offsets(zones: np.ndarray, epochs: np.ndarray) -> np.ndarray:
    """Seconds to add to each UTC time to get the local time of its zone, with the offset of that very moment."""
    offsets = np.zeros(len(epochs), dtype=np.int64)
    for name in set(zones.tolist()):
        if name == "UTC":
            continue
        mine = zones == name
        quarter = epochs[mine] // 900  # zones change their offset on a quarter hour at most: read per 15 min
        first = int(quarter.min())
        table = np.array([_offset(name, q) for q in range(first, int(quarter.max()) + 1)], dtype=np.int64)
        offsets[mine] = table[quarter - first]
    return offsets


@cache
def _offset(name: str, quarter: int) -> int:
    delta = datetime.fromtimestamp(quarter * 900, UTC).astimezone(zone_of(name)).utcoffset()
    return int(delta.total_seconds()) if delta else 0
