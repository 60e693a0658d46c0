"""Field errors: field, truncated value, code, message naming all three."""

import pickle

import pytest

from profilehub_shared.fields import FieldDefinitionError, FieldValueError, coerce_standard

pytestmark = pytest.mark.unit


def test_to_dict_has_the_four_report_columns() -> None:
    error = FieldValueError("age", "abc", "not_an_integer", "expected a whole number")
    assert error.to_dict() == {
        "field": "age",
        "value": "'abc'",
        "code": "not_an_integer",
        "message": "age: expected a whole number (value 'abc')",
    }
    assert str(error) == error.message and isinstance(error, ValueError)


@pytest.mark.parametrize(
    "value",
    ["x" * 10_000_000, list(range(100_000)), {"k" * 500: "v"}, b"\x00" * 1000, 10**5000],
    ids=["huge_str", "long_list", "long_key", "bytes", "huge_int"],
)
def test_value_is_cut_to_100_characters_with_an_ellipsis(value: object) -> None:
    shown = FieldValueError("f", value, "too_long", "too long").value
    assert len(shown) <= 100 and ("…" in shown or "..." in shown or "bit integer" in shown)


def test_long_text_keeps_its_start() -> None:
    shown = FieldValueError("f", "abc" + "x" * 1000, "too_long", "too long").value
    assert shown.startswith("'abcxxx") and shown.endswith("x…") and len(shown) == 100


def test_deeply_nested_value_prints_without_recursion_error() -> None:
    value: list[object] = []
    for _ in range(100_000):
        value = [value]
    assert len(FieldValueError("f", value, "too_deep", "too deep").value) <= 100


def test_value_whose_repr_fails_is_still_reported() -> None:
    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert "Hostile" in FieldValueError("f", Hostile(), "wrong_type", "x").value


def test_errors_from_coercion_name_field_value_and_reason() -> None:
    with pytest.raises(FieldValueError) as refused:
        coerce_standard("reg_ip", "999.1.1.1")
    assert "reg_ip" in refused.value.message and "'999.1.1.1'" in refused.value.message
    assert "IPv4" in refused.value.message


@pytest.mark.parametrize("cls", [FieldValueError, FieldDefinitionError])
def test_errors_survive_pickling(cls: type[FieldValueError]) -> None:
    error = cls("f", "v", "code", "reason")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls and copy.to_dict() == error.to_dict()
