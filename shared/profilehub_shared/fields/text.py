"""Text every stored string must satisfy: valid UTF-8, no NUL, bounded length."""

import math
import re

from .errors import FieldValueError

# Leading `$` and `.` are forbidden by MongoDB/FerretDB in keys; this pattern excludes them with everything else.
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def checked_text(field: str, text: str, max_length: int) -> str:
    """`text` if it can be stored: at most `max_length` characters, no NUL, no lone surrogates."""
    if len(text) > max_length:
        raise FieldValueError(field, text, "too_long", f"longer than {max_length} characters ({len(text)})")
    if "\x00" in text:
        # FerretDB cannot store NUL; refusing it everywhere keeps data portable between both databases.
        raise FieldValueError(field, text, "nul_character", "contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates (e.g. JSON "\ud800") cannot be encoded to BSON.
        raise FieldValueError(field, text, "invalid_unicode", "contains an unpaired surrogate character") from None
    return text


def checked_int64(field: str, number: int) -> int:
    """`number` if it fits MongoDB's int64."""
    if not INT64_MIN <= number <= INT64_MAX:
        raise FieldValueError(field, number, "out_of_range", "outside the 64-bit integer range")
    return number


def checked_float(field: str, number: float) -> float:
    """`number` if finite; -0.0 becomes 0.0, as FerretDB would store it anyway."""
    if not math.isfinite(number):
        raise FieldValueError(field, number, "not_finite", "NaN and infinity are not numbers that can be stored")
    return number + 0.0


def number_as_text(field: str, raw: int | float) -> str:
    """A spreadsheet number in a text field (postal code 190000) as its decimal text."""
    if isinstance(raw, float):
        checked_float(field, raw)
        return str(int(raw)) if raw.is_integer() else repr(raw)
    if abs(raw) >= 10**100:
        raise FieldValueError(field, raw, "too_long", "a number of more than 100 digits")
    return str(raw)
