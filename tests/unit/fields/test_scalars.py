"""Scalar custom-field types: number, float, line, boolean, enum, ip, tags."""

from typing import Any

import pytest

from profilehub_shared.fields import CustomField, FieldValueError, coerce_custom

pytestmark = pytest.mark.unit


def field(type_: str, **settings: Any) -> CustomField:
    return CustomField.model_validate({"name": "f", "type": type_, **settings})


def refused(type_: str, raw: object, *, from_text: bool = False, **settings: Any) -> FieldValueError:
    with pytest.raises(FieldValueError) as caught:
        coerce_custom(field(type_, **settings), raw, from_text=from_text)
    return caught.value


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        (42, 42),
        (-12, -12),
        ("42", 42),
        (" -12 ", -12),
        ("+7", 7),
        ("007", 7),
        (42.0, 42),
        (2**63 - 1, 2**63 - 1),
        (-(2**63), -(2**63)),
        (str(2**63 - 1), 2**63 - 1),
    ],
)
def test_number_accepts_integers(raw: object, stored: int) -> None:
    value = coerce_custom(field("number"), raw)
    assert value == stored and type(value) is int


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (True, "not_an_integer"),
        (1.5, "not_an_integer"),
        ("1.5", "not_an_integer"),
        ("abc", "not_an_integer"),
        ("", "not_an_integer"),
        ("1e3", "not_an_integer"),
        ("1_000", "not_an_integer"),
        ("\u0663", "not_an_integer"),
        (float("nan"), "not_an_integer"),
        (float("inf"), "not_an_integer"),
        (None, "not_an_integer"),
        ([1], "not_an_integer"),
        (2**63, "out_of_range"),
        (-(2**63) - 1, "out_of_range"),
        ("9" * 25, "out_of_range"),
        ("9" * 5000, "not_an_integer"),
        (1e300, "out_of_range"),
    ],
)
def test_number_refuses(raw: object, code: str) -> None:
    assert refused("number", raw).code == code


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        (12.5, 12.5),
        (3, 3.0),
        ("12.5", 12.5),
        ("1e3", 1000.0),
        (" -.5 ", -0.5),
        ("7.", 7.0),
        ("+2E-2", 0.02),
        (-0.0, 0.0),
    ],
)
def test_float_accepts_decimals(raw: object, stored: float) -> None:
    value = coerce_custom(field("float"), raw)
    assert value == stored and type(value) is float


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("12,5", "not_a_number"),
        ("NaN", "not_a_number"),
        ("Infinity", "not_a_number"),
        ("inf", "not_a_number"),
        (float("nan"), "not_finite"),
        (float("-inf"), "not_finite"),
        (True, "not_a_number"),
        ("", "not_a_number"),
        ("1e999", "out_of_range"),
        (10**400, "out_of_range"),
        ("0x10", "not_a_number"),
        (None, "not_a_number"),
    ],
)
def test_float_refuses(raw: object, code: str) -> None:
    assert refused("float", raw).code == code


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("hello", "hello"),
        ("  spaced  ", "spaced"),
        ("", ""),
        ("ünïcødé 😀", "ünïcødé 😀"),
        (190000, "190000"),
        (190000.0, "190000"),
        (12.5, "12.5"),
        ("x" * 10_000, "x" * 10_000),
    ],
)
def test_line_accepts_text(raw: object, stored: str) -> None:
    assert coerce_custom(field("line"), raw) == stored


def test_line_text_is_kept_raw_when_asked() -> None:
    assert coerce_custom(field("line"), " \tspaced \n", trim=False) == " \tspaced \n"


@pytest.mark.parametrize(
    ("raw", "code", "settings"),
    [
        ("a\x00b", "nul_character", {}),
        ("x" * 10_001, "too_long", {}),
        ("abcd", "too_long", {"max_length": 3}),
        ("\udcff", "invalid_unicode", {}),
        (True, "wrong_type", {}),
        (None, "wrong_type", {}),
        (["a"], "wrong_type", {}),
        (float("nan"), "not_finite", {}),
    ],
)
def test_line_refuses(raw: object, code: str, settings: dict[str, Any]) -> None:
    assert refused("line", raw, **settings).code == code


TEXT_BOOLEANS = [
    ("true", True),
    ("FALSE", False),
    ("1", True),
    ("0", False),
    ("Yes", True),
    ("no", False),
    ("y", True),
    ("N", False),
    ("on", True),
    ("OFF", False),
    (" yes ", True),
    (1, True),
    (0, False),
]


@pytest.mark.parametrize(("raw", "stored"), TEXT_BOOLEANS)
def test_boolean_text_forms_from_files(raw: object, stored: bool) -> None:
    assert coerce_custom(field("boolean"), raw, from_text=True) is stored


@pytest.mark.parametrize(("raw", "stored"), [(True, True), (False, False), ("true", True), ("False", False)])
def test_boolean_from_json(raw: object, stored: bool) -> None:
    assert coerce_custom(field("boolean"), raw) is stored


@pytest.mark.parametrize("raw", [1, 0, "", "maybe", None, 2.0])
def test_boolean_from_json_refuses_numbers_and_other_words(raw: object) -> None:
    assert refused("boolean", raw).code == "not_a_boolean"


@pytest.mark.parametrize(
    ("raw", "stored"), [("yes", True), ("1", True), ("On", True), ("no", False), ("0", False), (" N ", False)]
)
def test_a_json_string_for_a_boolean_is_read_like_a_text_cell(raw: str, stored: bool) -> None:
    """Upstream CRMs send every value as a string; "yes" and "1" mean what they mean in a CSV file."""
    assert coerce_custom(field("boolean"), raw) is stored


@pytest.mark.parametrize("raw", ["maybe", "", 2, "2", "yess", None])
def test_boolean_from_text_refuses_other_words(raw: object) -> None:
    assert refused("boolean", raw, from_text=True).code == "not_a_boolean"


PLANS: dict[str, Any] = {"options": ["free", "pro", "10"]}


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("free", "free"),
        ("pro", "pro"),
        (" pro ", "pro"),
        (1, "free"),
        ("2", "pro"),
        (2, "pro"),
        ("10", "10"),
        (3, "10"),
    ],
)
def test_enum_accepts_option_or_position(raw: object, stored: str) -> None:
    assert coerce_custom(field("enum", **PLANS), raw) == stored


@pytest.mark.parametrize("raw", ["Free", "basic", 0, 4, -1, "0", True, 1.0, None, ""])
def test_enum_refuses_other_values(raw: object) -> None:
    error = refused("enum", raw, **PLANS)
    assert error.code == "not_an_option" and "free, pro, 10" in error.message


@pytest.mark.parametrize(
    ("raw", "stored"), [("192.0.2.1", "192.0.2.1"), (" 0.0.0.0 ", "0.0.0.0"), ("255.255.255.255", "255.255.255.255")]
)
def test_ip_accepts_ipv4(raw: str, stored: str) -> None:
    assert coerce_custom(field("ip"), raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "999.1.1.1",
        "1.2.3.4.5",
        "1.2.3",
        "::1",
        "2001:db8::1",
        "01.2.3.4",
        "1.2.3.256",
        "a.b.c.d",
        "",
        "1.2.3.4 5",
        "\u0661.\u0662.\u0663.\u0664",
        16909060,
        None,
        "1.2.3.4/24",
    ],
)
def test_ip_refuses(raw: object) -> None:
    assert refused("ip", raw).code == "invalid_ip"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [(" vip, new |beta;; ", ["vip", "new", "beta"]), ("", []), ("a,a,b", ["a", "b"]), ("single", ["single"])],
)
def test_tags_split_text(raw: str, stored: list[str]) -> None:
    assert coerce_custom(field("tags"), raw, from_text=True) == stored


@pytest.mark.parametrize(("raw", "stored"), [(["vip", " new ", "", "vip"], ["vip", "new"]), ([], [])])
def test_tags_from_json_list(raw: list[str], stored: list[str]) -> None:
    assert coerce_custom(field("tags"), raw) == stored


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (["a,b"], "invalid_tag"),
        (["a|b"], "invalid_tag"),
        ([1], "wrong_type"),
        ([["a"]], "wrong_type"),
        ({"a": 1}, "wrong_type"),
        (["x\x00"], "nul_character"),
        (["t"] * 1001, "too_many"),
        (",".join(str(i) for i in range(1001)), "too_many"),
        (["x" * 1001], "too_long"),
    ],
)
def test_tags_refuse(raw: object, code: str) -> None:
    assert refused("tags", raw).code == code
