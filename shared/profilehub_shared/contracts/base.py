"""The base of every message: an event id, a timezone-aware time, and the topic on the class."""

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from .namespace import NAMESPACE

TOPIC_NAME = re.compile(r"^[a-z]+\.[a-z0-9]+(-[a-z0-9]+)*\.v[0-9]+$")


def topic_name(domain: str, event: str, major: int = 1) -> str:
    """`<domain>.<event-kebab>.v<major>`, checked against the naming rule, after this deployment's topic prefix."""
    name = f"{domain}.{event}.v{major}"
    if not TOPIC_NAME.match(name):
        raise ValueError(f"topic name {name!r} does not follow <domain>.<event-kebab>.v<major>")
    return NAMESPACE.topic(name)


def dead_letter_topic(topic: str) -> str:
    """Where messages of `topic` that can never be processed go, with their error."""
    return f"{topic}.dlq"


# Ids that upstream systems send (database, profile): no control characters, which MongoDB-wire stores refuse.
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")]

# Anything past this would not fit in one Kafka message (the broker's default limit is 1 MiB, headers included).
MAX_MESSAGE_BYTES = 1_000_000


def utc_now() -> datetime:
    return datetime.now(UTC)


class Message(BaseModel):
    """A Kafka message: frozen, with an id for de-duplication and the time it happened."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    topic: ClassVar[str]
    compacted: ClassVar[bool] = False
    retention_ms: ClassVar[int | None] = None  # None: the broker's default
    partitions: ClassVar[int] = 3  # of the topic, when a service creates it

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4, description="Unique id; consumers de-duplicate on it")
    occurred_at: AwareDatetime = Field(default_factory=utc_now, description="When it happened (timezone-aware)")

    @field_validator("occurred_at")
    @classmethod
    def representable_in_utc(cls, value: datetime) -> datetime:
        """0001-01-01T00:00:00+01:00 is a valid RFC 3339 time but no UTC datetime (and no BSON date) holds it."""
        try:
            value.astimezone(UTC)
        except OverflowError:
            raise ValueError("occurred_at is out of range: it must lie between years 1 and 9999 in UTC") from None
        return value


class Event(Message):
    """Something that happened (past tense)."""


class Command(Message):
    """Something asked for (imperative)."""
