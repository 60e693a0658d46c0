"""One condition per type and test: the query it becomes, with the value in its stored form."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from profilehub_shared.filters import STATUSES

D = datetime
Query = Callable[[str, str, Any], dict[str, Any]]


STANDARD = [
    ("email", "eq", "Ann@Example.COM", {"email": {"$eq": "ann@example.com"}}),
    ("email", "ne", " a@x.io ", {"email": {"$ne": "a@x.io"}}),
    ("email", "in", ["a@x.io", "B@Y.io"], {"email": {"$in": ["a@x.io", "b@y.io"]}}),
    ("email", "contains", "Example", {"email": {"$regex": "Example", "$options": "i"}}),
    ("email", "contains", "a.b+c", {"email": {"$regex": r"a\.b\+c", "$options": "i"}}),
    ("email", "exists", True, {"email": {"$exists": True}}),
    ("phones", "eq", "+7 900 123-45-67", {"phones": {"$eq": "+79001234567"}}),
    ("phones", "contains", "+79001234567", {"phones": {"$eq": "+79001234567"}}),
    ("phones", "ne", "+79001234567", {"phones": {"$ne": "+79001234567"}}),
    ("phones", "in", ["+79001234567", "+442079460958"], {"phones": {"$in": ["+79001234567", "+442079460958"]}}),
    ("phones", "exists", False, {"phones": {"$exists": False}}),
    ("first_name", "eq", " Ann ", {"first_name": {"$eq": "Ann"}}),
    ("last_name", "contains", "sm", {"last_name": {"$regex": "sm", "$options": "i"}}),
    ("city", "in", ["Oslo", "Oslo", "Rome"], {"city": {"$in": ["Oslo", "Rome"]}}),
    ("postal_code", "eq", 190000, {"postal_code": {"$eq": "190000"}}),
    ("birth_date", "gte", "1990-05-01", {"birth_date": {"$gte": D(1990, 5, 1, tzinfo=UTC)}}),
    ("birth_date", "lt", "2000-01-01T03:00:00+03:00", {"birth_date": {"$lt": D(2000, 1, 1, tzinfo=UTC)}}),
    ("reg_date", "exists", False, {"reg_date": {"$exists": False}}),
    ("gender", "eq", "Female", {"gender": {"$eq": "female"}}),
    ("gender", "in", ["male", "female"], {"gender": {"$in": ["male", "female"]}}),
    ("timezone", "eq", "europe/moscow", {"timezone": {"$eq": "Europe/Moscow"}}),
    ("timezone", "contains", "Europe/", {"timezone": {"$regex": r"Europe/", "$options": "i"}}),
    ("ip", "eq", "192.0.2.1", {"ip": {"$eq": "192.0.2.1"}}),
    ("reg_ip", "contains", "192.0.", {"reg_ip": {"$regex": r"192\.0\.", "$options": "i"}}),
]

CUSTOM = [
    ("age", "eq", 42, {"fields.age": {"$eq": 42}}),
    ("age", "gt", "42", {"fields.age": {"$gt": 42}}),
    ("age", "gte", 42.0, {"fields.age": {"$gte": 42}}),
    ("age", "lt", -1, {"fields.age": {"$lt": -1}}),
    ("age", "lte", 18, {"fields.age": {"$lte": 18}}),
    ("age", "ne", 5, {"fields.age": {"$ne": 5}}),
    ("age", "in", [1, "2", 1], {"fields.age": {"$in": [1, 2]}}),
    ("age", "exists", True, {"fields.age": {"$exists": True}}),
    ("score", "gte", "1e3", {"fields.score": {"$gte": 1000.0}}),
    ("score", "lt", 0.5, {"fields.score": {"$lt": 0.5}}),
    ("nick", "eq", "Bob", {"fields.nick": {"$eq": "Bob"}}),
    ("nick", "ne", "Bob", {"fields.nick": {"$ne": "Bob"}}),
    ("nick", "contains", "(b)*", {"fields.nick": {"$regex": r"\(b\)\*", "$options": "i"}}),
    ("nick", "contains", "^.*$", {"fields.nick": {"$regex": r"\^\.\*\$", "$options": "i"}}),
    ("nick", "contains", "Ünï", {"fields.nick": {"$regex": "Ünï", "$options": "i"}}),
    ("nick", "in", ["a", "b"], {"fields.nick": {"$in": ["a", "b"]}}),
    ("seen", "gt", "2019-08-22T00:00:00.000Z", {"fields.seen": {"$gt": D(2019, 8, 22, tzinfo=UTC)}}),
    ("seen", "lte", "2019-08-22", {"fields.seen": {"$lte": D(2019, 8, 22, tzinfo=UTC)}}),
    ("seen", "in", ["2019-08-22"], {"fields.seen": {"$in": [D(2019, 8, 22, tzinfo=UTC)]}}),
    ("vip", "eq", True, {"fields.vip": {"$eq": True}}),
    ("vip", "ne", "false", {"fields.vip": {"$ne": False}}),
    ("vip", "exists", False, {"fields.vip": {"$exists": False}}),
    ("plan", "eq", "pro", {"fields.plan": {"$eq": "pro"}}),
    ("plan", "eq", 1, {"fields.plan": {"$eq": "free"}}),
    ("plan", "in", ["free", 2], {"fields.plan": {"$in": ["free", "pro"]}}),
    ("last_ip", "in", ["10.0.0.1"], {"fields.last_ip": {"$in": ["10.0.0.1"]}}),
    ("last_ip", "contains", "10.", {"fields.last_ip": {"$regex": r"10\.", "$options": "i"}}),
    ("labels", "contains", "vip", {"fields.labels": {"$eq": "vip"}}),
    ("labels", "eq", " vip ", {"fields.labels": {"$eq": "vip"}}),
    ("labels", "ne", "spam", {"fields.labels": {"$ne": "spam"}}),
    ("labels", "in", ["a", "b"], {"fields.labels": {"$in": ["a", "b"]}}),
    ("address", "exists", True, {"fields.address": {"$exists": True}}),
    ("orders", "exists", False, {"fields.orders": {"$exists": False}}),
]

OBJECT_PATHS = [
    ("address.city", "eq", "Oslo", {"fields.address.city": {"$eq": "Oslo"}}),
    ("address.city", "contains", "os", {"fields.address.city": {"$regex": "os", "$options": "i"}}),
    ("address.geo.lat", "gt", 59.9, {"fields.address.geo.lat": {"$gt": 59.9}}),
    ("address.is_main", "eq", True, {"fields.address.is_main": {"$eq": True}}),
    ("address.zip", "in", [190000, "190000", True, 1], {"fields.address.zip": {"$in": [190000, "190000", True, 1]}}),
    ("address.zip", "exists", False, {"fields.address.zip": {"$exists": False}}),
    ("address.a-b.c_d.e.f.g", "ne", 1, {"fields.address.a-b.c_d.e.f.g": {"$ne": 1}}),
    ("orders.sku", "eq", "A-1", {"fields.orders.sku": {"$eq": "A-1"}}),
    ("orders.total", "gte", 100, {"fields.orders.total": {"$gte": 100}}),
]

ALL_STATUSES = [f"r1:email:{s}" for s in STATUSES]
SYSTEM = [
    ("profile_id", "eq", "abc", {"_id": {"$eq": "abc"}}),
    ("profile_id", "ne", "abc", {"_id": {"$ne": "abc"}}),
    ("profile_id", "in", ["a", "b"], {"_id": {"$in": ["a", "b"]}}),
    ("created_at", "gte", "2025-01-01", {"created_at": {"$gte": D(2025, 1, 1, tzinfo=UTC)}}),
    ("updated_at", "lt", "2025-01-01T05:00:00+05:00", {"updated_at": {"$lt": D(2025, 1, 1, tzinfo=UTC)}}),
    ("has_interactions", "eq", False, {"has_interactions": {"$ne": True}}),  # absent on older profiles: false
    ("has_interactions", "ne", False, {"has_interactions": {"$eq": True}}),
    ("suppressed", "eq", True, {"suppressed": {"$eq": True}}),
    ("suppressed", "ne", True, {"suppressed": {"$ne": True}}),
    ("ml.bst.hours", "contains", 9, {"ml.bst.hours": {"$eq": 9}}),
    ("ml.bst.hours", "in", [9, 10], {"ml.bst.hours": {"$in": [9, 10]}}),
    ("ml.bst.hours", "exists", True, {"ml.bst.hours": {"$exists": True}}),
    ("ml.bst.weekdays", "contains", 7, {"ml.bst.weekdays": {"$eq": 7}}),
    ("ml.bst.confidence", "gte", 0.5, {"ml.bst.confidence": {"$gte": 0.5}}),
    ("subscriptions.r1.email", "eq", "subscribed", {"subscription_keys": {"$eq": "r1:email:subscribed"}}),
    ("subscriptions.r1.sms", "ne", "subscribed", {"subscription_keys": {"$ne": "r1:sms:subscribed"}}),
    (
        "subscriptions.r1.push",
        "in",
        ["unsubscribed", "complainer"],
        {"subscription_keys": {"$in": ["r1:push:unsubscribed", "r1:push:complainer"]}},
    ),
    ("subscriptions.r1.email", "exists", True, {"subscription_keys": {"$in": ALL_STATUSES}}),
    ("subscriptions.r1.email", "exists", False, {"subscription_keys": {"$nin": ALL_STATUSES}}),
    ("promo_codes.pool7", "exists", True, {"promo_pools": {"$in": ["pool7"]}}),
    ("promo_codes.pool7", "exists", False, {"promo_pools": {"$nin": ["pool7"]}}),
]


@pytest.mark.parametrize(("field", "op", "value", "expected"), STANDARD)
def test_standard_fields(query: Query, field: str, op: str, value: Any, expected: dict[str, Any]) -> None:
    assert query(field, op, value) == expected


@pytest.mark.parametrize(("field", "op", "value", "expected"), CUSTOM)
def test_custom_fields(query: Query, field: str, op: str, value: Any, expected: dict[str, Any]) -> None:
    assert query(field, op, value) == expected


@pytest.mark.parametrize(("field", "op", "value", "expected"), OBJECT_PATHS)
def test_paths_into_objects(query: Query, field: str, op: str, value: Any, expected: dict[str, Any]) -> None:
    assert query(field, op, value) == expected


@pytest.mark.parametrize(("field", "op", "value", "expected"), SYSTEM)
def test_system_subscription_and_promo_fields(
    query: Query, field: str, op: str, value: Any, expected: dict[str, Any]
) -> None:
    assert query(field, op, value) == expected


def test_values_keep_their_stored_type(query: Query) -> None:
    assert type(query("address.zip", "in", [1, True])["fields.address.zip"]["$in"][1]) is bool
    assert type(query("score", "eq", 2)["fields.score"]["$eq"]) is float
