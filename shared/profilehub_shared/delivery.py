"""Totality of consumers: every consumed record is applied, or parked with a reason; none blocks the others.

A failure is either *transient* (the database or the broker is away or slow): then nothing is committed and the
batch comes again, however long that takes; or it may be the record's own: then the batch is applied record by
record, and a record that fails every one of its attempts alone is parked (on its public rejection topic or on
`<topic>.dlq`) while the records around it are applied. Parking cannot fail on a record's content: its bytes ride
base64-encoded and bounded, its text escaped and truncated.
"""

import asyncio
import base64
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiokafka.errors import KafkaError, MessageSizeTooLargeError
from bson.errors import BSONError
from pydantic import ValidationError
from pydantic_core import PydanticSerializationError
from pymongo.errors import ConnectionFailure, DocumentTooLarge, OperationFailure, PyMongoError, WTimeoutError

from .contracts.dead_letter import MAX_CARRIED_BYTES, MAX_PREVIEW_CHARS, ConsumedRecord

log = logging.getLogger(__name__)

# Server error codes that say "not now" rather than "never": shutdown, elections, timeouts, host trouble.
TRANSIENT_CODES = frozenset({6, 7, 50, 89, 91, 189, 202, 262, 9001, 10107, 11600, 11602, 13435, 13436})


class PoisonMessage(Exception):
    """Raised by a handler for a message that no retry can ever make valid."""


# Failures that the same record causes every time: parked at once, not retried.
POISON_ERRORS: tuple[type[BaseException], ...] = (
    PoisonMessage,
    ValidationError,
    ValueError,  # json.JSONDecodeError and UnicodeDecodeError among them
    RecursionError,
    OverflowError,
    BSONError,
    DocumentTooLarge,
    PydanticSerializationError,
    MessageSizeTooLargeError,
)

Apply = Callable[[Sequence[Any]], Awaitable[None]]
Park = Callable[[Any, BaseException, int], Awaitable[None]]


def is_transient(exc: BaseException) -> bool:
    """True when retrying later can succeed without the record changing: infrastructure away, timeouts."""
    if isinstance(exc, ConnectionFailure | WTimeoutError | TimeoutError | ConnectionError):
        return True
    if isinstance(exc, OperationFailure):
        return exc.code in TRANSIENT_CODES or exc.has_error_label("RetryableWriteError")
    if isinstance(exc, PyMongoError):
        return exc.timeout
    if isinstance(exc, KafkaError):
        return bool(getattr(exc, "retriable", False))
    return False


def safe_text(raw: bytes | str | None, limit: int = MAX_PREVIEW_CHARS) -> str | None:
    """Text that any JSON encoder takes: invalid UTF-8 and lone surrogates escaped, at most `limit` characters."""
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw[: limit * 4].decode("utf-8", errors="backslashreplace")
    text = raw[:limit].encode("utf-8", errors="backslashreplace").decode("utf-8")
    return text if len(raw) <= limit else text + "…"


def consumed_record(record: Any) -> ConsumedRecord:
    """How a rejection or a dead letter carries the record it is about."""
    value: bytes = record.value or b""
    key: bytes | None = record.key
    return ConsumedRecord(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=safe_text(key, 1000),
        value_base64=base64.b64encode(value[:MAX_CARRIED_BYTES]).decode("ascii"),
        value_bytes=len(value),
        value_preview=safe_text(value) or "",
    )


def describe(exc: BaseException) -> str:
    """`Type: message`, safe for any encoder and short enough for any message."""
    return safe_text(f"{type(exc).__name__}: {exc}", 4000) or ""


async def apply_batch(records: Sequence[Any], apply: Apply, park: Park, attempts: int) -> None:
    """Apply `records` (idempotently); on a failure that is not transient, apply its halves in turn, in order."""
    try:
        await apply(records)
        return
    except Exception as exc:
        if is_transient(exc):
            raise
        log.warning("a batch of %d record(s) failed (%s); applying its halves in turn", len(records), describe(exc))
    await apply_halves(records, apply, park, attempts)


async def apply_halves(records: Sequence[Any], apply: Apply, park: Park, attempts: int) -> None:
    """The halves of a failed batch, the first then the second: a half that fails is halved again, and a record
    that fails alone is tried again and parked (`apply_alone`). The records that can be applied are, in their
    order, in about 2·log2(n) writes a bad record rather than one write a record (5,000 upserts a batch)."""
    middle = len(records) // 2
    for half in (records[:middle], records[middle:]):
        if len(half) == 1:
            await apply_alone(half[0], apply, park, attempts)
        elif half:
            try:
                await apply(half)
            except Exception as exc:
                if is_transient(exc):
                    raise
                await apply_halves(half, apply, park, attempts)


async def apply_alone(record: Any, apply: Apply, park: Park, attempts: int) -> None:
    """Apply one record, up to `attempts` times; if it never succeeds, park it. Transient failures propagate."""
    for attempt in range(1, attempts + 1):
        try:
            await apply([record])
            return
        except Exception as exc:
            if is_transient(exc):
                raise
            if attempt == attempts or isinstance(exc, POISON_ERRORS):
                log.error(
                    "record %s:%d@%d failed %d time(s), parked: %s",
                    record.topic,
                    record.partition,
                    record.offset,
                    attempt,
                    describe(exc),
                )
                await park(record, exc, attempt)
                return
            await asyncio.sleep(min(0.1 * 2**attempt, 2.0))
