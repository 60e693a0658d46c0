"""The page's form ↔ field types: each type gets its input, is pre-filled with text that reads back to the same
value, and a typed value is checked by the import rules (only changed fields are sent)."""

from datetime import UTC, datetime
from typing import Any

import pytest

from gateway_service.subscription_manager.forms import form_text, read_form, shown_fields, stored_value
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.fields import coerce_custom

CUSTOM = [
    ("age", "number", {}, 42, "number"),
    ("score", "float", {}, 12.5, "decimal"),
    ("nick", "line", {}, "Ann", "text"),
    ("since", "date", {}, datetime(2020, 5, 31, tzinfo=UTC), "date"),
    ("vip", "boolean", {}, True, "checkbox"),
    ("plan", "enum", {"options": ["free", "pro"]}, "pro", "select"),
    ("home_ip", "ip", {}, "192.0.2.10", "text"),
    ("topics", "tags", {}, ["shoes", "hats"], "tags"),
    ("address", "object", {}, {"city": "Oslo", "zip": "0150"}, "json"),
    ("kids", "object_array", {}, [{"name": "Bo"}], "json"),
]


def database(hidden: bool = False) -> Database:
    return Database.model_validate(
        {
            "id": "db1",
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
            "settings": {
                "name": "Shop",
                "subscription_manager": {"title": "News", "language": "en"},
                "email_settings": {"from_name": "Shop", "from_email": "news@shop.example"},
            },
            "standard_fields": {"email": {"show_in_subscription_manager": True}, "first_name": {}},
            "custom_fields": [
                {"name": n, "type": t, "show_in_subscription_manager": True, **extra} for n, t, extra, _, _ in CUSTOM
            ]
            + [{"name": "secret", "type": "line"}],
        }
    )


DB = database()
FIELDS = {f.name: f for f in shown_fields(DB)}


def test_only_flagged_fields_are_shown_standard_first() -> None:
    assert list(FIELDS) == ["email", *[n for n, *_ in CUSTOM]]


@pytest.mark.parametrize(("name", "kind", "extra", "value", "input"), CUSTOM, ids=[c[1] for c in CUSTOM])
def test_each_type_reads_back_from_its_prefilled_text(name: str, kind: str, extra: Any, value: Any, input: str) -> None:
    f = FIELDS[name]
    assert f.input == input
    text = form_text(f, value)
    custom = DB.field(name)
    assert custom is not None
    assert coerce_custom(custom, text, from_text=True) == value


def profile() -> dict[str, Any]:
    return {"_id": "p1", "email": "ann@shop.example", "fields": {n: v for n, _, _, v, _ in CUSTOM}}


def submitted(p: dict[str, Any]) -> dict[str, str]:
    form = {f.name: form_text(f, stored_value(p, f)) for f in FIELDS.values()}
    return {k: v for k, v in form.items() if not (FIELDS[k].input == "checkbox" and v != "true")}


def test_an_unchanged_form_sends_nothing() -> None:
    p = profile()
    assert read_form(DB, list(FIELDS.values()), submitted(p), p).record == {}


def test_changed_fields_are_sent_as_typed_and_an_unticked_box_is_false() -> None:
    p = profile()
    form = submitted(p) | {"age": "43", "topics": "shoes; socks"}
    del form["vip"]
    reading = read_form(DB, list(FIELDS.values()), form, p)
    assert reading.errors == {}
    assert reading.record == {"age": "43", "topics": "shoes; socks", "vip": "false"}


@pytest.mark.parametrize(
    ("name", "text", "code"),
    [
        ("age", "12.5", "not_an_integer"),
        ("score", "12,5", "not_a_number"),
        ("since", "31.05.2020", "invalid_date"),
        ("plan", "gold", "not_an_option"),
        ("home_ip", "999.1.1.1", "invalid_ip"),
        ("address", "{not json", "invalid_json"),
        ("email", "ann@", "invalid_email"),
    ],
)
def test_an_invalid_value_is_an_error_of_its_field(name: str, text: str, code: str) -> None:
    p = profile()
    reading = read_form(DB, list(FIELDS.values()), submitted(p) | {name: text}, p)
    assert list(reading.errors) == [name]
    assert reading.errors[name].code == code
    assert name not in reading.record


def test_emptying_an_input_clears_the_field() -> None:
    p = profile()
    assert read_form(DB, list(FIELDS.values()), submitted(p) | {"nick": " "}, p).record == {"nick": " "}
