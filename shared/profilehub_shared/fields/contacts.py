"""Standard fields with their own syntax: email, phones, gender, timezone."""

import re
import zoneinfo
from functools import cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from .errors import FieldValueError
from .text import checked_text

MAX_EMAIL_TEXT = 320  # RFC 5321 bounds an address far below this; refuse longer text before parsing
MAX_PHONES = 100
MAX_PHONE_TEXT = 100
PHONE_SEPARATORS = re.compile(r"[,;|]")
GENDERS = ("male", "female")


def coerce_email(field: str, raw: object) -> str:
    """A syntactically valid address, lower-cased whole (domain IDNA-normalised), so that addresses match
    case-blind as in listmonk and Mautic: `Ann@Shop.example` and `ann@shop.example` are one subscriber."""
    if not isinstance(raw, str) or len(raw) > MAX_EMAIL_TEXT:
        raise FieldValueError(field, raw, "invalid_email", "expected an email address such as ann@example.com")
    text = checked_text(field, raw.strip(), MAX_EMAIL_TEXT)
    try:
        checked = validate_email(text, check_deliverability=False)
    except (EmailNotValidError, UnicodeError) as exc:
        raise FieldValueError(field, raw, "invalid_email", f"not a valid email address ({exc})") from None
    return str(checked.normalized).lower()


def coerce_phones(field: str, raw: object, *, default_region: str | None = None) -> list[str]:
    """Distinct E.164 numbers from one number, a list, or text split on `,` `;` `|`.

    A number without a leading `+` is read as a local number of `default_region` (ISO country code such as "RU").
    """
    if isinstance(raw, str):
        items: list[object] = [part for part in PHONE_SEPARATORS.split(raw) if part.strip()]
    elif isinstance(raw, int) and not isinstance(raw, bool):
        items = [raw]
    elif isinstance(raw, list):
        items = list(raw)
    else:
        raise FieldValueError(field, raw, "wrong_type", "expected a phone number or a list of them")
    if len(items) > MAX_PHONES:
        raise FieldValueError(field, raw, "too_many", f"more than {MAX_PHONES} phone numbers")
    return list(dict.fromkeys(_phone(field, item, default_region) for item in items))


def _phone(field: str, raw: object, region: str | None) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 < raw < 10**20:
        raw = str(raw)  # a spreadsheet cell holding the digits of a number
    if not isinstance(raw, str) or len(raw) > MAX_PHONE_TEXT:
        raise FieldValueError(field, raw, "invalid_phone", "expected a phone number such as +79001234567")
    text = raw.strip()
    if not text.startswith("+") and not region:
        raise FieldValueError(field, raw, "invalid_phone", "a local number needs a default country code, or a +")
    try:
        number = phonenumbers.parse(text, region.upper() if region else None)
    except phonenumbers.NumberParseException as exc:
        raise FieldValueError(field, raw, "invalid_phone", f"not a phone number ({exc})") from None
    if not phonenumbers.is_valid_number(number):
        raise FieldValueError(field, raw, "invalid_phone", "not a valid phone number for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def coerce_gender(field: str, raw: object) -> str:
    """`male` or `female`, in any case."""
    text = raw.strip().lower() if isinstance(raw, str) and len(raw) <= 100 else None
    if text not in GENDERS:
        raise FieldValueError(field, raw, "not_an_option", "expected male or female")
    return text


def coerce_timezone(field: str, raw: object) -> str:
    """An IANA time-zone name in its canonical spelling ("europe/moscow" gives "Europe/Moscow")."""
    text = raw.strip().lower() if isinstance(raw, str) and len(raw) <= 100 else None
    zone = _timezones().get(text) if text else None
    if zone is None:
        raise FieldValueError(field, raw, "invalid_timezone", "expected an IANA time zone such as Europe/Moscow")
    return zone


@cache
def _timezones() -> dict[str, str]:
    # Listing the zones walks the tz database on disk; do it once per process.
    return {name.lower(): name for name in zoneinfo.available_timezones()}
