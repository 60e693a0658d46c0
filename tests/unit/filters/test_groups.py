"""and/or groups, the limits on depth and size, parsing from JSON, and joining with the quick search."""

from datetime import datetime
from typing import Any

import pytest
from pydantic import ValidationError

from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.filters import (
    MAX_CONDITIONS,
    MAX_GROUP_DEPTH,
    Condition,
    Filter,
    FilterError,
    Group,
    parse_filter,
    to_query,
)

AGE = Condition(field="age", op="gt", value=18)
VIP = Condition(field="vip", op="eq", value=True)
AGE_Q = {"fields.age": {"$gt": 18}}
VIP_Q = {"fields.vip": {"$eq": True}}


def nested(depth: int) -> Filter:
    flt: Filter = AGE
    for _ in range(depth):
        flt = Group(all=[flt])
    return flt


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (None, {}),
        (AGE, AGE_Q),
        (Group(all=[AGE, VIP]), {"$and": [AGE_Q, VIP_Q]}),
        (Group(any=[AGE, VIP]), {"$or": [AGE_Q, VIP_Q]}),
        (Group(any=[AGE]), AGE_Q),
        (Group(all=[AGE, Group(any=[VIP, AGE])]), {"$and": [AGE_Q, {"$or": [VIP_Q, AGE_Q]}]}),
        (nested(MAX_GROUP_DEPTH), AGE_Q),
    ],
)
def test_groups_become_and_or(db: Database, now: datetime, flt: Filter | None, expected: dict[str, Any]) -> None:
    assert to_query(db, flt, now=now) == expected


def test_groups_nest_at_most_five_deep(db: Database) -> None:
    with pytest.raises(FilterError) as caught:
        to_query(db, nested(MAX_GROUP_DEPTH + 1))
    assert caught.value.code == "too_deep"


def test_a_filter_built_in_code_may_be_nested_very_deep_and_is_still_refused(db: Database) -> None:
    with pytest.raises(FilterError) as caught:
        to_query(db, nested(5000))
    assert caught.value.code == "too_deep"


@pytest.mark.parametrize("count", [MAX_CONDITIONS, MAX_CONDITIONS + 1])
def test_at_most_100_conditions_in_all(db: Database, count: int) -> None:
    flt = Group(any=[Group(all=[AGE] * 60), Group(all=[VIP] * (count - 60))])
    if count <= MAX_CONDITIONS:
        assert len(to_query(db, flt)["$or"][1]["$and"]) == count - 60
    else:
        with pytest.raises(FilterError) as caught:
            to_query(db, flt)
        assert caught.value.code == "too_many_conditions"


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"all": []},
        {"any": []},
        {"all": [{"field": "age", "op": "gt", "value": 1}], "any": [{"field": "age", "op": "gt", "value": 1}]},
        {"$or": [{"field": "age", "op": "gt", "value": 1}]},
        {"all": [{"field": "age", "op": "gt", "value": 1}], "$where": "1"},
        {"all": {"field": "age", "op": "gt", "value": 1}},
        {"all": [{"field": "age", "op": "gt", "value": 1}] * (MAX_CONDITIONS + 1)},
        {"field": "age", "op": "gt", "value": 1, "all": []},
        [],
        "age:1",
        None,
        5,
    ],
)
def test_malformed_filters_do_not_parse(data: Any) -> None:
    with pytest.raises(ValidationError):
        parse_filter(data)


def test_parse_filter_reads_json_and_checks_limits() -> None:
    data = {"any": [{"field": "age", "op": "gt", "value": 18}, {"all": [{"field": "vip", "op": "eq", "value": True}]}]}
    assert parse_filter(data) == Group(any=[AGE, Group(all=[VIP])])
    deep: dict[str, Any] = {"field": "age", "op": "gt", "value": 18}
    for _ in range(MAX_GROUP_DEPTH + 1):
        deep = {"all": [deep]}
    with pytest.raises(FilterError):
        parse_filter(deep)


def test_hugely_nested_json_is_a_validation_error_not_a_crash() -> None:
    deep: dict[str, Any] = {"field": "age", "op": "gt", "value": 18}
    for _ in range(3000):
        deep = {"all": [deep]}
    with pytest.raises((ValidationError, FilterError)):
        parse_filter(deep)


def test_filter_and_quick_search_must_both_match(db: Database, now: datetime) -> None:
    assert to_query(db, AGE, "vip:yes", now=now) == {"$and": [AGE_Q, VIP_Q]}
    assert to_query(db, None, "vip:yes", now=now) == VIP_Q
    assert to_query(db, AGE, "   ", now=now) == AGE_Q


def test_errors_name_the_field_inside_a_group(db: Database) -> None:
    with pytest.raises(FilterError) as caught:
        to_query(db, Group(all=[AGE, Group(any=[VIP, Condition(field="nope", op="eq", value=1)])]))
    assert caught.value.to_dict()["field"] == "nope"
