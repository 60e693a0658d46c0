"""Messages of profile writes: upserts asked by upstream systems, their rejections, and profile changes."""

import zoneinfo
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StrictBool, field_validator
from pydantic_core import PydanticCustomError

from .base import Command, Event, Identifier, topic_name
from .dead_letter import ConsumedRecord

Mode = Literal["upsert", "create_only", "update_only"]
Source = Literal[
    "import_file", "import_api", "import_stream", "copy", "bulk_update", "subscription_manager", "ml", "suppression"
]


class WriteOptions(BaseModel):
    """How a write is done: matching key, mode, empty values, formats (file imports, stream and API upserts)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    matching: str = Field(
        "email",
        description="email, phone, profile_id (update only) or field:<unique field>",
        json_schema_extra={"pattern": r"^(email|phone|profile_id|field:[\s\S]+)$"},  # as known_matching checks
    )
    mode: Mode = Field("upsert", description="upsert (default), create_only or update_only")
    empty: Literal["skip", "clear"] = Field("skip", description="An empty value leaves the field (skip) or clears it")
    date_format: str | None = Field(None, max_length=100, description="strptime format of dates besides RFC 3339")
    default_phone_region: str | None = Field(
        None,
        min_length=2,
        max_length=2,
        description="ISO country of national phone numbers (without +) in records that name no country of their "
        "own in `country` / `reg_country`, e.g. RU",
    )
    detect_geo: StrictBool = Field(
        False,
        description="Fill reg_country / reg_city from reg_ip, and country / region / city from ip, from the offline "
        "geo database (GEOIP_DATABASE, or the shipped country data), where the record gives no value",
    )
    timezone: str | None = Field(
        None,
        max_length=64,
        description="IANA time zone of date-times written without an offset, e.g. Europe/London (default UTC); "
        "a date alone (2016-07-22) is that calendar day and is never shifted",
    )
    trim: StrictBool = Field(
        True,
        description="Trim spaces, tabs and line breaks around the text of line fields, standard and custom alike; "
        "false keeps the text as given",
    )

    @field_validator("timezone")
    @classmethod
    def known_timezone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            # A code of its own: which names exist is the machine's tz database, no schema can state it.
            raise PydanticCustomError(
                "unknown_timezone", "not an IANA time zone such as Europe/London: {value}", {"value": value[:64]}
            ) from None
        return value

    @field_validator("matching")
    @classmethod
    def known_matching(cls, value: str) -> str:
        if value in ("email", "phone", "profile_id") or (value.startswith("field:") and len(value) > 6):
            return value
        raise ValueError("matching must be email, phone, profile_id or field:<name>")


class UpsertProfile(Command):
    """Create or update one profile (key: database id + match value, which keeps per-profile order)."""

    topic = topic_name("profiles", "upsert-requested")
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "database_id": "6f1c0d2e9b8a4c7d8e9f0a1b2c3d4e5f",
                    "record": {
                        "email": "ann@shop.example",
                        "phones": ["+4791234567"],
                        "first_name": "Ann",
                        "plan": "pro",
                        "address": {"city": "Oslo", "zip": "0150"},
                        "subscriptions": [{"resource_id": "news", "channel": "email", "status": "subscribed"}],
                    },
                    "options": {"matching": "email", "mode": "upsert", "empty": "skip"},
                }
            ]
        }
    )

    database_id: Identifier = Field(description="Target database")
    record: dict[str, JsonValue] = Field(
        description="Field name → value (standard and custom fields by name; `subscriptions` list; "
        "`profile_id` for matching by id)"
    )
    options: WriteOptions = Field(default_factory=WriteOptions, description="Matching, mode, empty handling")
    request_id: str | None = Field(
        None, max_length=64, description="When set, the outcome is answered on ProfileWriteAnswered (used by the API)"
    )


class DeleteProfile(Command):
    """Delete one profile (key: database id + profile id)."""

    topic = topic_name("profiles", "delete-requested")

    database_id: Identifier
    profile_id: Identifier
    request_id: str | None = Field(None, max_length=64, description="When set, answered on ProfileWriteAnswered")


class ProfileWriteAnswered(Event):
    """The outcome of an UpsertProfile or DeleteProfile that asked for an answer (keyed by request id)."""

    topic = topic_name("profiles", "write-answered")
    retention_ms: ClassVar[int | None] = 60 * 60 * 1000  # only the waiting caller needs it

    request_id: str
    outcome: Literal["created", "updated", "unchanged", "deleted", "rejected", "not_found"]
    profile_id: str | None = None
    errors: list["RejectedField"] = Field(default_factory=list)
    ignored_fields: list[str] = Field(
        default_factory=list, description="Keys of the record that are not fields of the database: not written"
    )


class RejectedField(BaseModel):
    """Why one value was refused."""

    model_config = ConfigDict(frozen=True)

    field: str
    value: str | None = Field(description="The value as given, truncated")
    code: str = Field(description="Machine-readable reason, e.g. invalid_email, required, ambiguous_match")
    message: str = Field(description="Human-readable reason naming field, value and rule")


class ProfileUpsertRejected(Event):
    """An upsert that was not applied, with every reason (keyed like the request)."""

    topic = topic_name("profiles", "upsert-rejected")

    request_event_id: str = Field(description="event_id of the UpsertProfile refused (empty if it never parsed)")
    database_id: str = Field(description="Its database (empty if it never parsed)")
    record: dict[str, Any] = Field(
        description="The record as received ({} when the message did not parse or the record is over 64 KiB: "
        "see `consumed`)"
    )
    errors: list[RejectedField]
    consumed: ConsumedRecord | None = Field(
        None, description="The Kafka record it came in, bytes and all (stream upserts; absent for API upserts)"
    )


class ProfileUpsertWarned(Event):
    """A stream upsert that was applied, but with keys that are not fields of the database, which were not
    written (keyed like the request). File imports report unmapped columns alike."""

    topic = topic_name("profiles", "upsert-warned")

    request_event_id: str = Field(description="event_id of the UpsertProfile")
    database_id: str
    profile_id: str | None = Field(None, description="The profile written")
    outcome: Literal["created", "updated", "unchanged"]
    ignored_fields: list[str] = Field(description="Keys of the record that are not fields: not written")
    message: str = Field(description="Human-readable, with a 'did you mean' for a near miss")
    consumed: ConsumedRecord | None = Field(None, description="The Kafka record it came in")


class FieldChange(BaseModel):
    """One field's value before and after (None: absent)."""

    model_config = ConfigDict(frozen=True)

    field: str = Field(description="Standard field name, `fields.<custom>`, `subscriptions`, or `suppressed`")
    old: JsonValue = None
    new: JsonValue = None


class ProfileChanged(Event):
    """A profile was created, updated or deleted (never emitted for a write that changed nothing)."""

    topic = topic_name("profiles", "changed")
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "event_id": "5d1f6c2e-3f7a-4b1e-9a51-0c7d2f9b8e11",
                    "occurred_at": "2026-11-29T09:15:04Z",
                    "database_id": "6f1c0d2e9b8a4c7d8e9f0a1b2c3d4e5f",
                    "profile_id": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
                    "change": "updated",
                    "source": "import_file",
                    "job_id": "0c7d2f9b8e114b1e9a513f7a5d1f6c2e",
                    "changes": [{"field": "fields.plan", "old": "free", "new": "pro"}],
                }
            ]
        }
    )

    database_id: str
    profile_id: str
    change: Literal["created", "updated", "deleted"]
    source: Source = Field(description="What made the change")
    changes: list[FieldChange] = Field(default_factory=list, description="Changed fields, old → new")
    job_id: str | None = Field(None, description="The import, copy or bulk-update job, if any")


ProfileWriteAnswered.model_rebuild()
