"""Unknown fields, unsafe paths, tests that do not fit a type, bad values: each refused with a named FilterError."""

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from profilehub_shared.filters import Condition, FilterError

Query = Callable[[str, str, Any], dict[str, Any]]


def refusal(query: Query, field: str, op: str, value: Any) -> FilterError:
    with pytest.raises(FilterError) as caught:
        query(field, op, value)
    error = caught.value
    assert error.to_dict().keys() == {"field", "value", "code", "message"}
    assert error.field and len(error.value) <= 100
    return error


@pytest.mark.parametrize(
    ("field", "code"),
    [
        ("nope", "unknown_field"),
        ("Email", "unknown_field"),
        ("fields", "unknown_field"),
        ("fields.age", "unknown_field"),
        ("_id", "unknown_field"),
        ("subscription_keys", "unknown_field"),
        ("promo_pools", "unknown_field"),
        ("age.x", "unknown_field"),
        ("email.x", "unknown_field"),
        ("labels.x", "unknown_field"),
        ("ml", "unknown_field"),
        ("ml.bst", "unknown_field"),
        ("ml.bst.other", "unknown_field"),
        ("subscriptions", "unknown_field"),
        ("subscriptions.r1", "unknown_field"),
        ("subscriptions.r2.email", "unknown_field"),
        ("subscriptions.r1.fax", "unknown_field"),
        ("subscriptions.r1.email.status", "unknown_field"),
        ("promo_codes", "unknown_field"),
        ("promo_codes.p.code", "unknown_field"),
        ("address.a.b.c.d.e.f", "unknown_field"),
        ("$where", "invalid_path"),
        ("address.$gt", "invalid_path"),
        ("address..city", "invalid_path"),
        ("address.", "invalid_path"),
        (".address", "invalid_path"),
        ("address.ci ty", "invalid_path"),
        ("address.city\x00", "invalid_path"),
        ("subscriptions.r1:x.email", "invalid_path"),
        ("promo_codes.$ne", "invalid_path"),
        ("address.\u0441ity", "invalid_path"),  # a Cyrillic letter that looks like c
    ],
)
def test_unknown_fields_and_unsafe_paths_are_named(query: Query, field: str, code: str) -> None:
    error = refusal(query, field, "eq", "x")
    assert (error.code, error.field) == (code, field)


@pytest.mark.parametrize(
    ("field", "op", "value"),
    [
        ("vip", "gt", True),
        ("vip", "contains", "t"),
        ("vip", "in", [True]),
        ("age", "contains", 4),
        ("score", "contains", 1.0),
        ("plan", "gt", "free"),
        ("plan", "contains", "f"),
        ("nick", "gt", "a"),
        ("last_ip", "lt", "10.0.0.1"),
        ("labels", "gt", "a"),
        ("address", "eq", {"city": "Oslo"}),
        ("address", "contains", "Oslo"),
        ("orders", "contains", {"sku": "A"}),
        ("orders", "in", [{"sku": "A"}]),
        ("gender", "contains", "ma"),
        ("phones", "gt", "+79001234567"),
        ("email", "lte", "a@x.io"),
        ("seen", "contains", "2019"),
        ("birth_date", "contains", "1990"),
        ("subscriptions.r1.email", "gt", "subscribed"),
        ("subscriptions.r1.email", "contains", "sub"),
        ("promo_codes.p", "eq", "CODE"),
        ("promo_codes.p", "in", ["CODE"]),
        ("has_interactions", "gt", True),
        ("profile_id", "exists", True),
        ("profile_id", "contains", "ab"),
        ("ml.bst.confidence", "contains", 1),
        ("age", "within_next_hours", 3),
        ("ml.bst.weekdays", "within_next_hours", 3),
        ("address.city", "gt", "Oslo"),
        ("address.flag", "lt", True),
        ("address.n", "contains", 5),
    ],
)
def test_a_test_that_does_not_fit_the_type_is_refused(query: Query, field: str, op: str, value: Any) -> None:
    error = refusal(query, field, op, value)
    assert (error.code, error.field) == ("op_not_allowed", field)


@pytest.mark.parametrize(
    ("field", "op", "value", "code"),
    [
        ("age", "eq", "4.5", "not_an_integer"),
        ("age", "eq", True, "not_an_integer"),
        ("age", "gt", 2**63, "out_of_range"),
        ("age", "eq", None, "not_an_integer"),
        ("score", "eq", "NaN", "not_a_number"),
        ("score", "eq", float("nan"), "not_finite"),
        ("score", "gt", float("inf"), "not_finite"),
        ("nick", "eq", ["a"], "wrong_type"),
        ("nick", "eq", "a\x00", "nul_character"),
        ("short", "eq", "toolong", "too_long"),
        ("nick", "contains", "", "wrong_type"),
        ("nick", "contains", 5, "wrong_type"),
        ("nick", "contains", "x" * 1001, "too_long"),
        ("email", "eq", "not-an-email", "invalid_email"),
        ("seen", "gt", "yesterday", "invalid_date"),
        ("created_at", "eq", "2025-13-01", "invalid_date"),
        ("vip", "eq", "maybe", "not_a_boolean"),
        ("vip", "eq", "maybe", "not_a_boolean"),
        ("plan", "eq", "gold", "not_an_option"),
        ("last_ip", "eq", "999.1.1.1", "invalid_ip"),
        ("labels", "contains", "a,b", "one_value_expected"),
        ("labels", "contains", "", "one_value_expected"),
        ("labels", "eq", ["a"], "wrong_type"),
        ("labels", "in", [["a", "b"]], "wrong_type"),
        ("phones", "contains", "89001234567", "invalid_phone"),
        ("phones", "contains", "+79001234567,+79001234568", "one_value_expected"),
        ("address.city", "eq", None, "null_value"),
        ("address.city", "eq", ["a"], "wrong_type"),
        ("address.n", "eq", 2**64, "out_of_range"),
        ("profile_id", "eq", "", "wrong_type"),
        ("profile_id", "eq", 5, "wrong_type"),
        ("ml.bst.hours", "contains", 24, "out_of_range"),
        ("ml.bst.hours", "contains", -1, "out_of_range"),
        ("ml.bst.weekdays", "contains", 0, "out_of_range"),
        ("ml.bst.weekdays", "contains", "tomorrow", "not_an_integer"),
        ("ml.bst.hours", "within_next_hours", 0, "out_of_range"),
        ("ml.bst.hours", "within_next_hours", 25, "out_of_range"),
        ("ml.bst.hours", "within_next_hours", True, "not_an_integer"),
        ("subscriptions.r1.email", "eq", "gone", "not_an_option"),
        ("subscriptions.r1.email", "eq", "Subscribed", "not_an_option"),
        ("age", "exists", "yes", "not_a_boolean"),
        ("age", "exists", None, "not_a_boolean"),
        ("age", "exists", 1, "not_a_boolean"),
        ("age", "in", 1, "not_a_list"),
        ("age", "in", "1,2", "not_a_list"),
        ("age", "in", [], "wrong_length"),
        ("age", "in", list(range(1001)), "wrong_length"),
        ("age", "in", [1, "x"], "not_an_integer"),
    ],
)
def test_a_bad_value_is_refused_with_its_reason(query: Query, field: str, op: str, value: Any, code: str) -> None:
    error = refusal(query, field, op, value)
    assert (error.code, error.field) == (code, field)


OPERATOR_VALUES = [{"$gt": 1}, {"$where": "sleep(1000)"}, {"$ne": None}, {"$regex": ".*"}, {"city": {"$gt": ""}}]
EVERY_FIELD = [
    "email",
    "phones",
    "first_name",
    "birth_date",
    "gender",
    "timezone",
    "ip",
    "age",
    "score",
    "nick",
    "seen",
    "vip",
    "plan",
    "last_ip",
    "labels",
    "address",
    "orders",
    "address.city",
    "orders.sku",
    "profile_id",
    "created_at",
    "has_interactions",
    "ml.bst.hours",
    "ml.bst.weekdays",
    "ml.bst.confidence",
    "subscriptions.r1.email",
    "promo_codes.p",
]


@pytest.mark.parametrize("field", EVERY_FIELD)
@pytest.mark.parametrize("op", ["eq", "ne", "gt", "in", "contains", "exists", "within_next_hours"])
@pytest.mark.parametrize("value", OPERATOR_VALUES)
def test_an_operator_document_as_value_is_never_an_operator(query: Query, field: str, op: str, value: Any) -> None:
    """Values are read by the field's type, so a `{"$gt": 1}` value is simply not a value of any type."""
    refusal(query, field, op, value)
    refusal(query, field, "in", [value])


@pytest.mark.parametrize(
    "data",
    [
        {"field": "age", "op": "$where", "value": 1},
        {"field": "age", "op": "regex", "value": ".*"},
        {"field": "age", "op": "eq", "value": 1, "$where": "1"},
        {"field": "age", "op": "eq", "value": 1, "path": "fields.age"},
        {"field": "", "op": "eq", "value": 1},
        {"field": "a" * 301, "op": "eq", "value": 1},
        {"field": 5, "op": "eq", "value": 1},
        {"field": "age", "op": "eq", "value": b"1"},
    ],
)
def test_malformed_conditions_do_not_validate(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Condition.model_validate(data)
