"""Phones: E.164 numbers, national numbers read in the country of their row or of the import (SPEC §2)."""

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber
from phonenumbers.phonenumberutil import (
    _MAX_LENGTH_FOR_NSN,
    _MIN_LENGTH_FOR_NSN,
    ValidationResult,
    _extract_country_code,
    _maybe_strip_national_prefix_carrier_code,
    _set_italian_leading_zeros_for_phone_number,
    _test_number_length,
    region_code_for_country_code,
)

from .countries import country_code
from .errors import FieldValueError
from .phone_validity import is_valid_national, is_valid_number

MAX_PHONES = 100
MAX_PHONE_TEXT = 100
PHONE_SEPARATORS = re.compile(r"[,;|]")
PLUS_AND_DIGITS = re.compile(r"\+[0-9]+")
KEPT_WITH_PREFIX = (
    ValidationResult.TOO_SHORT,
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    ValidationResult.INVALID_LENGTH,
)


def coerce_phones(
    field: str, raw: object, *, default_region: str | None = None, row_country: str | None = None
) -> list[str]:
    """Distinct E.164 numbers from one number, a list, or text split on `,` `;` `|`.

    A number without a leading `+` is a national number of the row's country (`row_country`: the text of
    its `country` / `reg_country`, an ISO code or a name), else of `default_region`. It must be valid there
    (`phonenumbers.is_valid_number`): a number is never moved to another country to make it fit.
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
    home = PhoneHome.of(row_country, default_region)
    if len(items) == 1:
        return [_phone(field, items[0], home)]
    return list(dict.fromkeys([_phone(field, item, home) for item in items]))


@dataclass(frozen=True)
class PhoneHome:
    """The country national numbers are read in, and whether the row said so or the import's default guessed it."""

    region: str | None
    stated: bool
    country_text: str | None = None  # the row's country as written, when it named no country we know

    @staticmethod
    def of(row_country: str | None, default_region: str | None) -> "PhoneHome":
        """The home of a row's numbers; the same few for a whole file, so each is made once (a country cell of
        more than `MAX_COUNTRY_TEXT` characters is no country, and is not kept)."""
        if row_country is not None and len(row_country) > MAX_COUNTRY_TEXT:
            return phone_home.__wrapped__(row_country, default_region)
        return phone_home(row_country, default_region)


MAX_COUNTRY_TEXT = 100


@lru_cache(maxsize=4096)
def phone_home(row_country: str | None, default_region: str | None) -> PhoneHome:
    if row_country is not None and row_country.strip():
        code = country_code(row_country)
        return PhoneHome(code, True, None if code else row_country)
    return PhoneHome(default_region.upper() if default_region else None, False)


def _phone(field: str, raw: object, home: PhoneHome) -> str:
    from_number = isinstance(raw, int) and not isinstance(raw, bool)
    if from_number and 0 < raw < 10**20:  # type: ignore[operator]
        raw = str(raw)  # a spreadsheet cell holding the digits of a number
    if not isinstance(raw, str) or len(raw) > MAX_PHONE_TEXT:
        raise FieldValueError(field, raw, "invalid_phone", "expected a phone number such as +79001234567")
    text = raw.strip()
    if text.startswith("+"):
        return e164(field, raw, text)
    if home.country_text is not None:
        raise FieldValueError(
            field, raw, "invalid_phone", f"the row's country {home.country_text!r} is no country we know, so the "
            "national number has no country; write it with + and its country code"
        )  # fmt: skip
    if home.region is None:
        raise FieldValueError(field, raw, "invalid_phone", "a local number needs a default country code, or a +")
    number = _parsed(field, raw, text, home.region)
    if not home.stated and not from_number:
        _refuse_foreign(field, raw, text, number, home.region)
    return _valid(field, raw, number, home.region)


def international(text: str) -> PhoneNumber | None:
    """`phonenumbers.parse(text, None)` of a number written as + and digits only (E.164, what most files hold),
    by the steps parse takes for it after it has looked for the number in the text; None where parse would
    refuse it (then parse says why). Parse's search of the text was a third of a phone's cost; a test compares
    the two on generated numbers of every country code."""
    parts = international_parts(text)
    if parts is None:
        return None
    code, national = parts
    number = PhoneNumber(country_code=code)
    _set_italian_leading_zeros_for_phone_number(national, number)
    number.national_number = int(national)
    return number


def international_parts(text: str) -> tuple[int, str] | None:
    """The calling code and national significant number `international(text)` stands for (its
    `national_significant_number`, leading zeros kept), without building the number."""
    if not PLUS_AND_DIGITS.fullmatch(text) or len(text) - 1 <= _MIN_LENGTH_FOR_NSN:
        return None
    code, national = _extract_country_code(text[1:])
    if code == 0 or len(national) < _MIN_LENGTH_FOR_NSN:
        return None
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, region_code_for_country_code(code))
    if metadata is not None:  # a national prefix is dropped when what is left still has a possible length
        _, without_prefix, _ = _maybe_strip_national_prefix_carrier_code(national, metadata)
        if _test_number_length(without_prefix, metadata) not in KEPT_WITH_PREFIX:
            national = without_prefix
    if not _MIN_LENGTH_FOR_NSN <= len(national) <= _MAX_LENGTH_FOR_NSN:
        return None
    return code, national


def e164(field: str, raw: object, text: str) -> str:
    """A number written with + as its E.164 text, or why not. Numbers of + and digits (most files') are checked
    as calling code and national number, and written back, without the number object phonenumbers builds,
    checks and formats (a third of a phone's cost); the rest is parsed."""
    parts = international_parts(text)
    if parts is None:
        return _valid(field, raw, _parsed(field, raw, text, None), None)
    code, national = parts
    if not is_valid_national(code, national):
        raise FieldValueError(field, raw, "invalid_phone", "not a valid phone number for its country")
    return f"+{code}{national}"


def _parsed(field: str, raw: object, text: str, region: str | None) -> phonenumbers.PhoneNumber:
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise FieldValueError(field, raw, "invalid_phone", f"not a phone number ({exc})") from None


def _valid(field: str, raw: object, number: phonenumbers.PhoneNumber, region: str | None) -> str:
    if not is_valid_number(number):
        where = f"for {region}" if region else "for its country"
        raise FieldValueError(field, raw, "invalid_phone", f"not a valid phone number {where}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _refuse_foreign(field: str, raw: object, text: str, number: phonenumbers.PhoneNumber, region: str) -> None:
    """A national number the import's default country guessed, written without that country's trunk `0` but
    exactly as another country writes its numbers (`905-573-0032` in a GB import is Canadian): refused, not
    re-homed. Digits without grouping (`9055730032`) tell nothing and stay the default country's."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    groups = digit_groups(text)
    if metadata is None or metadata.national_prefix != "0" or re.match(r"[^0-9]*0", text) or len(groups) < 2:
        return
    elsewhere = _written_like_in(text, groups, number.country_code or 0)
    if elsewhere:
        countries = ", ".join(elsewhere[:3])
        reason = (
            f"written without {region}'s leading 0, the way numbers of {countries} are written; give the row a "
            "country, or write the number with + and its country code"
        )
        raise FieldValueError(field, raw, "ambiguous_phone", reason)


def digit_groups(text: str) -> list[int]:
    """The lengths of the runs of digits: `905-573-0032` is [3, 3, 4]."""
    return [len(run) for run in re.findall(r"[0-9]+", text)]


def _written_like_in(text: str, groups: list[int], except_code: int) -> list[str]:
    """Countries in which `text`, dialled as a national number, is valid and grouped as they write it."""
    digits = "".join(re.findall(r"[0-9]+", text))
    found: list[str] = []
    for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        if code == except_code:
            continue
        try:
            number = phonenumbers.parse(f"+{code}{digits}", None)
        except phonenumbers.NumberParseException:
            continue
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        region = phonenumbers.region_code_for_number(number)
        if region not in (None, "001") and digit_groups(national) == groups and is_valid_number(number):
            found.append(region)
    return found
