"""Custom-field definitions and standard-field settings."""

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from profilehub_shared.fields import (
    CustomField,
    FieldDefinitionError,
    FieldType,
    StandardFieldSettings,
    check_standard_settings,
)

pytestmark = pytest.mark.unit


def define(**spec: Any) -> CustomField:
    return CustomField.model_validate({"name": "plan", "type": "line", **spec})


def refusal(**spec: Any) -> ErrorDetails:
    with pytest.raises(ValidationError) as refused:
        define(**spec)
    return refused.value.errors()[0]


def test_there_are_ten_types() -> None:
    assert [t.value for t in FieldType] == [
        "number",
        "float",
        "line",
        "date",
        "boolean",
        "enum",
        "ip",
        "tags",
        "object",
        "object_array",
    ]


@pytest.mark.parametrize("name", ["a", "Plan", "plan_2", "x-y", "A" + "b" * 63, "emails", "first_name2"])
def test_valid_names(name: str) -> None:
    assert define(name=name).name == name


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "invalid_name"),
        ("2plan", "invalid_name"),
        ("_plan", "invalid_name"),
        ("a.b", "invalid_name"),
        ("$where", "invalid_name"),
        ("a" * 65, "invalid_name"),
        ("plän", "invalid_name"),
        ("plan\n", "invalid_name"),
        ("email", "reserved_name"),
        ("Phones", "reserved_name"),
        ("birth_date", "reserved_name"),
        ("subscriptions", "reserved_name"),
        ("profile_id", "reserved_name"),
    ],
)
def test_invalid_names(name: str, code: str) -> None:
    error = refusal(name=name)
    assert (error["type"], error["loc"]) == (code, ("name",))


def test_enum_needs_distinct_options() -> None:
    assert define(type="enum", options=["free", "pro"]).options == ["free", "pro"]
    assert refusal(type="enum")["type"] == "options_required"
    assert refusal(type="enum", options=["a", "a"])["type"] == "invalid_options"
    assert refusal(type="enum", options=["a", " "])["type"] == "invalid_option"
    assert refusal(type="line", options=["a"])["type"] == "options_not_allowed"


@pytest.mark.parametrize("type_", ["number", "line", "date", "enum", "ip"])
def test_unique_allowed_for_exact_scalars(type_: str) -> None:
    options = ["a"] if type_ == "enum" else []
    assert define(type=type_, options=options, unique=True).unique


@pytest.mark.parametrize("type_", ["float", "boolean", "tags", "object", "object_array"])
def test_unique_refused_for_other_types(type_: str) -> None:
    error = refusal(type=type_, unique=True)
    assert (error["type"], error["loc"]) == ("unique_not_allowed", ("unique",))
    assert type_ in error["msg"]


def test_peer_keys_only_for_object_arrays() -> None:
    assert define(type="object_array", peer_keys=True).peer_keys
    assert refusal(type="object", peer_keys=True)["type"] == "peer_keys_not_allowed"


def test_max_length_only_for_lines_and_bounded() -> None:
    assert define(max_length=5).max_length == 5
    assert refusal(type="number", max_length=5)["type"] == "max_length_not_allowed"
    assert refusal(max_length=0)["type"] == "greater_than_equal"
    assert refusal(max_length=1_000_001)["type"] == "less_than_equal"


@pytest.mark.parametrize(
    ("spec", "stored"),
    [
        ({"type": "number", "default": "42"}, 42),
        ({"type": "date", "default": "2020-01-01"}, datetime(2020, 1, 1, tzinfo=UTC)),
        ({"type": "enum", "options": ["free", "pro"], "default": 2}, "pro"),
        ({"type": "tags", "default": ["a", " b "]}, ["a", "b"]),
        ({"type": "object", "default": {"a": 1}}, {"a": 1}),
    ],
)
def test_default_is_kept_in_its_stored_form(spec: dict[str, Any], stored: object) -> None:
    assert define(**spec).default == stored


@pytest.mark.parametrize(
    "spec",
    [
        {"type": "number", "default": "many"},
        {"type": "line", "max_length": 3, "default": "long"},
        {"type": "enum", "options": ["a"], "default": "b"},
        {"type": "object_array", "peer_keys": True, "default": [{"a": 1}, {"b": 1}]},
    ],
)
def test_default_must_fit_the_type(spec: dict[str, Any]) -> None:
    error = refusal(**spec)
    assert (error["type"], error["loc"]) == ("invalid_default", ("default",))


def test_definition_round_trips_through_json() -> None:
    field = define(type="date", default="2020-01-01T03:00:00+03:00", required=True)
    assert CustomField.model_validate_json(field.model_dump_json()) == field


def test_definitions_are_frozen_and_strict() -> None:
    with pytest.raises(ValidationError):
        define().title = "x"  # type: ignore[misc]
    assert refusal(requried=True)["type"] == "extra_forbidden"


def test_standard_settings_default_is_checked_per_field() -> None:
    settings = check_standard_settings("phones", StandardFieldSettings(default="+7 900 123 45 67"))
    assert settings.default == ["+79001234567"]
    assert check_standard_settings("city", StandardFieldSettings(required=True)).required
    with pytest.raises(FieldDefinitionError) as refused:
        check_standard_settings("gender", StandardFieldSettings(default="other"))
    assert (refused.value.field, refused.value.code) == ("gender.default", "invalid_default")
    with pytest.raises(FieldDefinitionError):
        check_standard_settings("nickname", StandardFieldSettings())
