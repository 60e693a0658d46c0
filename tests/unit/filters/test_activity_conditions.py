"""Activity conditions and relative times: last times, counts where absent means 0, `-30d` against the clock."""

from datetime import timedelta
from typing import Any

import pytest

from profilehub_shared.filters import FilterError
from profilehub_shared.filters.activity import FAMILIES, families_of, relative_time
from tests.unit.filters.conftest import NOW, Query

ABSENT = {"$exists": False}


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("activity.last_open_at", "gte", "-30d", {"activity.last_open_at": {"$gte": NOW - timedelta(days=30)}}),
        ("activity.last_click_at", "lt", "-12h", {"activity.last_click_at": {"$lt": NOW - timedelta(hours=12)}}),
        ("activity.last_send_at", "gt", " - 15 m ", {"activity.last_send_at": {"$gt": NOW - timedelta(minutes=15)}}),
        ("activity.last_sms_deliv_at", "lte", "+1w", {"activity.last_sms_deliv_at": {"$lte": NOW + timedelta(7)}}),
        ("activity.last_open_at", "exists", False, {"activity.last_open_at": ABSENT}),
        ("created_at", "gte", "-7d", {"created_at": {"$gte": NOW - timedelta(days=7)}}),
        ("seen", "lt", "-1d", {"fields.seen": {"$lt": NOW - timedelta(days=1)}}),
        ("birth_date", "lt", "-1000w", {"birth_date": {"$lt": NOW - timedelta(weeks=1000)}}),
        # A count a profile does not have is 0: tests that 0 passes also take the profiles without one.
        ("activity.click_count", "eq", 0, {"$or": [{"activity.click_count": ABSENT}, {"activity.click_count": {"$eq": 0}}]}),
        ("activity.click_count", "lt", "3", {"$or": [{"activity.click_count": ABSENT}, {"activity.click_count": {"$lt": 3}}]}),
        ("activity.click_count", "in", [0, 5], {"$or": [{"activity.click_count": ABSENT}, {"activity.click_count": {"$in": [0, 5]}}]}),
        ("activity.click_count", "ne", 2, {"$or": [{"activity.click_count": ABSENT}, {"activity.click_count": {"$ne": 2}}]}),
        ("activity.click_count", "gte", 1, {"activity.click_count": {"$gte": 1}}),
        ("activity.bounce_count", "gt", 0, {"activity.bounce_count": {"$gt": 0}}),
        ("activity.click_count", "ne", 0, {"activity.click_count": {"$ne": 0}}),
        ("activity.unsub_count", "exists", True, {"activity.unsub_count": {"$exists": True}}),
    ],
)  # fmt: skip
def test_activity_conditions(query: Query, field: str, op: str, value: Any, expected: dict[str, Any]) -> None:
    assert query(field, op, value) == expected


@pytest.mark.parametrize(
    ("field", "op", "value", "code"),
    [
        ("activity.last_frob_at", "gte", "-1d", "unknown_field"),
        ("activity.open", "eq", 1, "unknown_field"),
        ("activity.last_open_at", "gte", "-30x", "invalid_date"),
        ("activity.last_open_at", "gte", "-1M", "invalid_date"),
        ("activity.last_open_at", "contains", "x", "op_not_allowed"),
        ("activity.last_open_at", "gte", "-999999d", "out_of_range"),
        ("activity.click_count", "eq", -1, "out_of_range"),
        ("activity.click_count", "eq", "many", "not_an_integer"),
    ],
)
def test_bad_activity_conditions_name_field_value_and_reason(
    query: Query, field: str, op: str, value: Any, code: str
) -> None:
    with pytest.raises(FilterError) as raised:
        query(field, op, value)
    assert (raised.value.field, raised.value.code) == (field, code)


@pytest.mark.parametrize(
    ("interaction", "families"),
    [
        ("open", ("open",)),
        ("uopen", ("uopen",)),
        ("sbounce", ("sbounce", "bounce")),
        ("sms_hbounce", ("sms_hbounce", "sms_bounce")),
        ("push_click", ("push_click",)),
        ("suppress", ("suppress",)),
        ("import_open", ()),
    ],
)
def test_the_families_an_interaction_counts_in(interaction: str, families: tuple[str, ...]) -> None:
    assert families_of(interaction) == families
    assert set(families) <= set(FAMILIES)


def test_text_that_is_no_relative_time_is_left_to_the_date_reader() -> None:
    assert relative_time("f", "2025-01-01", NOW) is None
    assert relative_time("f", 30, NOW) is None
    assert relative_time("f", "-0d", NOW) == NOW
