"""Best Send Time helpers for filters: "today" as an ISO weekday, and the next N hours as a circular window."""

from datetime import UTC, datetime

from ..fields import FieldValueError
from ..fields.scalars import coerce_number

TODAY = "today"


def as_utc(now: datetime | None) -> datetime:
    """`now` in UTC (a naive time is taken as UTC); the current time when None."""
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def next_hours(now: datetime, count: int) -> list[int]:
    """The UTC hours [now.hour, now.hour + count) wrapping past midnight: 22:30 and 3 give [22, 23, 0]."""
    return [(now.hour + step) % 24 for step in range(count)]


def read_hour(field: str, raw: object) -> int:
    """An hour of the day, 0 to 23."""
    return _in_range(field, raw, 0, 23)


def read_weekday(field: str, raw: object, now: datetime) -> int:
    """An ISO weekday, 1 (Monday) to 7 (Sunday); "today" is the weekday of `now` in UTC."""
    if isinstance(raw, str) and raw.strip().lower() == TODAY:
        return now.isoweekday()
    return _in_range(field, raw, 1, 7)


def read_window(field: str, raw: object) -> int:
    """The length of a `within_next_hours` window: 1 to 24 hours."""
    return _in_range(field, raw, 1, 24)


def _in_range(field: str, raw: object, low: int, high: int) -> int:
    number = coerce_number(field, raw)
    if not low <= number <= high:
        raise FieldValueError(field, raw, "out_of_range", f"expected a whole number from {low} to {high}")
    return number
