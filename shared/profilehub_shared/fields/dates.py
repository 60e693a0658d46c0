"""Dates: stored as aware UTC datetimes, read from the shapes below or an import's own strptime format.

Shapes read without a format (`DATE_SHAPES`, listed in the README): RFC 3339 / ISO 8601 (`2019-08-22`,
`2019-08-22T10:00:00Z`, `2016-07-22 15:01:17`), RFC 2822 (`Fri, 25 Dec 2020 14:40:02 +0000`), JavaScript's
`Date.toString()` (`Fri Dec 25 2020 14:40:02 GMT+0000 (Coordinated Universal Time)`) and `DD.MM.YYYY` with an
optional `HH:MM[:SS]`. A date-time without a zone is in the import's `timezone` (UTC when none is given); a date
alone is that calendar day at 00:00 UTC whatever the zone, so a birth date never moves to the day before.
"""

import re
import zoneinfo
from datetime import UTC, date, datetime, tzinfo
from email.utils import parsedate_to_datetime

from .errors import FieldValueError

# RFC 3339 and the shorter forms the reference shows (no seconds, `+03` offsets); `fromisoformat` alone would also
# take week dates and compact forms nobody means.
ISO_DATE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]{1,9})?)?(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?)?",
    re.ASCII,
)
DOTTED_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})(?:[ T]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?")
# "Fri Dec 25 2020 14:40:02 GMT+0000 (Coordinated Universal Time)": the zone's name in brackets is only a label.
JS_DATE = re.compile(
    r"[A-Za-z]{3} ([A-Za-z]{3}) ([0-9]{1,2}) ([0-9]{4}) ([0-9]{2}:[0-9]{2}:[0-9]{2}) GMT([+-][0-9]{4})(?: \(.*\))?"
)
RFC_2822_HINT = re.compile(r"(?:[A-Za-z]{3}, *)?[0-9]{1,2} [A-Za-z]{3} [0-9]{2,4} [0-9]{2}:[0-9]{2}")
DATE_SHAPES = ("RFC 3339 / ISO 8601", "RFC 2822", "JavaScript Date.toString()", "DD.MM.YYYY [HH:MM[:SS]]")
MAX_DATE_TEXT = 100


def coerce_date(field: str, raw: object, *, date_format: str | None = None, timezone: str | None = None) -> datetime:
    """A UTC datetime from a datetime, a date, or text; naive date-times are in `timezone` (IANA), else UTC."""
    zone = zone_of(field, timezone)
    if isinstance(raw, datetime):
        return _as_utc(field, raw, zone)
    if isinstance(raw, date):
        return datetime(raw.year, raw.month, raw.day, tzinfo=UTC)
    if not isinstance(raw, str):
        raise FieldValueError(field, raw, "invalid_date", "a date must be text such as 2019-08-22T00:00:00Z")
    text = raw.strip()
    if len(raw) > MAX_DATE_TEXT:
        raise FieldValueError(field, raw, "invalid_date", f"a date is at most {MAX_DATE_TEXT} characters")
    if date_format:
        parsed = _by_format(field, text, date_format, zone)
        if parsed is not None:
            return parsed
    shaped = _by_shape(field, text, zone)
    if shaped is not None:
        return shaped
    expected = f"{date_format!r}, " if date_format else ""
    raise FieldValueError(field, raw, "invalid_date", f"expected {expected}{', '.join(DATE_SHAPES)}")


def zone_of(field: str, timezone: str | None) -> tzinfo:
    """The IANA zone naive date-times are in (the gateway checks the name at upload; a stream record may not)."""
    if not timezone:
        return UTC
    try:
        return zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise FieldValueError(
            field, timezone, "invalid_timezone", "not an IANA time zone such as Europe/London"
        ) from None


def _by_shape(field: str, text: str, zone: tzinfo) -> datetime | None:
    if ISO_DATE.fullmatch(text):
        return _iso(field, text, zone)
    if dotted := DOTTED_DATE.fullmatch(text):
        day, month, year, hour, minute, second = dotted.groups()
        parts = [int(year), int(month), int(day)]
        if hour is None:
            return _calendar(field, text, parts)
        return _as_utc(field, _calendar(field, text, [*parts, int(hour), int(minute), int(second or 0)]), zone)
    if js := JS_DATE.fullmatch(text):
        month, day, year, clock, offset = js.groups()
        return _rfc_2822(field, text, f"{day} {month} {year} {clock} {offset}", zone)
    if RFC_2822_HINT.match(text):
        return _rfc_2822(field, text, text, zone)
    return None


def _calendar(field: str, text: str, parts: list[int]) -> datetime:
    try:
        year, month, day, hour, minute, second = [*parts, 0, 0, 0][:6]
        moment = datetime(year, month, day, hour, minute, second)
    except ValueError as exc:
        raise FieldValueError(field, text, "invalid_date", f"not a calendar date/time ({exc})") from None
    return moment if len(parts) > 3 else moment.replace(tzinfo=UTC)


def _rfc_2822(field: str, text: str, normal: str, zone: tzinfo) -> datetime:
    try:
        parsed = parsedate_to_datetime(normal)
    except (TypeError, ValueError, IndexError) as exc:
        raise FieldValueError(field, text, "invalid_date", f"not an RFC 2822 date ({exc})") from None
    if normal.rstrip().endswith("-0000"):  # RFC 2822: "-0000" says the zone is unknown; the import's zone applies
        parsed = parsed.replace(tzinfo=None)
    return _as_utc(field, parsed, zone)


def _by_format(field: str, text: str, date_format: str, zone: tzinfo) -> datetime | None:
    """The import's own format; None when the text does not match it (the shapes are tried next)."""
    try:
        parsed = datetime.strptime(text, date_format)
    except ValueError:
        return None
    except (TypeError, re.error) as exc:  # a malformed format, e.g. unbalanced brackets
        raise FieldValueError(field, date_format, "invalid_date_format", f"unusable date format ({exc})") from None
    return _as_utc(field, parsed, zone)


def _iso(field: str, text: str, zone: tzinfo) -> datetime:
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
    return _as_utc(field, parsed, UTC if len(text) == 10 else zone)  # a date alone stays its calendar day


def _as_utc(field: str, value: datetime, zone: tzinfo = UTC) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=zone)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):  # 0001-01-01T00:00+01:00 has no UTC form inside datetime's range
        raise FieldValueError(field, value, "out_of_range", "outside years 1 to 9999 once in UTC") from None
