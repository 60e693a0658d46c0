"""A profile's activity: per interaction family, the last time and the count, kept by the importer.

Stored under `activity` on the profile: `activity.last_open_at` (UTC datetime) and `activity.open_count` (int64),
for every family. A family is an interaction type, channel prefix kept (`open`, `uopen`, `click`, `sms_deliv`,
`push_open`), plus `bounce` (and `sms_bounce`, `push_bounce`), which counts soft and hard bounces together beside
`sbounce` and `hbounce`. `import_<what>` interactions are history only: no activity.
A profile that never had a family's interaction has neither key: "never clicked" is `activity.click_count eq 0`
(absent reads as 0) or `activity.last_click_at exists false`.
"""

import re
from datetime import datetime, timedelta

from ..contracts.interactions import KINDS
from ..fields import FieldValueError

ACTIVITY = "activity"
CHANNEL_PREFIXES = ("", "sms_", "push_")
BOUNCES = ("sbounce", "hbounce")
BASE_FAMILIES = (*KINDS, "suppress", "bounce")
FAMILIES = tuple(prefix + family for prefix in CHANNEL_PREFIXES for family in BASE_FAMILIES)
RELATIVE_TIME = re.compile(r"^\s*([+-])\s*(\d{1,6})\s*([mhdw])\s*$")
RELATIVE = "-30d, -12h, -15m, +1w (minutes, hours, days, weeks)"
UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def last_at_key(family: str) -> str:
    """`last_open_at`: the key, under `activity`, of the family's last time."""
    return f"last_{family}_at"


def count_key(family: str) -> str:
    """`open_count`: the key, under `activity`, of the family's count."""
    return f"{family}_count"


def families_of(interaction_type: str) -> tuple[str, ...]:
    """The families one interaction counts in: `sbounce` → (sbounce, bounce); `import_x` → ()."""
    if interaction_type.startswith("import_"):
        return ()
    prefix = next((p for p in ("sms_", "push_") if interaction_type.startswith(p)), "")
    kind = interaction_type[len(prefix) :]
    if kind not in BASE_FAMILIES:
        return ()
    return (interaction_type, prefix + "bounce") if kind in BOUNCES else (interaction_type,)


def activity_column(name: str) -> tuple[str, str] | None:
    """(key under `activity`, "date" or "count") when `name` is `activity.last_<family>_at` or
    `activity.<family>_count`; None for any other name."""
    head, dot, key = name.partition(".")
    if head != ACTIVITY or not dot:
        return None
    for family in FAMILIES:
        if key == last_at_key(family):
            return key, "date"
        if key == count_key(family):
            return key, "count"
    return None


def relative_time(field: str, raw: object, now: datetime) -> datetime | None:
    """`now` moved by a relative time such as `-30d`, `-12h`, `-15m`, `+1w`; None when `raw` is not one.
    Months and years are not offered: they have no fixed length."""
    if not isinstance(raw, str):
        return None
    found = RELATIVE_TIME.match(raw)
    if found is None:
        return None
    sign, amount, unit = found.groups()
    try:
        delta = timedelta(**{UNITS[unit]: int(amount)})
        return now - delta if sign == "-" else now + delta
    except OverflowError:
        raise FieldValueError(
            field, raw, "out_of_range", "the relative time reaches past the dates a profile holds"
        ) from None
