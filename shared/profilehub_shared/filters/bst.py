"""Best Send Time helpers for filters, evaluated with each profile's zone at the moment of the query.

A profile keeps its best hours in local time with its zone (`ml.bst.local_hours`, `ml.bst.timezone`), so "best hour
within the next N hours" is: for every zone, the local hours of the next N hours at that zone's offset *now* (a
daylight-saving jump inside the window included). The query is one clause per group of zones that share those
hours. "Today" is the profile's own weekday now. Scores written before zones were kept (no `ml.bst.timezone`) are
read as before: UTC hours and the UTC weekday.
"""

from datetime import datetime
from typing import Any

from ..fields import FieldValueError
from ..fields.scalars import coerce_number
from ..send_time import as_utc, quarter_of, zones_by_hours_ahead, zones_by_weekday

TODAY = "today"
HOURS_FIELD, WEEKDAYS_FIELD = "ml.bst.hours", "ml.bst.weekdays"
LOCAL_HOURS, ZONE = "ml.bst.local_hours", "ml.bst.timezone"
__all__ = ["as_utc", "bst_query", "next_hours", "read_hour", "read_weekday", "read_window"]


def next_hours(now: datetime, count: int) -> list[int]:
    """The UTC hours [now.hour, now.hour + count) wrapping past midnight: 22:30 and 3 give [22, 23, 0]."""
    return [(now.hour + step) % 24 for step in range(count)]


def read_hour(field: str, raw: object) -> int:
    """An hour of the day, 0 to 23."""
    return _in_range(field, raw, 0, 23)


def read_weekday(field: str, raw: object, now: datetime) -> int:
    """An ISO weekday, 1 (Monday) to 7 (Sunday); "today" is the weekday of `now` in UTC (scores without a zone)."""
    if is_today(raw):
        return now.isoweekday()
    return _in_range(field, raw, 1, 7)


def read_window(field: str, raw: object) -> int:
    """The length of a `within_next_hours` window: 1 to 24 hours."""
    return _in_range(field, raw, 1, 24)


def is_today(raw: object) -> bool:
    return isinstance(raw, str) and raw.strip().lower() == TODAY


def bst_query(field: str, op: str, value: object, now: datetime) -> dict[str, Any] | None:
    """The zone-aware query of `ml.bst.hours within_next_hours N` and of `ml.bst.weekdays` against "today";
    None for every other condition (translated as usual)."""
    if field == HOURS_FIELD and op == "within_next_hours":
        return within_next_hours(now, read_window(field, value))
    if field != WEEKDAYS_FIELD:
        return None
    if op in ("eq", "contains") and is_today(value):
        return today(now)
    if op == "ne" and is_today(value):
        return today(now, holds=False)
    if op == "in" and isinstance(value, list) and any(is_today(v) for v in value) and len(value) <= 1000:
        others = sorted({read_weekday(field, v, now) for v in value if not is_today(v)})
        return _any([today(now), *([{WEEKDAYS_FIELD: {"$in": others}}] if others else [])])
    return None


def within_next_hours(now: datetime, count: int) -> dict[str, Any]:
    """Profiles with a best local hour among the next `count` hours of their own zone, from `now`."""
    clauses = [
        {ZONE: {"$in": list(zones)}, LOCAL_HOURS: {"$in": list(hours)}}
        for hours, zones in zones_by_hours_ahead(quarter_of(now), count)
    ]
    legacy = {ZONE: {"$exists": False}, HOURS_FIELD: {"$in": next_hours(as_utc(now), count)}}
    return _any([*clauses, legacy])


def today(now: datetime, holds: bool = True) -> dict[str, Any]:
    """Profiles whose best weekdays hold (or, `holds` False, do not hold) the weekday it is now in their zone."""
    test = "$eq" if holds else "$ne"
    clauses = [
        {ZONE: {"$in": list(zones)}, WEEKDAYS_FIELD: {test: day}} for day, zones in zones_by_weekday(quarter_of(now))
    ]
    legacy = {ZONE: {"$exists": False}, WEEKDAYS_FIELD: {test: as_utc(now).isoweekday()}}
    return _any([*clauses, legacy])


def _any(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    return {"$or": clauses} if len(clauses) > 1 else clauses[0]


def _in_range(field: str, raw: object, low: int, high: int) -> int:
    number = coerce_number(field, raw)
    if not low <= number <= high:
        raise FieldValueError(field, raw, "out_of_range", f"expected a whole number from {low} to {high}")
    return number
