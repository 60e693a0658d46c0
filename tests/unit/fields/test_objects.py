"""Object rules of SPEC §2, with the six examples of altcraft-spec.md §1.3."""

import json
from typing import Any

import pytest

from profilehub_shared.fields import CustomField, FieldValueError, coerce_custom

pytestmark = pytest.mark.unit

OBJECT = CustomField(name="profile", type="object")
ARRAY = CustomField(name="items", type="object_array")
PEER_ARRAY = CustomField(name="items", type="object_array", peer_keys=True)

# altcraft-spec.md §1.3: (b) and (e) are single objects, the others arrays of objects.
EXAMPLES: dict[str, tuple[CustomField, Any]] = {
    "a": (ARRAY, [{"x": 1}, {"y": 2}]),
    "b": (OBJECT, {"key_1": {"sub_key": {"sub_sub_key": "sub_value"}}}),
    "c": (ARRAY, [{"key": "value_1", "new_key": "new_value1"}, {"key": "value_2", "new_key": "new_value2"}]),
    "d": (ARRAY, [["x", "y"], ["z", "w"]]),
    "e": (OBJECT, {"key": [["x", "y"], ["z", "w"]]}),
    "f": (ARRAY, [{"key1": "value_1", "new_key10": "new_value1"}, {"key7": "value_2", "new_key300": "new_value2"}]),
}


def with_peer_keys(field: CustomField) -> CustomField:
    return PEER_ARRAY if field.type == "object_array" else field


@pytest.mark.parametrize("example", ["a", "b", "c", "f"])
def test_valid_examples_under_default_rules(example: str) -> None:
    field, value = EXAMPLES[example]
    assert coerce_custom(field, value) == value


@pytest.mark.parametrize(("example", "code"), [("d", "nested_array"), ("e", "nested_array")])
def test_invalid_examples_under_default_rules(example: str, code: str) -> None:
    field, value = EXAMPLES[example]
    with pytest.raises(FieldValueError) as refused:
        coerce_custom(field, value)
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("example", "valid"), [("a", False), ("b", True), ("c", True), ("d", False), ("e", False), ("f", False)]
)
def test_examples_with_peer_keys(example: str, valid: bool) -> None:
    field, value = EXAMPLES[example]
    if valid:
        assert coerce_custom(with_peer_keys(field), value) == value
    else:
        with pytest.raises(FieldValueError):
            coerce_custom(with_peer_keys(field), value)


@pytest.mark.parametrize("example", ["a", "b", "c", "f"])
def test_examples_read_from_json_text_of_a_file(example: str) -> None:
    field, value = EXAMPLES[example]
    assert coerce_custom(field, json.dumps(value), from_text=True) == value


def test_peer_keys_mismatch_names_the_element() -> None:
    with pytest.raises(FieldValueError) as refused:
        coerce_custom(PEER_ARRAY, EXAMPLES["f"][1])
    assert (refused.value.code, refused.value.field) == ("peer_keys_mismatch", "items[1]")


def test_peer_keys_compare_top_level_keys_only() -> None:
    value = [{"a": {"x": 1}}, {"a": {"y": 2}}]
    assert coerce_custom(PEER_ARRAY, value) == value


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"k": value}
    return value


def test_objects_nest_up_to_depth_five() -> None:
    assert coerce_custom(OBJECT, nested(5)) == nested(5)
    assert coerce_custom(ARRAY, [nested(5)]) == [nested(5)]


@pytest.mark.parametrize("field", [OBJECT, ARRAY])
def test_depth_six_is_too_deep(field: CustomField) -> None:
    value = nested(6) if field is OBJECT else [nested(6)]
    with pytest.raises(FieldValueError) as refused:
        coerce_custom(field, value)
    assert refused.value.code == "too_deep"


def test_very_deep_nesting_is_refused_without_recursion_error() -> None:
    with pytest.raises(FieldValueError) as refused:
        coerce_custom(OBJECT, nested(100_000))
    assert refused.value.code == "too_deep"


def test_very_deep_json_text_is_refused() -> None:
    with pytest.raises(FieldValueError) as refused:
        coerce_custom(OBJECT, '{"a":' * 100_000 + "1" + "}" * 100_000, from_text=True)
    assert refused.value.code in ("too_deep", "invalid_json")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ({"$where": "1"}, "invalid_key"),
        ({"a.b": 1}, "invalid_key"),
        ({"": 1}, "invalid_key"),
        ({"ключ": 1}, "invalid_key"),
        ({"k" * 256: 1}, "invalid_key"),
        ({1: 1}, "invalid_key"),
        ({"a": None}, "null_value"),
        ({"a": [1, 2]}, "array_in_object"),
        ({"a": float("nan")}, "not_finite"),
        ({"a": float("inf")}, "not_finite"),
        ({"a": "x\x00y"}, "nul_character"),
        ({"a": "\ud800"}, "invalid_unicode"),
        ({"a": "x" * 10_001}, "too_long"),
        ({"a": 2**63}, "out_of_range"),
        ({"a": b"bytes"}, "wrong_type"),
        ({"a": {"b": {"c": {1, 2}}}}, "wrong_type"),
        ([{"a": 1}], "not_an_object"),
        ("text", "invalid_json"),
        ("[1]", "not_an_object"),
        (None, "not_an_object"),
    ],
)
def test_object_rules(value: Any, code: str) -> None:
    with pytest.raises(FieldValueError) as refused:
        coerce_custom(OBJECT, value)
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ({"a": 1}, "not_an_array"),
        ([1, 2], "not_an_object"),
        ([{"a": 1}, None], "not_an_object"),
        ([[{"a": 1}]], "nested_array"),
        ([{"a": [{"b": 1}]}], "array_in_object"),
        ([{}] * 10_001, "too_large"),
    ],
)
def test_object_array_rules(value: Any, code: str) -> None:
    with pytest.raises(FieldValueError) as refused:
        coerce_custom(ARRAY, value)
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('{"a": NaN}', "invalid_json"),
        ('{"a": Infinity}', "invalid_json"),
        ('{"a": 1, "a": 2}', "duplicate_key"),
        ("{not json", "invalid_json"),
        ('{"a": ' + "9" * 5000 + "}", "invalid_json"),
        ("x" * 1_000_001, "too_long"),
    ],
)
def test_json_text_is_parsed_strictly(text: str, code: str) -> None:
    with pytest.raises(FieldValueError) as refused:
        coerce_custom(OBJECT, text, from_text=True)
    assert refused.value.code == code


def test_a_json_string_is_read_like_a_file_cell() -> None:
    """Upstream systems that send every value as a string send objects as JSON text too."""
    assert coerce_custom(OBJECT, '{"a": 1}') == {"a": 1}


def test_leaves_keep_their_types_and_minus_zero_becomes_zero() -> None:
    value = {"i": -3, "f": 2.5, "s": "ü", "b": True, "z": -0.0}
    stored = coerce_custom(OBJECT, value)
    assert stored == value and str(stored["z"]) == "0.0"
    assert type(stored["b"]) is bool


def test_nested_error_names_the_path() -> None:
    with pytest.raises(FieldValueError) as refused:
        coerce_custom(ARRAY, [{"a": 1}, {"b": {"c": None}}])
    assert refused.value.field == "items[1].b.c"
