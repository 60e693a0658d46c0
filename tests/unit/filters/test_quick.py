"""Quick search: `field:value` read as typed text, bare text looked for in email and names."""

from datetime import UTC, datetime
from typing import Any

import pytest

from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.filters import Condition, FilterError, Group, parse_quick_search, to_query
from profilehub_shared.filters.bst import today
from tests.unit.filters.conftest import NOW

NAMES = ("email", "first_name", "last_name")


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("email:ann@x.io", "email", "ann@x.io"),
        ("  age : 42 ", "age", "42"),
        ("nick:a:b", "nick", "a:b"),
        ("subscriptions.r1.email:subscribed", "subscriptions.r1.email", "subscribed"),
        ("address.city:Oslo", "address.city", "Oslo"),
        ("http://example.com", "http", "//example.com"),
    ],
)
def test_field_colon_value_is_an_eq_condition(text: str, field: str, value: str) -> None:
    assert parse_quick_search(text) == Condition(field=field, op="eq", value=value)


@pytest.mark.parametrize("text", ["ann", "Ann Smith", ":x", "$where:1", "a b:c", '{"$gt": ""}', "a.$b:1"])
def test_other_text_is_looked_for_in_email_and_names(text: str) -> None:
    expected = Group(any=[Condition(field=f, op="contains", value=text.strip()) for f in NAMES])
    assert parse_quick_search(text) == expected


@pytest.mark.parametrize(
    ("text", "code"), [("", "empty_search"), ("   ", "empty_search"), ("age:", "empty_value"), ("x" * 1001, "too_long")]
)
def test_unusable_quick_searches_are_refused(text: str, code: str) -> None:
    with pytest.raises(FilterError) as caught:
        parse_quick_search(text)
    assert caught.value.code == code


def test_a_long_field_name_is_unknown_not_a_crash() -> None:
    with pytest.raises(FilterError) as caught:
        parse_quick_search("a" * 400 + ":1")
    assert caught.value.code == "unknown_field"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email:Ann@Example.com", {"email": {"$eq": "ann@example.com"}}),
        ("vip:yes", {"fields.vip": {"$eq": True}}),
        ("vip:OFF", {"fields.vip": {"$eq": False}}),
        ("age:42", {"fields.age": {"$eq": 42}}),
        ("plan:2", {"fields.plan": {"$eq": "pro"}}),
        ("labels:vip", {"fields.labels": {"$eq": "vip"}}),
        ("birth_date:1990-05-01", {"birth_date": {"$eq": datetime(1990, 5, 1, tzinfo=UTC)}}),
        ("suppressed:no", {"suppressed": {"$ne": True}}),
        ("profile_id:abc", {"_id": {"$eq": "abc"}}),
        ("subscriptions.r1.email:Subscribed", {"subscription_keys": {"$eq": "r1:email:subscribed"}}),
        ("ml.bst.hours:9", {"ml.bst.hours": {"$eq": 9}}),
        ("ml.bst.weekdays:today", today(NOW)),  # the weekday in each profile's zone (see test_bst)
        ("address.zip:190000", {"fields.address.zip": {"$in": ["190000", 190000]}}),
        ("address.ratio:0.5", {"fields.address.ratio": {"$in": ["0.5", 0.5]}}),
        ("address.main:true", {"fields.address.main": {"$in": ["true", True]}}),
        ("address.city:Oslo", {"fields.address.city": {"$eq": "Oslo"}}),
        (
            "ann",
            {
                "$or": [
                    {"email": {"$regex": "ann", "$options": "i"}},
                    {"first_name": {"$regex": "ann", "$options": "i"}},
                    {"last_name": {"$regex": "ann", "$options": "i"}},
                ]
            },
        ),
        (
            "$where:1",
            {
                "$or": [
                    {"email": {"$regex": r"\$where:1", "$options": "i"}},
                    {"first_name": {"$regex": r"\$where:1", "$options": "i"}},
                    {"last_name": {"$regex": r"\$where:1", "$options": "i"}},
                ]
            },
        ),
    ],
)
def test_quick_values_are_read_as_typed_text(db: Database, now: datetime, text: str, expected: dict[str, Any]) -> None:
    assert to_query(db, None, text, now=now) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("nope:1", "unknown_field"),
        ("http://example.com", "unknown_field"),
        ("age:old", "not_an_integer"),
        ("labels:a,b", "one_value_expected"),
        ("address:x", "op_not_allowed"),
        ("promo_codes.p:yes", "op_not_allowed"),
        ("nick:a\x00", "nul_character"),
    ],
)
def test_quick_search_errors_name_the_field(db: Database, text: str, code: str) -> None:
    with pytest.raises(FilterError) as caught:
        to_query(db, None, text)
    assert caught.value.code == code
