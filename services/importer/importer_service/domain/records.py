"""Reading one incoming record against a database's schema: known fields coerced, every problem named."""

import difflib
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from profilehub_shared.contracts.profiles import WriteOptions
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.fields import STANDARD_FIELDS, FieldValueError
from profilehub_shared.fields.coerce import custom_reader, standard_reader
from profilehub_shared.filters.derived import CHANNELS, STATUSES

SYSTEM_KEYS = ("profile_id", "subscriptions")


@dataclass
class ReadRecord:
    """A record as the schema reads it: stored values, fields given empty, and what was wrong or unknown."""

    standard: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, Any] = field(default_factory=dict)
    empty: set[str] = field(default_factory=set)
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    profile_id: str | None = None
    errors: list[FieldValueError] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    skipped: list[FieldValueError] = field(default_factory=list)  # values left out; the rest of the record is written

    @property
    def ok(self) -> bool:
        return not self.errors


def is_empty(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or raw == [] or raw == {}


# Where a record says which country its national phone numbers are in, first found first.
COUNTRY_KEYS = ("country", "reg_country")


def row_country(raw: dict[str, Any]) -> str | None:
    """The record's own country as written (ISO code or name), for reading its national phone numbers."""
    for key in COUNTRY_KEYS:
        value = raw.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def top_field(error: FieldValueError) -> str:
    """The field an error is about: `address` for `address.zip`, `items` for `items[2].sku`."""
    return error.field.split(".", 1)[0].split("[", 1)[0]


def must_hold(db: Database, matching: str) -> set[str]:
    """Fields whose invalid value rejects the whole record: the matching key and the required fields."""
    key = {"email": "email", "phone": "phones", "profile_id": "profile_id"}.get(matching, matching[6:])
    required = {name for name, s in db.standard_fields.items() if s.required}
    return {key, "subscriptions", *required, *(f.name for f in db.custom_fields if f.required)}


def skip_invalid_values(out: ReadRecord, kept: set[str]) -> None:
    """Per-value rejection: invalid values of optional fields are left out (and kept in `skipped`); the record
    is still rejected when one of the fields it must hold (`must_hold`) is invalid."""
    out.skipped = [e for e in out.errors if top_field(e) not in kept]
    out.errors = [e for e in out.errors if top_field(e) in kept]


def read_subscription(db: Database, raw: object, out: ReadRecord) -> None:
    """One subscription: a resource the database allows, a known channel and status."""
    if not isinstance(raw, dict):
        out.errors.append(FieldValueError("subscriptions", raw, "not_an_object", "a subscription is an object"))
        return
    resource, channel = raw.get("resource_id"), raw.get("channel")
    status = raw.get("status", "subscribed")
    if resource not in db.settings.resource_ids:
        out.errors.append(
            FieldValueError(
                "subscriptions.resource_id", resource, "unknown_resource", "the database does not allow this resource"
            )
        )
    elif channel not in CHANNELS:
        out.errors.append(
            FieldValueError(
                "subscriptions.channel", channel, "unknown_channel", f"channel must be one of {', '.join(CHANNELS)}"
            )
        )
    elif status not in STATUSES:
        out.errors.append(
            FieldValueError(
                "subscriptions.status", status, "unknown_status", f"status must be one of {', '.join(STATUSES)}"
            )
        )
    else:
        priority = raw.get("priority", 0)
        out.subscriptions.append(
            {
                "resource_id": resource,
                "channel": channel,
                "status": status,
                "address": raw.get("address"),
                "priority": priority if isinstance(priority, int) else 0,
            }
        )


def ignored_note(db: Database, keys: list[str]) -> str:
    """What the ignored keys were, with a 'did you mean' for near misses of a field name."""
    known = [*STANDARD_FIELDS, *(f.name for f in db.custom_fields)]
    parts = []
    for key in keys:
        close = difflib.get_close_matches(key, known, n=1)
        parts.append(f"{key!r} (did you mean {close[0]!r}?)" if close else repr(key))
    return f"not fields of this database, not written: {', '.join(parts)}"


def read_record(
    db: Database, raw: dict[str, Any], opts: WriteOptions, *, from_text: bool = False, skip_invalid: bool = False
) -> ReadRecord:
    """One record read by `db`'s rules (see `RecordReader.read`); a batch builds its reader once instead."""
    return RecordReader.of(db, opts).read(raw, from_text=from_text, skip_invalid=skip_invalid)


# What a record's key is read as: its reader, if it has one (in `RecordReader.cells` and `.values`).
CUSTOM, STANDARD, PROFILE_ID, SUBSCRIPTIONS, NOT_A_FIELD = "custom", "standard", "profile_id", "subscriptions", ""
KeyReader = tuple[str, Any]


@dataclass(frozen=True)
class RecordReader:
    """How a database reads the records of one write: what each key is and its reader, chosen once for the
    options (custom fields for file cells and for JSON values), and the fields a record must hold."""

    db: Database
    cells: dict[str, KeyReader]  # a file's cells: key → (what it is, its reader)
    values: dict[str, KeyReader]  # JSON values
    kept: set[str]

    @classmethod
    def of(cls, db: Database, opts: WriteOptions) -> "RecordReader":
        custom = partial(custom_reader, date_format=opts.date_format, timezone=opts.timezone, trim=opts.trim)
        standard_of = partial(
            standard_reader,
            default_phone_region=opts.default_phone_region,
            date_format=opts.date_format,
            timezone=opts.timezone,
            trim=opts.trim,
        )
        standard = {name: (STANDARD, standard_of(name)) for name in STANDARD_FIELDS}
        own = {PROFILE_ID: (PROFILE_ID, None), SUBSCRIPTIONS: (SUBSCRIPTIONS, None)}

        def keys(from_text: bool) -> dict[str, KeyReader]:  # ids and subscriptions first, then custom fields
            return standard | {f.name: (CUSTOM, custom(f, from_text=from_text)) for f in db.custom_fields} | own

        return cls(db, cells=keys(True), values=keys(False), kept=must_hold(db, opts.matching))

    def read(self, raw: dict[str, Any], *, from_text: bool = False, skip_invalid: bool = False) -> ReadRecord:
        """Coerce every key of `raw`; empty values are noted, not coerced (merge decides what they mean).

        With `skip_invalid` (file imports by default) a value its field refuses is left out rather than rejecting
        the record: see `skip_invalid_values`.
        """
        out = ReadRecord()
        country = row_country(raw)
        keys = self.cells if from_text else self.values
        unknown = (NOT_A_FIELD, None)
        for name, value in raw.items():
            what, reader = keys.get(name, unknown)
            if what == PROFILE_ID:
                out.profile_id = str(value) if not is_empty(value) else None
            elif what == SUBSCRIPTIONS:
                for item in value if isinstance(value, list) else [value]:
                    read_subscription(self.db, item, out)
            elif not value.strip() if type(value) is str else is_empty(value):  # most values: text
                out.empty.add(name)
            elif what == CUSTOM:
                try:
                    out.custom[name] = reader(value)
                except FieldValueError as exc:
                    out.errors.append(exc)
            elif what == STANDARD:
                try:
                    out.standard[name] = reader(value, country)
                except FieldValueError as exc:
                    out.errors.append(exc)
            else:
                out.unknown.append(name)
        if skip_invalid:
            skip_invalid_values(out, self.kept)
        return out
