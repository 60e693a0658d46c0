"""Best Send Time conditions: "today" and the next N hours, against an injected clock."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.filters import Condition, to_query
from profilehub_shared.filters.bst import as_utc, next_hours

HOURS = "ml.bst.hours"
WEEKDAYS = "ml.bst.weekdays"


def within(db: Database, hours: object, now: datetime | None) -> object:
    return to_query(db, Condition(field=HOURS, op="within_next_hours", value=hours), now=now)[HOURS]


@pytest.mark.parametrize(
    ("hour", "count", "expected"),
    [
        (22, 1, [22]),
        (22, 3, [22, 23, 0]),
        (0, 2, [0, 1]),
        (23, 2, [23, 0]),
        (5, 24, [*range(5, 24), *range(5)]),
    ],
)
def test_the_next_hours_wrap_past_midnight(hour: int, count: int, expected: list[int]) -> None:
    assert next_hours(datetime(2025, 1, 15, hour, 59, tzinfo=UTC), count) == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2025, 1, 15, 22, 30, tzinfo=UTC), [22, 23, 0]),
        (datetime(2025, 1, 16, 1, 30, tzinfo=timezone(timedelta(hours=3))), [22, 23, 0]),  # same instant
        (datetime(2025, 1, 15, 22, 30), [22, 23, 0]),  # naive: taken as UTC
    ],
)
def test_within_next_hours_uses_the_clock_in_utc(db: Database, now: datetime, expected: list[int]) -> None:
    assert within(db, 3, now) == {"$in": expected}


def test_within_next_hours_accepts_text_and_defaults_to_the_real_clock(db: Database) -> None:
    before = datetime.now(UTC).hour
    result = within(db, "24", None)
    assert isinstance(result, dict) and sorted(result["$in"]) == list(range(24))
    assert result["$in"][0] in (before, (before + 1) % 24)


@pytest.mark.parametrize(
    ("now", "value", "expected"),
    [
        (datetime(2025, 1, 15, 22, 30, tzinfo=UTC), "today", {"$eq": 3}),  # Wednesday
        (datetime(2025, 1, 15, 23, 30, tzinfo=timezone(timedelta(hours=-5))), "Today", {"$eq": 4}),  # Thu in UTC
        (datetime(2025, 1, 19, tzinfo=UTC), "today", {"$eq": 7}),  # Sunday
        (datetime(2025, 1, 19, tzinfo=UTC), 1, {"$eq": 1}),
    ],
)
def test_today_is_the_iso_weekday_in_utc(db: Database, now: datetime, value: object, expected: object) -> None:
    cond = Condition.model_validate({"field": WEEKDAYS, "op": "contains", "value": value})
    assert to_query(db, cond, now=now) == {WEEKDAYS: expected}


def test_today_inside_in(db: Database, now: datetime) -> None:
    cond = Condition(field=WEEKDAYS, op="in", value=["today", 6, 3])
    assert to_query(db, cond, now=now) == {WEEKDAYS: {"$in": [3, 6]}}


def test_as_utc() -> None:
    assert as_utc(datetime(2025, 1, 1, 3, tzinfo=timezone(timedelta(hours=3)))) == datetime(2025, 1, 1, tzinfo=UTC)
    assert as_utc(None).tzinfo is UTC
