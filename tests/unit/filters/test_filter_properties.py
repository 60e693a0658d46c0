"""Properties over arbitrary JSON: a filter is refused, or becomes a query built only of known keys and operators."""

from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.fields import STANDARD_FIELDS
from profilehub_shared.fields.text import KEY_PATTERN
from profilehub_shared.filters import QUERY_OPERATORS, FilterError, parse_filter, to_query
from tests.unit.filters.conftest import NOW, make_db
from tests.unit.filters.test_conditions import CUSTOM, OBJECT_PATHS, STANDARD, SYSTEM

pytestmark = pytest.mark.unit

DB = make_db()
OBJECT_FIELDS = {f"fields.{f.name}" for f in DB.custom_fields if f.type in ("object", "object_array")}
KNOWN_PATHS = (
    {"_id", "created_at", "updated_at", "has_interactions", "suppressed", "subscription_keys", "promo_pools"}
    | {"ml.bst.hours", "ml.bst.weekdays", "ml.bst.confidence", "ml.bst.local_hours", "ml.bst.timezone"}
    | set(STANDARD_FIELDS)
    | {f"fields.{f.name}" for f in DB.custom_fields}
)
LOGICAL = {"$and", "$or"}

VALID_FIELDS = [
    *STANDARD_FIELDS,
    *(f.name for f in DB.custom_fields),
    "address.city",
    "address.geo.lat",
    "orders.sku",
    "profile_id",
    "created_at",
    "updated_at",
    "has_interactions",
    "suppressed",
    "ml.bst.hours",
    "ml.bst.weekdays",
    "ml.bst.confidence",
    "subscriptions.r1.email",
    "promo_codes.p1",
]
HOSTILE_FIELDS = [
    "subscriptions.r9.sms",
    "promo_codes.$ne",
    "$where",
    "address.$gt",
    "a.$b",
    "address..city",
    "fields.age",
    "_id",
    "subscription_keys",
    "",
    "$or",
]
VALID_OPS = ["eq", "ne", "gt", "gte", "lt", "lte", "in", "contains", "exists", "within_next_hours"]
HOSTILE_OPS = ["$where", "$gt", "regex", "EQ"]
# Values that fit some field, so that many generated filters get through and reach the safety check.
GOOD = [
    *(42, "42", -1, 1.5, "1e3", 0.5, 1, 2, 3, 9, 23, True, False, "yes"),
    *("Oslo", "ann@x.io", "Ann@Example.COM", "+79001234567", "male", "Europe/Moscow", "192.0.2.1", "vip"),
    *("2019-08-22", "2019-08-22T00:00:00+03:00", "free", "pro", "subscribed", "complainer", "today", "abc"),
]
OPERATOR_VALUES = [{"$gt": 1}, {"$where": "sleep(100)"}, [{"$ne": None}], {"city": {"$regex": ".*"}}, ["$where"]]
HOSTILE_TEXT = ["$where", "$gt", "$ne", ".*", "^a", "(a+)+$", "\\", "a.b", "$", '{"$gt": 1}']


def weighted(*strategies: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Pick a strategy first, so one with many alternatives does not crowd out the others."""
    return st.integers(0, len(strategies) - 1).flatmap(lambda i: strategies[i])


text = st.text(max_size=12) | st.sampled_from(HOSTILE_TEXT)
scalars = st.none() | st.booleans() | st.integers() | st.floats() | text
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text | st.sampled_from(HOSTILE_OPS), inner, max_size=3),
    max_leaves=12,
)
good_values = st.sampled_from(GOOD) | st.lists(st.sampled_from(GOOD), min_size=1, max_size=3)
fields = weighted(st.sampled_from(VALID_FIELDS), st.sampled_from(VALID_FIELDS), st.sampled_from(HOSTILE_FIELDS) | text)
ops = weighted(st.sampled_from(VALID_OPS), st.sampled_from(VALID_OPS), st.sampled_from(HOSTILE_OPS) | text)
plain_conditions = st.fixed_dictionaries(
    {"field": fields, "op": ops, "value": weighted(good_values, good_values, json_values)}
)
odd_conditions = st.fixed_dictionaries(
    {"field": fields, "op": ops},
    optional={"value": json_values, "$where": json_values, "path": text, "all": st.just([])},
)
# Known-good conditions, and the same with one part swapped for something arbitrary or hostile.
valid_conditions = st.sampled_from(
    [{"field": f, "op": o, "value": v} for f, o, v, _ in STANDARD + CUSTOM + OBJECT_PATHS + SYSTEM]
)
mutated_conditions = st.builds(
    lambda cond, key, new: {**cond, key: new},
    valid_conditions,
    st.sampled_from(["field", "op", "value", "$where", "path"]),
    weighted(st.sampled_from(HOSTILE_FIELDS + HOSTILE_OPS), st.sampled_from(OPERATOR_VALUES), json_values, good_values),
)
conditions = weighted(valid_conditions, valid_conditions, mutated_conditions, plain_conditions, odd_conditions)
filters = st.recursive(
    weighted(conditions, conditions, conditions, json_values),
    lambda inner: weighted(
        st.builds(lambda key, items: {key: items}, st.sampled_from(["all", "any"]), st.lists(inner, max_size=4)),
        st.builds(lambda key, items: {key: items}, st.sampled_from(["all", "any"]), st.lists(inner, max_size=4)),
        st.fixed_dictionaries(
            {}, optional={"all": st.lists(inner, max_size=4), "any": st.lists(inner, max_size=4), "$or": inner}
        ),
    ),
    max_leaves=25,
)
valid_filters = st.recursive(
    valid_conditions,
    lambda inner: st.builds(
        lambda key, items: {key: items}, st.sampled_from(["all", "any"]), st.lists(inner, min_size=1, max_size=4)
    ),
    max_leaves=12,
)
quick = st.none() | text | st.builds(lambda f, v: f"{f}:{v}", st.sampled_from(VALID_FIELDS + HOSTILE_FIELDS), text)
PROPERTY = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def is_known_path(key: str) -> bool:
    if key in KNOWN_PATHS:
        return True
    head, _, rest = key.partition(".")
    prefix = f"{head}.{rest.partition('.')[0]}"
    segments = rest.split(".")[1:]
    return prefix in OBJECT_FIELDS and 1 <= len(segments) <= 5 and all(KEY_PATTERN.fullmatch(s) for s in segments)


def is_scalar(value: object) -> bool:
    return value is None or isinstance(value, bool | int | float | str | datetime)


def assert_safe(query: dict[str, Any]) -> None:
    """Logical operators hold queries; field keys are known paths holding one operator document of scalars."""
    for key, value in query.items():
        if key in LOGICAL:
            assert isinstance(value, list) and len(value) >= 2
            for part in value:
                assert isinstance(part, dict) and part
                assert_safe(part)
            continue
        assert not key.startswith("$"), key
        assert is_known_path(key), key
        assert isinstance(value, dict) and value, value
        for operator, operand in value.items():
            assert operator in QUERY_OPERATORS - LOGICAL, operator
            items = operand if isinstance(operand, list) else [operand]
            assert all(is_scalar(item) for item in items), operand
        if "$regex" in value:
            assert isinstance(value["$regex"], str) and value.get("$options") == "i"


def translate(data: object, quick_text: str | None) -> dict[str, Any] | None:
    try:
        return to_query(DB, parse_filter(data) if data is not None else None, quick_text, now=NOW)
    except (FilterError, ValidationError):
        return None


@PROPERTY
@given(filters, quick)
def test_any_json_filter_is_refused_or_safe(data: object, quick_text: str | None) -> None:
    query = translate(data, quick_text)
    if query is not None:
        assert_safe(query)


@PROPERTY
@given(valid_filters, st.none() | st.sampled_from(["ann", "vip:yes", "address.zip:1", "$where:1", "nick:.*"]))
def test_valid_filters_always_translate_and_are_safe(data: object, quick_text: str | None) -> None:
    try:
        query = to_query(DB, parse_filter(data), quick_text, now=NOW)
    except FilterError as error:
        assert error.code == "too_deep"  # the generator may nest groups more than 5 deep
        return
    assert_safe(query)


@PROPERTY
@given(conditions)
def test_any_single_condition_is_refused_or_safe(data: dict[str, Any]) -> None:
    query = translate(data, None)
    if query is not None:
        assert_safe(query)
        assert len(query) == 1


@settings(max_examples=500, deadline=None)
@given(
    st.text(max_size=40)
    | st.builds(lambda f, v: f"{f}:{v}", st.sampled_from(VALID_FIELDS), st.sampled_from(GOOD) | text)
)
def test_any_quick_search_is_refused_or_safe(text_in: str) -> None:
    query = translate(None, text_in)
    if query is not None:
        assert_safe(query)


def test_the_whitelist_is_what_ferretdb_1_supports() -> None:
    ferretdb_1 = {"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$and", "$or", "$nor", "$not"}
    assert ferretdb_1 | {"$exists", "$regex", "$options"} >= QUERY_OPERATORS


def test_a_valid_query_passes_the_checker(db: Database) -> None:
    """Guard against a vacuous property: valid filters do reach the checker."""
    data = {
        "any": [
            {"field": "address.geo.lat", "op": "gt", "value": 1},
            {"field": "nick", "op": "contains", "value": "$where"},
            {"field": "subscriptions.r1.email", "op": "exists", "value": True},
        ]
    }
    query = translate(data, "ann")
    assert query is not None
    assert_safe(query)
