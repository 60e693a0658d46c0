"""Where each filterable field lives in a profile document, which tests fit it, and how its values are read.

Every document key a query can hold is built here from the schema, never copied from the user's input.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..contracts.schema_state import Database
from ..fields import (
    STANDARD_FIELDS,
    CustomField,
    FieldType,
    FieldValueError,
    StandardKind,
    coerce_custom,
    coerce_standard,
)
from ..fields.dates import coerce_date
from ..fields.objects import MAX_DEPTH, MAX_LEAF_LENGTH
from ..fields.scalars import coerce_boolean, coerce_float, coerce_number
from ..fields.text import KEY_PATTERN, checked_float, checked_int64, checked_text
from .activity import ACTIVITY, activity_column
from .bst import read_hour, read_weekday
from .derived import CHANNELS, PROMO_POOLS, STATUSES, SUBSCRIPTION_KEYS, subscription_key
from .model import FilterError


@dataclass(frozen=True)
class Context:
    """What reading a value may depend on: the clock (UTC) and whether the value came as typed text."""

    now: datetime
    from_text: bool = False


Reader = Callable[[str, object, Context], object]

ORDERED = frozenset({"eq", "ne", "gt", "gte", "lt", "lte", "in", "exists"})
CHOICE = frozenset({"eq", "ne", "in", "exists"})
TEXT = CHOICE | {"contains"}
ARRAY = CHOICE | {"contains"}  # eq and contains both mean "holds this element"
FLAG = frozenset({"eq", "ne", "exists"})
LEAF = ORDERED | {"contains"}
PRESENCE = frozenset({"exists"})


def _no_value(field: str, raw: object, ctx: Context) -> object:
    raise FieldValueError(field, raw, "no_value", "this field is only tested with exists")


@dataclass(frozen=True)
class Target:
    """A filterable field: its document key, its tests and its value reader."""

    field: str  # as the user named it, for errors
    path: str  # the key in the profile document
    ops: frozenset[str]
    read: Reader = _no_value
    array: bool = False  # stored as an array: eq/contains test one element, in tests for any of several
    text: bool = False  # contains is a case-insensitive substring test
    leaf: bool = False  # a value inside an object: its own JSON type decides what fits
    present: tuple[str, ...] | None = None  # derived-key fields: exists means "holds one of these keys"
    absent_false: bool = False  # a system flag that older profiles may lack: absent reads as false
    absent_zero: bool = False  # an activity count: a profile that never had the interaction lacks it, reads as 0
    dated: bool = False  # a date: a relative time such as `-30d` is read against the clock


def resolve(db: Database, name: str) -> Target:
    """The target named `name` in database `db`, or FilterError (invalid_path, unknown_field)."""
    segments = name.split(".")
    if not all(KEY_PATTERN.fullmatch(segment) for segment in segments):
        raise FilterError(
            name, name, "invalid_path", "a field is names of Latin letters, digits, '_', '-' joined by '.'"
        )
    head, rest = segments[0], segments[1:]
    if head == "subscriptions" and len(rest) == 2:
        return _subscription(db, name, rest[0], rest[1])
    if head == "promo_codes" and len(rest) == 1:
        return Target(name, PROMO_POOLS, PRESENCE, present=(rest[0],))
    if name in SYSTEM:
        return SYSTEM[name]
    if head == ACTIVITY and db.field(ACTIVITY) is None:  # a field named so before the name was reserved wins
        return _activity(name)
    if name in STANDARD_FIELDS:
        return _standard(name)
    field = db.field(head)
    if field is not None and not rest:
        return _custom(field)
    if field is not None and field.type in (FieldType.object, FieldType.object_array) and len(rest) <= MAX_DEPTH:
        return Target(name, f"fields.{name}", LEAF, _read_leaf, text=True, leaf=True)
    raise FilterError(name, name, "unknown_field", "no such field in this database")


def _subscription(db: Database, name: str, resource_id: str, channel: str) -> Target:
    if resource_id not in db.settings.resource_ids or channel not in CHANNELS:
        raise FilterError(name, name, "unknown_field", "no such resource channel in this database")

    def read_status(field: str, raw: object, ctx: Context) -> str:
        status = raw.strip().lower() if isinstance(raw, str) and ctx.from_text else raw
        if status not in STATUSES:
            raise FieldValueError(field, raw, "not_an_option", f"expected one of: {', '.join(STATUSES)}")
        return subscription_key(resource_id, channel, str(status))

    keys = tuple(subscription_key(resource_id, channel, status) for status in STATUSES)
    return Target(name, SUBSCRIPTION_KEYS, CHOICE, read_status, array=True, present=keys)


def _activity(name: str) -> Target:
    found = activity_column(name)
    if found is None:
        raise FilterError(
            name, name, "unknown_field", "activity fields are activity.last_<family>_at and activity.<family>_count, "
            "with a family such as send, deliv, open, click, unsub, complain, bounce, sms_send, push_open",
        )  # fmt: skip
    if found[1] == "date":
        return Target(name, name, ORDERED, _date, dated=True)
    return Target(name, name, ORDERED, _count, absent_zero=True)


def _count(field: str, raw: object, ctx: Context) -> object:
    count = coerce_number(field, raw)
    if count < 0:
        raise FieldValueError(field, raw, "out_of_range", "a count is 0 or more")
    return count


def _standard(name: str) -> Target:
    kind = STANDARD_FIELDS[name].kind

    def read(field: str, raw: object, ctx: Context) -> object:
        value = coerce_standard(name, raw, from_text=ctx.from_text)
        return _one(field, raw, value) if kind is StandardKind.phones else value

    ops = {
        StandardKind.phones: ARRAY,
        StandardKind.date: ORDERED,
        StandardKind.gender: CHOICE,
    }.get(kind, TEXT)
    return Target(
        name, name, ops, read, array=kind is StandardKind.phones, text=ops is TEXT, dated=kind is StandardKind.date
    )


def _custom(field: CustomField) -> Target:
    def read(name: str, raw: object, ctx: Context) -> object:
        if field.type is FieldType.tags and not isinstance(raw, str):
            # A list here would read as "the tags are exactly these"; a condition tests for one tag.
            raise FieldValueError(name, raw, "wrong_type", "compare with one tag; use `in` for several")
        value = coerce_custom(field, raw, from_text=ctx.from_text)
        return _one(name, raw, value) if field.type is FieldType.tags else value

    ops = {
        FieldType.number: ORDERED,
        FieldType.float: ORDERED,
        FieldType.date: ORDERED,
        FieldType.line: TEXT,
        FieldType.ip: TEXT,
        FieldType.boolean: FLAG,
        FieldType.enum: CHOICE,
        FieldType.tags: ARRAY,
    }.get(field.type, PRESENCE)
    path = f"fields.{field.name}"
    return Target(
        field.name,
        path,
        ops,
        read,
        array=field.type is FieldType.tags,
        text=ops is TEXT,
        dated=field.type is FieldType.date,
    )


def _one(field: str, raw: object, values: object) -> object:
    """The single element a phones or tags condition compares with."""
    if not isinstance(values, list) or len(values) != 1:
        raise FieldValueError(field, raw, "one_value_expected", "compare with one value; use `in` for several")
    return values[0]


def _read_leaf(field: str, raw: object, ctx: Context) -> object:
    """A value inside an object: the same scalars an object may hold (text from a quick search is kept as text)."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int):
        return checked_int64(field, raw)
    if isinstance(raw, float):
        return checked_float(field, raw)
    if isinstance(raw, str):
        return checked_text(field, raw, MAX_LEAF_LENGTH)
    code = "null_value" if raw is None else "wrong_type"
    raise FieldValueError(field, raw, code, "compare a value inside an object with a number, text or true/false")


def _date(field: str, raw: object, ctx: Context) -> object:
    return coerce_date(field, raw)


def _flag(field: str, raw: object, ctx: Context) -> object:
    return coerce_boolean(field, raw, from_text=ctx.from_text)


def _profile_id(field: str, raw: object, ctx: Context) -> object:
    if not isinstance(raw, str) or not raw.strip():
        raise FieldValueError(field, raw, "wrong_type", "a profile id is non-empty text")
    return checked_text(field, raw.strip(), 200)


SYSTEM: dict[str, Target] = {
    "profile_id": Target("profile_id", "_id", frozenset({"eq", "ne", "in"}), _profile_id),
    "created_at": Target("created_at", "created_at", ORDERED, _date, dated=True),
    "updated_at": Target("updated_at", "updated_at", ORDERED, _date, dated=True),
    "has_interactions": Target("has_interactions", "has_interactions", FLAG, _flag, absent_false=True),
    "suppressed": Target("suppressed", "suppressed", FLAG, _flag, absent_false=True),
    "ml.bst.hours": Target(
        "ml.bst.hours", "ml.bst.hours", ARRAY | {"within_next_hours"}, lambda f, r, c: read_hour(f, r), array=True
    ),
    "ml.bst.weekdays": Target(
        "ml.bst.weekdays", "ml.bst.weekdays", ARRAY, lambda f, r, c: read_weekday(f, r, c.now), array=True
    ),
    "ml.bst.confidence": Target("ml.bst.confidence", "ml.bst.confidence", ORDERED, lambda f, r, c: coerce_float(f, r)),
}
