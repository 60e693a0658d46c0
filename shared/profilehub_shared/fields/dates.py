"""Dates: stored as aware UTC datetimes; read from RFC 3339, `YYYY-MM-DD` or an import's own strptime format."""

import re
from datetime import UTC, date, datetime

from .errors import FieldValueError

# RFC 3339 and the shorter forms the reference shows (no seconds, `+03` offsets); `fromisoformat` alone would also
# take week dates and compact forms nobody means.
ISO_DATE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]{1,9})?)?(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?)?",
    re.ASCII,
)
MAX_DATE_TEXT = 100


def coerce_date(field: str, raw: object, *, date_format: str | None = None) -> datetime:
    """A UTC datetime from a datetime, a date, or text; naive times are taken as UTC."""
    if isinstance(raw, datetime):
        return _as_utc(field, raw)
    if isinstance(raw, date):
        return datetime(raw.year, raw.month, raw.day, tzinfo=UTC)
    if not isinstance(raw, str):
        raise FieldValueError(field, raw, "invalid_date", "a date must be text such as 2019-08-22T00:00:00Z")
    text = raw.strip()
    if len(raw) > MAX_DATE_TEXT:
        raise FieldValueError(field, raw, "invalid_date", f"a date is at most {MAX_DATE_TEXT} characters")
    if date_format:
        parsed = _by_format(field, text, date_format)
        if parsed is not None:
            return parsed
    if ISO_DATE.fullmatch(text):
        return _iso(field, text)
    expected = f"{date_format!r}, " if date_format else ""
    raise FieldValueError(field, raw, "invalid_date", f"expected {expected}RFC 3339 or YYYY-MM-DD")


def _by_format(field: str, text: str, date_format: str) -> datetime | None:
    """The import's own format; None when the text does not match it (ISO forms are tried next)."""
    try:
        parsed = datetime.strptime(text, date_format)
    except ValueError:
        return None
    except (TypeError, re.error) as exc:  # a malformed format, e.g. unbalanced brackets
        raise FieldValueError(field, date_format, "invalid_date_format", f"unusable date format ({exc})") from None
    return _as_utc(field, parsed)


def _iso(field: str, text: str) -> datetime:
    normal = text.upper().replace(",", ".")
    if "." in normal:
        # Python keeps microseconds; RFC 3339 allows any precision, so cut to six digits.
        head, _, tail = normal.partition(".")
        digits = re.match(r"[0-9]*", tail)
        frac = digits.group(0) if digits else ""
        normal = f"{head}.{frac[:6].ljust(6, '0')}{tail[len(frac) :]}"
    try:
        parsed = datetime.fromisoformat(normal)
    except ValueError as exc:
        raise FieldValueError(field, text, "invalid_date", f"not a calendar date/time ({exc})") from None
    return _as_utc(field, parsed)


def _as_utc(field: str, value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):  # 0001-01-01T00:00+01:00 has no UTC form inside datetime's range
        raise FieldValueError(field, value, "out_of_range", "outside years 1 to 9999 once in UTC") from None
