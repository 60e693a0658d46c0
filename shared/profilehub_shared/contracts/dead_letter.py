"""What a dead-letter topic carries: the failed message, why it failed and where it came from."""

from pydantic import BaseModel, ConfigDict, Field

from .base import Event

# A record's raw bytes ride along base64-encoded up to this size, so that a rejection or a dead letter of a
# record that filled a whole Kafka message still fits in one (base64 adds a third).
MAX_CARRIED_BYTES = 256 * 1024
MAX_PREVIEW_CHARS = 2000


class ConsumedRecord(BaseModel):
    """A consumed Kafka record as it arrived, carried safely whatever its content (any bytes, any size)."""

    model_config = ConfigDict(frozen=True)

    topic: str = Field(description="Topic it was consumed from")
    partition: int = Field(description="Its partition")
    offset: int = Field(description="Its offset")
    key: str | None = Field(description="Its key as text (invalid UTF-8 and lone surrogates escaped), truncated")
    value_base64: str = Field(description=f"Its value, base64; the first {MAX_CARRIED_BYTES} bytes when larger")
    value_bytes: int = Field(description="The value's whole size in bytes")
    value_preview: str = Field(
        description=f"The value's first {MAX_PREVIEW_CHARS} characters as text, escaped like the key"
    )


class MessageDeadLettered(Event):
    """A message that can never be processed, parked for operators on `<topic>.dlq` (keyed as the original)."""

    original_topic: str = Field(description="Topic the message was consumed from")
    partition: int = Field(description="Partition of the original message")
    offset: int = Field(description="Offset of the original message")
    consumer_group: str | None = Field(description="Consumer group that gave up on it")
    error_type: str = Field(description="Exception class, e.g. ValidationError")
    error: str = Field(description="Why it failed, as the consumer saw it (truncated)")
    attempts: int = Field(description="Deliveries tried before giving up")
    key: str | None = Field(description="Original key as text (invalid UTF-8 and lone surrogates escaped)")
    value: str = Field(description=f"Original value as text, escaped like the key, first {MAX_PREVIEW_CHARS} chars")
    code: str = Field(
        "unprocessable",
        description="invalid_message (never parseable), too_large, or unprocessable (failed every attempt)",
    )
    consumed: ConsumedRecord | None = Field(None, description="The original record, its bytes base64-encoded")
