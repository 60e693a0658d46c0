"""Best Send Time across time zones and seasons: a profile's best hours are kept in its local time with its zone,
and turned into UTC with the offset of the moment in question (zoneinfo), never of the day they were scored.

A profile's 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer; `utc_hours` reads it at a given moment,
`next_utc_hours` at the next time each local hour comes round; `local_hours_ahead` gives, for a moment and a zone,
the local hours of the next N hours (a daylight-saving jump inside the window included).
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

HOURS = 24
UTC_NAME = "UTC"


@cache
def zone_of(name: str | None) -> tzinfo:
    """The IANA zone, or UTC when the profile has none or an unknown one (better UTC than no estimate)."""
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def zone_name(name: str | None) -> str:
    """The zone a profile is read in, by name: its own when known, else "UTC"."""
    return name if name and zone_of(name) is not UTC else UTC_NAME


@cache
def known_zones() -> tuple[str, ...]:
    """Every IANA zone name this machine knows, and "UTC"."""
    return tuple(sorted(available_timezones() | {UTC_NAME}))


def as_utc(now: datetime | None) -> datetime:
    """`now` in UTC (a naive time is taken as UTC); the current time when None."""
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def local_starts(day: date, hour: int, zone: tzinfo) -> list[datetime]:
    """The UTC moments `day` at `hour`:00 local time begins: none when a daylight-saving jump skips that hour, two
    when falling back repeats it."""
    starts = set()
    for fold in (0, 1):
        local = datetime(day.year, day.month, day.day, hour, fold=fold, tzinfo=zone)
        moment = local.astimezone(UTC)
        if moment.astimezone(zone).replace(tzinfo=None, fold=0) == local.replace(tzinfo=None, fold=0):
            starts.add(moment)
    return sorted(starts)


@lru_cache(maxsize=8192)  # a refresh asks the same few hundred (hour, zone) questions at one moment
def next_utc_hour(local_hour: int, timezone: str | None, now: datetime) -> int:
    """The UTC hour at which `local_hour` o'clock next begins in the zone (or began, if that hour is under way)."""
    zone = zone_of(timezone)
    current = as_utc(now)
    today = current.astimezone(zone).date()
    for ahead in range(-1, 3):
        for start in local_starts(today + timedelta(days=ahead), local_hour, zone):
            if start > current - timedelta(hours=1):  # under way or to come
                return start.hour
    raise AssertionError("every local hour comes within two days")  # pragma: no cover


def next_utc_hours(local_hours: Iterable[int], timezone: str | None, now: datetime) -> list[int]:
    """`next_utc_hour` of each local hour, duplicates dropped (the order kept)."""
    return list(dict.fromkeys(next_utc_hour(h, timezone, now) for h in local_hours))


def local_hours_ahead(now: datetime, count: int, timezone: str | None) -> tuple[int, ...]:
    """The local hours the next `count` hours from `now` fall in, in the zone (each read at its own offset)."""
    zone = zone_of(timezone)
    start = as_utc(now)
    return tuple(sorted({(start + timedelta(hours=step)).astimezone(zone).hour for step in range(count)}))


def local_weekday(now: datetime, timezone: str | None) -> int:
    """The ISO weekday (1 = Monday) it is at `now` in the zone."""
    return as_utc(now).astimezone(zone_of(timezone)).isoweekday()


@cache
def zones_by_hours_ahead(quarter: int, count: int) -> tuple[tuple[tuple[int, ...], tuple[str, ...]], ...]:
    """Every known zone grouped by the local hours of the next `count` hours from the quarter hour `quarter`
    (UTC seconds / 900: zones' offsets are whole quarter hours, so one answer holds for the quarter)."""
    now = datetime.fromtimestamp(quarter * 900, UTC)
    groups: dict[tuple[int, ...], list[str]] = {}
    for name in known_zones():
        groups.setdefault(local_hours_ahead(now, count, name), []).append(name)
    return tuple((hours, tuple(names)) for hours, names in sorted(groups.items()))


@cache
def zones_by_weekday(quarter: int) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """Every known zone grouped by the local ISO weekday at the quarter hour `quarter` (at most three groups)."""
    now = datetime.fromtimestamp(quarter * 900, UTC)
    groups: dict[int, list[str]] = {}
    for name in known_zones():
        groups.setdefault(local_weekday(now, name), []).append(name)
    return tuple((day, tuple(names)) for day, names in sorted(groups.items()))


def quarter_of(now: datetime) -> int:
    """The quarter hour `now` falls in (UTC seconds // 900)."""
    return int(as_utc(now).timestamp()) // 900
