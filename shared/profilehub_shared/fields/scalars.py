"""Scalar custom-field types: number, float, line, boolean, enum, ip, tags."""

import re
from collections.abc import Sequence

from .errors import FieldValueError
from .text import checked_float, checked_int64, checked_text, number_as_text

INTEGER_TEXT = re.compile(r"[+-]?[0-9]{1,30}", re.ASCII)
# Decimal point only: "12,5" is refused because in a CSV file it is ambiguous with thousands separators.
DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,5})?", re.ASCII)
IPV4 = re.compile(r"(?:0|[1-9][0-9]{0,2})(?:\.(?:0|[1-9][0-9]{0,2})){3}", re.ASCII)
TRUE_TEXT = frozenset({"true", "1", "yes", "y", "on"})
FALSE_TEXT = frozenset({"false", "0", "no", "n", "off"})
TAG_SEPARATORS = re.compile(r"[,|;]")
MAX_TAGS = 1000
MAX_TAG_LENGTH = 1000
MAX_SHORT_TEXT = 1000  # numbers, IPs and enum values never need more; longer text is refused before parsing


def coerce_number(field: str, raw: object) -> int:
    """An int64 from an integer, an integral float (42.0) or integer text ("42", "-12")."""
    if isinstance(raw, bool):
        raise FieldValueError(field, raw, "not_an_integer", "a boolean is not a number")
    if isinstance(raw, int):
        return checked_int64(field, int(raw))
    if isinstance(raw, float) and raw.is_integer():
        return checked_int64(field, int(raw))
    if isinstance(raw, str) and INTEGER_TEXT.fullmatch(raw.strip()):
        return checked_int64(field, int(raw.strip()))
    raise FieldValueError(field, raw, "not_an_integer", "expected a whole number such as -12 or 42")


def coerce_float(field: str, raw: object) -> float:
    """A finite double from a number or decimal text with a point ("12.5", "1e3")."""
    if isinstance(raw, bool):
        raise FieldValueError(field, raw, "not_a_number", "a boolean is not a number")
    if isinstance(raw, int):
        try:
            return checked_float(field, float(raw))
        except OverflowError:
            raise FieldValueError(field, raw, "out_of_range", "too large for a double") from None
    if isinstance(raw, float):
        return checked_float(field, float(raw))
    if isinstance(raw, str) and len(raw) <= MAX_SHORT_TEXT and DECIMAL_TEXT.fullmatch(raw.strip()):
        value = float(raw.strip())
        if value in (float("inf"), float("-inf")):
            raise FieldValueError(field, raw, "out_of_range", "too large for a double")
        return checked_float(field, value)
    raise FieldValueError(field, raw, "not_a_number", "expected a decimal number such as 12.5 or 1e3")


def coerce_line(field: str, raw: object, max_length: int, *, strip: bool = False) -> str:
    """Text (a spreadsheet number becomes its digits); no NUL, at most `max_length` characters."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raw = number_as_text(field, raw)
    if not isinstance(raw, str):
        raise FieldValueError(field, raw, "wrong_type", "expected text")
    text = str(raw)
    return checked_text(field, text.strip() if strip else text, max_length)


def coerce_boolean(field: str, raw: object, *, from_text: bool = False) -> bool:
    """true/false; from a file also 1/0, yes/no, y/n, on/off in any case."""
    if isinstance(raw, bool):
        return raw
    words = TRUE_TEXT | FALSE_TEXT if from_text else frozenset({"true", "false"})
    if from_text and isinstance(raw, int) and raw in (0, 1):  # a spreadsheet cell holding 1 or 0
        return raw == 1
    if isinstance(raw, str) and len(raw) <= MAX_SHORT_TEXT and raw.strip().lower() in words:
        return raw.strip().lower() in TRUE_TEXT
    raise FieldValueError(field, raw, "not_a_boolean", f"expected one of {', '.join(sorted(words))}")


def coerce_enum(field: str, raw: object, options: Sequence[str]) -> str:
    """One of `options`, given as itself or as its 1-based position (an option equal to the text wins)."""
    if isinstance(raw, str) and len(raw) <= MAX_SHORT_TEXT:
        for candidate in (raw, raw.strip()):
            if candidate in options:
                return candidate
        if INTEGER_TEXT.fullmatch(raw.strip()):
            raw = int(raw.strip())
    if isinstance(raw, int) and not isinstance(raw, bool) and 1 <= raw <= len(options):
        return options[raw - 1]
    shown = ", ".join(options[:10]) + (" …" if len(options) > 10 else "")
    raise FieldValueError(field, raw, "not_an_option", f"expected one of: {shown}, or its position 1 to {len(options)}")


def coerce_ip(field: str, raw: object) -> str:
    """An IPv4 dotted quad; leading zeros are refused (some tools read them as octal)."""
    text = raw.strip() if isinstance(raw, str) and len(raw) <= MAX_SHORT_TEXT else None
    if text is None or not IPV4.fullmatch(text) or any(int(part) > 255 for part in text.split(".")):
        raise FieldValueError(field, raw, "invalid_ip", "expected an IPv4 address such as 192.0.2.1")
    return text


def coerce_tags(field: str, raw: object) -> list[str]:
    """Distinct tags from a JSON list or a text split on `,` `|` `;`; whitespace trimmed, empties dropped."""
    if isinstance(raw, str):
        if len(raw) > MAX_TAGS * (MAX_TAG_LENGTH + 1):
            raise FieldValueError(field, raw, "too_long", "too much text for a tag list")
        raw = TAG_SEPARATORS.split(raw)
    elif not isinstance(raw, list):
        raise FieldValueError(field, raw, "wrong_type", "expected a list of tags or text separated by , | ;")
    elif len(raw) > MAX_TAGS:
        raise FieldValueError(field, raw, "too_many", f"more than {MAX_TAGS} tags")
    tags = [_tag(field, item) for item in raw]
    distinct = list(dict.fromkeys(tag for tag in tags if tag))
    if len(distinct) > MAX_TAGS:
        raise FieldValueError(field, raw, "too_many", f"more than {MAX_TAGS} tags")
    return distinct


def _tag(field: str, item: object) -> str:
    if not isinstance(item, str):
        raise FieldValueError(field, item, "wrong_type", "each tag is text")
    if TAG_SEPARATORS.search(item):
        # Tags are written joined by "," on export; a separator inside a tag would split it on the way back.
        raise FieldValueError(field, item, "invalid_tag", "a tag may not contain , | or ;")
    return checked_text(field, str(item).strip(), MAX_TAG_LENGTH)
