"""A database with one custom field of every type, and a fixed clock, shared by the filter tests."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.fields import CustomField
from profilehub_shared.filters import Condition, to_query

Query = Callable[[str, str, Any], dict[str, Any]]

# Wednesday, 22:30 UTC: the BST window of 3 hours wraps past midnight.
NOW = datetime(2025, 1, 15, 22, 30, tzinfo=UTC)
RESOURCE = "r1"

CUSTOM_FIELDS = [
    CustomField(name="age", type="number"),
    CustomField(name="score", type="float"),
    CustomField(name="nick", type="line"),
    CustomField(name="short", type="line", max_length=5),
    CustomField(name="seen", type="date"),
    CustomField(name="vip", type="boolean"),
    CustomField(name="plan", type="enum", options=["free", "pro"]),
    CustomField(name="last_ip", type="ip"),
    CustomField(name="labels", type="tags"),
    CustomField(name="address", type="object"),
    CustomField(name="orders", type="object_array"),
]


def make_db() -> Database:
    return Database.model_validate(
        {
            "id": "db1",
            "settings": {
                "name": "Customers",
                "subscription_manager": {"title": "Subscriptions"},
                "email_settings": {"from_name": "Shop", "from_email": "shop@example.com"},
                "resource_ids": [RESOURCE],
            },
            "custom_fields": [f.model_dump() for f in CUSTOM_FIELDS],
            "created_at": NOW,
            "updated_at": NOW,
        }
    )


@pytest.fixture(scope="session")
def db() -> Database:
    return make_db()


@pytest.fixture(scope="session")
def now() -> datetime:
    return NOW


@pytest.fixture(scope="session")
def query(db: Database) -> Query:
    """`to_query` of one condition given as field, op, value, at the fixed clock."""

    def run(field: str, op: str, value: Any) -> dict[str, Any]:
        return to_query(db, Condition.model_validate({"field": field, "op": op, "value": value}), now=NOW)

    return run
