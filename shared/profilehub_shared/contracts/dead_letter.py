"""What a dead-letter topic carries: the failed message, why it failed and where it came from."""

from pydantic import Field

from .base import Event


class MessageDeadLettered(Event):
    """A message that can never be processed, parked for operators on `<topic>.dlq` (keyed as the original)."""

    original_topic: str = Field(description="Topic the message was consumed from")
    partition: int = Field(description="Partition of the original message")
    offset: int = Field(description="Offset of the original message")
    consumer_group: str | None = Field(description="Consumer group that gave up on it")
    error_type: str = Field(description="Exception class, e.g. ValidationError")
    error: str = Field(description="Why it failed, as the consumer saw it")
    attempts: int = Field(description="Deliveries tried before giving up")
    key: str | None = Field(description="Original key, UTF-8 (invalid bytes replaced)")
    value: str = Field(description="Original value, UTF-8 (invalid bytes replaced)")
