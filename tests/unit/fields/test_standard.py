"""Standard fields: email, phones, gender, IPs, time zone, free lines."""

import contextlib
from typing import Any

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from profilehub_shared.fields import STANDARD_FIELDS, FieldValueError, StandardKind, coerce_standard

pytestmark = pytest.mark.unit


def refused(name: str, raw: object, **options: Any) -> FieldValueError:
    with pytest.raises(FieldValueError) as caught:
        coerce_standard(name, raw, **options)
    return caught.value


def test_the_standard_fields_of_spec_section_2() -> None:
    assert list(STANDARD_FIELDS) == [
        "email",
        "phones",
        "first_name",
        "last_name",
        "birth_date",
        "gender",
        "reg_date",
        "reg_ip",
        "reg_city",
        "reg_country",
        "reg_url",
        "ip",
        "city",
        "country",
        "region",
        "postal_code",
        "timezone",
        "vendor",
    ]
    assert {name for name, spec in STANDARD_FIELDS.items() if spec.kind == StandardKind.date} == {
        "birth_date",
        "reg_date",
    }
    assert all(spec.name == name for name, spec in STANDARD_FIELDS.items())


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("ann@example.com", "ann@example.com"),
        ("Ann.Lee@Example.COM", "ann.lee@example.com"),  # lower-cased whole: matched case-blind
        ("  bob+tag@shop.example  ", "bob+tag@shop.example"),
        ("иван@почта.рф", "иван@почта.рф"),
    ],
)
def test_email_is_normalised(raw: str, stored: str) -> None:
    assert coerce_standard("email", raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "plain",
        "@example.com",
        "ann@",
        "ann@@example.com",
        "ann @example.com",
        "ann@example",
        "a\x00@example.com",
        "x@" + "a" * 400 + ".com",
        42,
        None,
        ["ann@example.com"],
    ],
)
def test_email_refuses(raw: object) -> None:
    error = refused("email", raw)
    assert error.code in ("invalid_email", "nul_character") and error.field == "email"


@pytest.mark.parametrize(
    ("raw", "region", "stored"),
    [
        ("+79001234567", None, ["+79001234567"]),
        ("+7 (900) 123-45-67", None, ["+79001234567"]),
        ("8 900 123 45 67", "RU", ["+79001234567"]),
        ("8 900 123 45 67", "ru", ["+79001234567"]),
        ("+79001234567, +79001234568;+79001234567", None, ["+79001234567", "+79001234568"]),
        (["+79001234567", "89001234568"], "RU", ["+79001234567", "+79001234568"]),
        ("(202) 555-0143 | +44 20 7946 0958", "US", ["+12025550143", "+442079460958"]),
        (79001234567, "RU", ["+79001234567"]),
        ([], None, []),
    ],
)
def test_phones_become_e164(raw: object, region: str | None, stored: list[str]) -> None:
    assert coerce_standard("phones", raw, default_phone_region=region) == stored


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("12345", "RU"),
        ("phone", "RU"),
        ("+000000000000", None),
        ("+7900123456789012345", None),
        ("89001234567", None),
        ("8 900 123 45 67", "XX"),
        ([None], None),
        ({"n": 1}, None),
        (True, None),
        (["+79001234567"] * 101, None),
        ("+7" + "9" * 200, None),
    ],
)
def test_phones_refuse(raw: object, region: str | None) -> None:
    error = refused("phones", raw, default_phone_region=region)
    assert error.code in ("invalid_phone", "wrong_type", "too_many") and error.field == "phones"


@pytest.mark.parametrize(("raw", "stored"), [("male", "male"), ("Female", "female"), (" MALE ", "male")])
def test_gender(raw: str, stored: str) -> None:
    assert coerce_standard("gender", raw) == stored


@pytest.mark.parametrize("raw", ["m", "other", "", 0, None])
def test_gender_refuses(raw: object) -> None:
    assert refused("gender", raw).code == "not_an_option"


@pytest.mark.parametrize("name", ["ip", "reg_ip"])
def test_ips(name: str) -> None:
    assert coerce_standard(name, "127.0.0.1") == "127.0.0.1"
    assert refused(name, "999.999.999.999").code == "invalid_ip"
    assert refused(name, "127.0.0.1.1").code == "invalid_ip"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Europe/Moscow", "Europe/Moscow"),
        ("europe/moscow", "Europe/Moscow"),
        ("UTC", "UTC"),
        (" America/New_York ", "America/New_York"),
    ],
)
def test_timezone(raw: str, stored: str) -> None:
    assert coerce_standard("timezone", raw) == stored


@pytest.mark.parametrize("raw", ["Mars/Olympus", "+03:00", "", "Europe/Moscow\x00", 3, None])
def test_timezone_refuses(raw: object) -> None:
    assert refused("timezone", raw).code == "invalid_timezone"


@pytest.mark.parametrize(
    ("name", "raw", "stored"),
    [
        ("first_name", "  Ann ", "Ann"),
        ("postal_code", 190000, "190000"),
        ("country", "RU", "RU"),
        ("reg_url", "https://shop.example/?a=1", "https://shop.example/?a=1"),
        ("vendor", "form #30", "form #30"),
    ],
)
def test_lines_are_trimmed(name: str, raw: object, stored: str) -> None:
    assert coerce_standard(name, raw) == stored


@pytest.mark.parametrize(
    ("name", "raw", "code"),
    [
        ("country", "x" * 201, "too_long"),
        ("city", "x" * 1001, "too_long"),
        ("last_name", "a\x00", "nul_character"),
        ("region", ["a"], "wrong_type"),
        ("vendor", True, "wrong_type"),
    ],
)
def test_lines_refuse(name: str, raw: object, code: str) -> None:
    assert refused(name, raw).code == code


def test_unknown_standard_field() -> None:
    assert refused("nickname", "x").code == "unknown_field"


atext = st.sampled_from(list("abcXYZ019_!#$%&'*+-/=?^`{|}~."))
odd = st.sampled_from(['"', " ", "@", "<", ">", "(", ")", ",", "\\", "é", "\u212a", "\u00a0"])
local_parts = st.lists(atext | odd, min_size=0, max_size=12).map("".join) | st.text(max_size=70)
domains = st.sampled_from(
    ["example.com", "Example.COM", "shop.example", "a-b.co.uk", "localhost", "x.test", "bad_domain.com", "-a.com",
     "exampl\u212a.com", "bücher.example", "example.com>", "[127.0.0.1]", "a.b", "", "example..com", "ex.c0m"]
)  # fmt: skip


@settings(max_examples=300)
@given(local=local_parts, domain=domains, prefix=st.sampled_from(["", "Ann <", '"x@y"']))
def test_an_email_at_a_domain_seen_before_gets_exactly_what_email_validator_gives(
    local: str, domain: str, prefix: str
) -> None:
    """The second address at a domain skips validating the domain again (a file's addresses share a few)."""
    for warm in ("first.person", "Other.One"):  # the domain is known after these, when it is valid
        with contextlib.suppress(FieldValueError):
            coerce_standard("email", f"{warm}@{domain}")
    text = f"{prefix}{local}@{domain}"
    try:
        expected: str | None = str(validate_email(text.strip(), check_deliverability=False).normalized).lower()
    except (EmailNotValidError, UnicodeError):
        expected = None
    try:
        got: str | None = coerce_standard("email", text)
    except FieldValueError:
        got = None
    assert got == expected
