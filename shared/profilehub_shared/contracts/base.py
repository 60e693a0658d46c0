"""The base of every message: an event id, a timezone-aware time, and the topic on the class."""

import re
import uuid
from datetime import UTC, datetime
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

TOPIC_NAME = re.compile(r"^[a-z]+\.[a-z0-9]+(-[a-z0-9]+)*\.v[0-9]+$")


def topic_name(domain: str, event: str, major: int = 1) -> str:
    """`<domain>.<event-kebab>.v<major>`, checked against the naming rule."""
    name = f"{domain}.{event}.v{major}"
    if not TOPIC_NAME.match(name):
        raise ValueError(f"topic name {name!r} does not follow <domain>.<event-kebab>.v<major>")
    return name


def dead_letter_topic(topic: str) -> str:
    """Where messages of `topic` that can never be processed go, with their error."""
    return f"{topic}.dlq"


def utc_now() -> datetime:
    return datetime.now(UTC)


class Message(BaseModel):
    """A Kafka message: frozen, with an id for de-duplication and the time it happened."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    topic: ClassVar[str]
    compacted: ClassVar[bool] = False
    retention_ms: ClassVar[int | None] = None  # None: the broker's default

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4, description="Unique id; consumers de-duplicate on it")
    occurred_at: AwareDatetime = Field(default_factory=utc_now, description="When it happened (timezone-aware)")


class Event(Message):
    """Something that happened (past tense)."""


class Command(Message):
    """Something asked for (imperative)."""
