"""Best Send Time conditions: "today" and the next N hours, read in each profile's own zone at the moment of the
query, across both daylight-saving transitions east (Berlin) and west (New York) of UTC and in a zone without
(Tokyo); scores stored before zones were kept read as UTC."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.filters import Condition, to_query
from profilehub_shared.filters.bst import as_utc, next_hours
from profilehub_shared.filters.translate import QUERY_OPERATORS
from profilehub_shared.send_time import local_hours_ahead, zone_of

HOURS = "ml.bst.hours"
WEEKDAYS = "ml.bst.weekdays"


def matches(query: dict[str, Any], doc: dict[str, Any]) -> bool:
    """The meaning of the operators these queries use, on a flat document with dotted keys (as MongoDB reads them)."""
    for key, test in query.items():
        if key == "$or":
            if not any(matches(q, doc) for q in test):
                return False
            continue
        value = doc.get(key)
        values = value if isinstance(value, list) else [value]
        for op, operand in test.items():
            if op == "$in":
                ok = value is not None and any(v in operand for v in values)
            elif op == "$eq":
                ok = operand in values
            elif op == "$ne":
                ok = operand not in values
            else:
                assert op == "$exists"
                ok = (key in doc) is operand
            if not ok:
                return False
    return True


def profile(zone: str | None, local_hours: list[int], weekdays: list[int] = [1]) -> dict[str, Any]:  # noqa: B006
    doc: dict[str, Any] = {HOURS: [0], WEEKDAYS: weekdays, "ml.bst.local_hours": local_hours}
    doc["ml.bst.timezone"] = zone
    return doc


def within(db: Database, hours: object, now: datetime | None) -> dict[str, Any]:
    return to_query(db, Condition(field=HOURS, op="within_next_hours", value=hours), now=now)


def local(zone: str, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone_of(zone)).astimezone(UTC)


# (zone, a moment just before 09:00 local on either side of each transition of 2026): a 09:00 reader is due then.
TRANSITIONS = [
    ("Europe/Berlin", (2026, 3, 28, 8, 30)),  # the day before summer time
    ("Europe/Berlin", (2026, 3, 29, 8, 30)),  # its first day
    ("Europe/Berlin", (2026, 10, 24, 8, 30)),
    ("Europe/Berlin", (2026, 10, 25, 8, 30)),  # back to winter time
    ("America/New_York", (2026, 3, 7, 8, 30)),
    ("America/New_York", (2026, 3, 8, 8, 30)),
    ("America/New_York", (2026, 10, 31, 8, 30)),
    ("America/New_York", (2026, 11, 1, 8, 30)),
    ("Asia/Tokyo", (2026, 3, 29, 8, 30)),
    ("Asia/Tokyo", (2026, 10, 25, 8, 30)),
]


@pytest.mark.parametrize(("zone", "moment"), TRANSITIONS)
def test_a_local_best_hour_is_due_at_that_local_hour_on_both_sides_of_each_transition(
    db: Database, zone: str, moment: tuple[int, int, int, int, int]
) -> None:
    now = local(zone, *moment)
    query = within(db, 1, now + timedelta(minutes=30))  # 09:00 local
    assert matches(query, profile(zone, [9]))
    assert not matches(query, profile(zone, [8])) and not matches(query, profile(zone, [10]))
    assert matches(within(db, 2, now), profile(zone, [9]))  # 08:30 and 09:30 local
    assert not matches(within(db, 1, now), profile(zone, [9]))


def test_the_same_utc_moment_is_a_different_local_hour_in_summer_and_winter(db: Database) -> None:
    winter, summer = datetime(2026, 1, 15, 8, tzinfo=UTC), datetime(2026, 7, 15, 8, tzinfo=UTC)
    berlin, new_york = profile("Europe/Berlin", [9]), profile("America/New_York", [3])
    assert matches(within(db, 1, winter), berlin) and not matches(within(db, 1, summer), berlin)
    assert matches(within(db, 1, winter), new_york) and not matches(within(db, 1, summer), new_york)
    assert matches(within(db, 1, summer), profile("America/New_York", [4]))
    assert matches(within(db, 1, summer), profile("Asia/Tokyo", [17])) and matches(
        within(db, 1, winter), profile("Asia/Tokyo", [17])
    )


def test_a_window_over_the_spring_jump_skips_the_missing_hour_and_reaches_one_more(db: Database) -> None:
    now = local("Europe/Berlin", 2026, 3, 29, 1, 0)  # 01:00 CET; 02:00 does not exist that night
    assert local_hours_ahead(now, 2, "Europe/Berlin") == (1, 3)
    assert matches(within(db, 2, now), profile("Europe/Berlin", [3]))
    assert not matches(within(db, 2, now), profile("Europe/Berlin", [4]))


def test_a_window_over_the_autumn_fall_back_holds_the_repeated_hour_once(db: Database) -> None:
    now = local("Europe/Berlin", 2026, 10, 25, 1, 0)  # 01:00 CEST; 02:00 comes twice that night
    assert local_hours_ahead(now, 3, "Europe/Berlin") == (1, 2)
    assert not matches(within(db, 3, now), profile("Europe/Berlin", [3]))


def test_scores_without_a_zone_are_read_in_utc_as_before(db: Database) -> None:
    old = {HOURS: [23], WEEKDAYS: [3]}
    now = datetime(2025, 1, 15, 22, 30, tzinfo=UTC)  # Wednesday
    assert matches(within(db, 3, now), old) and not matches(within(db, 1, now), old)
    today = to_query(db, Condition(field=WEEKDAYS, op="eq", value="today"), now=now)
    assert matches(today, old) and not matches(today, {WEEKDAYS: [4]})


@pytest.mark.parametrize(
    ("now", "zone", "weekday"),
    [
        (datetime(2026, 3, 8, 23, 30, tzinfo=UTC), "Europe/Berlin", 1),  # Monday 00:30 CET
        (datetime(2026, 3, 8, 23, 30, tzinfo=UTC), "America/New_York", 7),  # Sunday 19:30 EDT
        (datetime(2026, 3, 8, 15, 30, tzinfo=UTC), "Asia/Tokyo", 1),  # Monday 00:30 JST
        (datetime(2026, 10, 25, 22, 30, tzinfo=UTC), "Europe/Berlin", 7),  # Sunday 23:30 CET
        (datetime(2026, 3, 29, 22, 30, tzinfo=UTC), "Europe/Berlin", 1),  # Monday 00:30 CEST
    ],
)
def test_today_is_the_weekday_in_the_profile_zone(db: Database, now: datetime, zone: str, weekday: int) -> None:
    query = to_query(db, Condition(field=WEEKDAYS, op="contains", value="Today"), now=now)
    other = weekday % 7 + 1
    assert matches(query, profile(zone, [9], [weekday])) and not matches(query, profile(zone, [9], [other]))
    negated = to_query(db, Condition(field=WEEKDAYS, op="ne", value="today"), now=now)
    assert not matches(negated, profile(zone, [9], [weekday])) and matches(negated, profile(zone, [9], [other]))


def test_today_inside_in(db: Database, now: datetime) -> None:
    query = to_query(db, Condition(field=WEEKDAYS, op="in", value=["today", 6]), now=now)  # Wednesday in UTC
    assert matches(query, profile("UTC", [9], [3])) and matches(query, profile("Asia/Tokyo", [9], [6]))
    assert matches(query, profile("Asia/Tokyo", [9], [4]))  # already Thursday in Tokyo
    assert not matches(query, profile("UTC", [9], [4]))


@given(
    st.datetimes(datetime(2024, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)),
    st.integers(1, 24),
    st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Tokyo", "UTC", "Australia/Lord_Howe"]),
    st.integers(0, 23),
)
def test_a_best_hour_is_due_exactly_when_the_local_clock_shows_it_within_the_window(
    db: Database, now: datetime, count: int, zone: str, hour: int
) -> None:
    due = any((now + timedelta(hours=s)).astimezone(zone_of(zone)).hour == hour for s in range(count))
    assert matches(within(db, count, now), profile(zone, [hour])) is due


def test_the_queries_use_only_supported_operators(db: Database, now: datetime) -> None:
    def operators(node: object) -> set[str]:
        if isinstance(node, dict):
            return {k for k in node if k.startswith("$")} | {o for v in node.values() for o in operators(v)}
        return {o for v in node for o in operators(v)} if isinstance(node, list) else set()

    today = to_query(db, Condition(field=WEEKDAYS, op="eq", value="today"), now=now)
    assert operators(within(db, 5, now)) | operators(today) <= QUERY_OPERATORS


@pytest.mark.parametrize(
    ("hour", "count", "expected"),
    [(22, 1, [22]), (22, 3, [22, 23, 0]), (0, 2, [0, 1]), (23, 2, [23, 0]), (5, 24, [*range(5, 24), *range(5)])],
)
def test_the_next_utc_hours_wrap_past_midnight(hour: int, count: int, expected: list[int]) -> None:
    assert next_hours(datetime(2025, 1, 15, hour, 59, tzinfo=UTC), count) == expected


@pytest.mark.parametrize("value", [0, 25, "soon", 2.5])
def test_a_bad_window_is_refused_naming_field_and_value(db: Database, value: object) -> None:
    from profilehub_shared.filters import FilterError

    with pytest.raises(FilterError) as caught:
        within(db, value, datetime(2026, 1, 1, tzinfo=UTC))
    assert caught.value.field == HOURS


def test_as_utc() -> None:
    assert as_utc(datetime(2025, 1, 1, 3, tzinfo=timezone(timedelta(hours=3)))) == datetime(2025, 1, 1, tzinfo=UTC)
    assert as_utc(None).tzinfo is UTC
