"""Properties over arbitrary input: coercion returns a storable value or raises FieldValueError, nothing else."""

import json
import math
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from profilehub_shared.fields import (
    STANDARD_FIELDS,
    CustomField,
    FieldType,
    FieldValueError,
    coerce_custom,
    coerce_standard,
)
from profilehub_shared.fields.text import KEY_PATTERN

pytestmark = pytest.mark.unit

# Text including lone surrogates, NUL and every other code point.
any_text = st.text(st.characters(codec=None, categories=None), max_size=50)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | any_text
    | st.sampled_from(
        [
            "42",
            "1e3",
            "12,5",
            "yes",
            "Off",
            "2",
            "192.0.2.1",
            "2019-08-22",
            "a,b|c",
            "+79001234567",
            "male",
            "Europe/Moscow",
            '{"a": 1}',
            '[{"a": 1}]',
            "NaN",
            "-0",
            " ",
            "ann@example.com",
        ]
    )
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(any_text | st.from_regex(KEY_PATTERN, fullmatch=True), inner, max_size=5)
    ),
    max_leaves=30,
)
odd_values = (
    st.binary(max_size=20)
    | st.sampled_from([10**5000, -(10**400), 2**63, 1e308, 5e-324, "9" * 5000, "\x00", "\ud800"])
    | st.datetimes()
    | st.datetimes(timezones=st.timezones())
    | st.dates()
    | st.decimals()
    | st.complex_numbers()
    | st.fractions()
    | st.tuples(scalars)
    | st.frozensets(st.integers())
    | st.from_type(type).flatmap(st.from_type)
)
keys = st.from_regex(KEY_PATTERN, fullmatch=True)
leaves = st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=20)
objects = st.recursive(
    st.dictionaries(keys, leaves, max_size=4),
    lambda inner: st.dictionaries(keys, inner | leaves, max_size=4),
    max_leaves=20,
)
plausible = (
    st.integers(-(2**63), 2**63 - 1)
    | st.floats()
    | st.datetimes(timezones=st.timezones())
    | objects
    | st.lists(objects, max_size=4)
    | st.lists(st.from_regex(r"[a-z ]{0,8}", fullmatch=True), max_size=5)
    | st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){3}", fullmatch=True)
    | st.from_regex(r"\+?[0-9 ()-]{5,16}", fullmatch=True)
    | st.integers(-2, 5).map(str)
)


def weighted(*strategies: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Pick a strategy first, so one with many alternatives does not crowd out the others."""
    return st.integers(0, len(strategies) - 1).flatmap(lambda i: strategies[i])


any_values = weighted(json_values, plausible, plausible, odd_values, st.builds(json.dumps, json_values | objects))


@st.composite
def deep(draw: st.DrawFn) -> object:
    value: object = draw(scalars)
    for _ in range(draw(st.integers(1, 3000))):
        value = draw(st.sampled_from([lambda v: [v], lambda v: {"k": v}]))(value)
    return value


@st.composite
def huge(draw: st.DrawFn) -> object:
    size = draw(st.sampled_from([10_001, 1_000_001, 5_000_000]))
    return draw(st.sampled_from(["9", "x", ",", "[", "{", "a,"])) * size


FIELDS = [CustomField(name="f", type=t) for t in FieldType if t is not FieldType.enum] + [
    CustomField(name="e", type="enum", options=["free", "pro", "10"]),
    CustomField(name="l", type="line", max_length=5),
    CustomField(name="p", type="object_array", peer_keys=True),
]
DATE_FORMATS = [None, "%d.%m.%Y", "%Y-%m-%d %H:%M:%S%z", "%", "%Q", "[", "((", ""]
fields = st.sampled_from(FIELDS)
inputs = weighted(any_values, any_values, any_values, deep(), huge())
SLOW = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


def coerced_or_refused(call: Any) -> object:
    """The value, or None when refused with a FieldValueError; any other exception fails the test."""
    try:
        return call()
    except FieldValueError as error:
        assert error.field and error.code and len(error.value) <= 100 and error.message
        return None


@SLOW
@given(field=fields, raw=inputs, from_text=st.booleans(), date_format=st.sampled_from(DATE_FORMATS))
def test_custom_coercion_only_raises_field_value_error(
    field: CustomField, raw: object, from_text: bool, date_format: str | None
) -> None:
    coerced_or_refused(lambda: coerce_custom(field, raw, from_text=from_text, date_format=date_format))


@SLOW
@given(
    name=st.sampled_from([*STANDARD_FIELDS, "nickname"]),
    raw=inputs,
    from_text=st.booleans(),
    region=st.sampled_from([None, "RU", "us", "XX", "", "1"]),
    date_format=st.sampled_from(DATE_FORMATS),
)
def test_standard_coercion_only_raises_field_value_error(
    name: str, raw: object, from_text: bool, region: str | None, date_format: str | None
) -> None:
    coerced_or_refused(
        lambda: coerce_standard(name, raw, from_text=from_text, default_phone_region=region, date_format=date_format)
    )


STORED_TYPES: dict[FieldType, type | tuple[type, ...]] = {
    FieldType.number: int,
    FieldType.float: float,
    FieldType.line: str,
    FieldType.date: datetime,
    FieldType.boolean: bool,
    FieldType.enum: str,
    FieldType.ip: str,
    FieldType.tags: list,
    FieldType.object: dict,
    FieldType.object_array: list,
}


def storable(value: object, depth: int = 0) -> bool:
    """What MongoDB and FerretDB both store: no NaN, no NUL, int64, safe keys, no nested arrays."""
    if isinstance(value, dict):
        return all(KEY_PATTERN.fullmatch(k) and storable(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(not isinstance(v, list) and storable(v, depth + 1) for v in value)
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return "\x00" not in value and value.encode("utf-8", "surrogatepass") == value.encode("utf-8", "replace")
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    return isinstance(value, datetime) and value.tzinfo is not None


@SLOW
@given(field=fields, raw=any_values, from_text=st.booleans())
def test_stored_values_have_the_type_and_coerce_to_themselves(field: CustomField, raw: object, from_text: bool) -> None:
    stored = coerced_or_refused(lambda: coerce_custom(field, raw, from_text=from_text))
    if stored is None:
        return
    assert isinstance(stored, STORED_TYPES[field.type]) and storable(stored)
    if field.type is not FieldType.boolean:
        assert type(stored) is not bool
    assert coerce_custom(field, stored) == stored


@settings(max_examples=200, deadline=None)
@given(raw=json_values)
def test_objects_survive_the_export_text_round_trip(raw: object) -> None:
    for field in (CustomField(name="o", type="object"), CustomField(name="a", type="object_array")):
        try:
            stored = coerce_custom(field, raw)
        except FieldValueError:
            continue
        assert coerce_custom(field, json.dumps(stored), from_text=True) == stored


@settings(max_examples=200, deadline=None)
@given(raw=st.lists(any_text, max_size=10))
def test_tags_survive_the_export_text_round_trip(raw: list[str]) -> None:
    field = CustomField(name="t", type="tags")
    stored = coerced_or_refused(lambda: coerce_custom(field, raw))
    if stored is not None:
        assert coerce_custom(field, ",".join(stored), from_text=True) == stored  # type: ignore[arg-type]
