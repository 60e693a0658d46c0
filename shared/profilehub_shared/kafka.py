"""Kafka plumbing shared by the services: the broker, durable subscribers, topics and dead letters.

Delivery is at least once: a durable subscriber commits its offset only after the handler returned.
A failing message is delivered again; a poison message (one that can never be parsed or validated),
or one that failed `max_delivery_attempts` times, goes to `<topic>.dlq` with its error, then is committed.
Transient failures (database or broker away) are retried without limit and without committing.
See `delivery` for how batch subscribers stay total.
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import MessageSizeTooLargeError, TopicAlreadyExistsError
from faststream import AckPolicy, BaseMiddleware
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from faststream.message import StreamMessage
from opentelemetry.sdk.trace import TracerProvider
from pydantic import BaseModel, ValidationError
from pymongo.errors import DocumentTooLarge

from .contracts.base import Message, dead_letter_topic
from .contracts.dead_letter import MessageDeadLettered
from .contracts.namespace import NAMESPACE, check_namespace
from .delivery import POISON_ERRORS, PoisonMessage, consumed_record, describe, is_transient
from .keyed_batches import BATCH_BYTES
from .logs import IDS, bound
from .metrics import BusinessMetrics, kafka_metrics
from .settings import ServiceSettings

log = logging.getLogger(__name__)


class DeadLetterMiddleware(BaseMiddleware):
    """Retries a failing message; parks it on `<topic>.dlq` once it is poison or has failed too often.

    A transient failure (database or broker away) is retried for as long as it lasts, and never counts as an
    attempt: good records are not dead-lettered because the infrastructure was down. Batch subscribers apply
    their records through `delivery.apply_batch`, which parks a batch's bad records itself; what escapes them
    is transient and is only delayed here before the batch comes again.
    """

    max_attempts = 5
    # (topic, partition, offset) -> failed deliveries seen by this process
    attempts: dict[tuple[str, int, int], int] = {}  # noqa: RUF012 - per-process retry counter, by design

    async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
        record = msg.raw_message
        first = record[0] if isinstance(record, list | tuple) and record else record
        where = (first.topic, first.partition, first.offset)
        try:
            result = await call_next(msg)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            count = self.attempts.get(where, 0) + 1
            self.attempts[where] = count
            if isinstance(record, list | tuple) or is_transient(exc):
                log.warning("delivery %d of %s failed, will retry: %s", count, where, describe(exc))
                await asyncio.sleep(min(0.2 * count, 5.0))
                raise
            if not isinstance(exc, POISON_ERRORS) and count < self.max_attempts:
                log.warning("delivery %d of %s failed, will retry: %s", count, where, describe(exc))
                await asyncio.sleep(min(0.2 * count, 2.0))
                raise
            self.attempts.pop(where, None)
            await dead_letter(self.context.get("broker"), record, exc, count)
            await msg.ack()
            return None
        self.attempts.pop(where, None)
        return result


def poison_code(exc: BaseException) -> str:
    """The stable code a dead letter carries for `exc`."""
    if isinstance(exc, MessageSizeTooLargeError | DocumentTooLarge):
        return "too_large"
    if isinstance(exc, PoisonMessage | ValidationError):
        return "invalid_message"
    return "unprocessable"


async def dead_letter(broker: KafkaBroker, record: Any, exc: BaseException, attempts: int = 1) -> None:
    """Park one consumed record on `<topic>.dlq` with its error; nothing in the record can make this fail."""
    consumed = consumed_record(record)
    letter = MessageDeadLettered(
        original_topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        consumer_group=None,
        error_type=type(exc).__name__,
        error=describe(exc),
        attempts=attempts,
        key=consumed.key,
        value=consumed.value_preview,
        code=poison_code(exc),
        consumed=consumed,
    )
    log.error("message %s:%d@%d dead-lettered: %s", record.topic, record.partition, record.offset, describe(exc))
    await broker.publish(letter, topic=dead_letter_topic(record.topic), key=record.key)


def inline_schema(message: type[BaseModel]) -> dict[str, Any]:
    """`message`'s JSON schema with its definitions written in place (`JsonValue`, recursive, as any JSON)."""
    schema = message.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                return {} if name == "JsonValue" else resolve(defs[name])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


async def records_of(msg: StreamMessage[Any]) -> Any:
    """Hand a batch over as its Kafka records (topic, partition, offset, key, value): the handler parses each."""
    raw = msg.raw_message
    return list(raw) if isinstance(raw, list | tuple) else [raw]


async def strict_json(msg: StreamMessage[Any]) -> Any:
    """Decode a message value as JSON, or say plainly that it is not JSON (upstream producers send bytes)."""
    try:
        return json.loads(msg.body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PoisonMessage(f"message value is not valid UTF-8 JSON: {exc}") from exc


def make_broker(settings: ServiceSettings, service: str, tracing: TracerProvider | None = None) -> KafkaBroker:
    """A broker whose producer waits for all replicas and whose subscribers dead-letter poison messages.

    Outermost first: tracing (when on), FastStream's Prometheus metrics, the ids on log lines, Profilehub's own
    counters, dead letters. On stop, a handler in the middle of a batch has `shutdown_grace_seconds` to finish.
    """
    check_namespace(settings)
    DeadLetterMiddleware.max_attempts = settings.max_delivery_attempts
    middlewares: list[Any] = [] if tracing is None else [KafkaTelemetryMiddleware(tracer_provider=tracing)]
    middlewares += [kafka_metrics(service), LogIds, BusinessMetrics, DeadLetterMiddleware]
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=f"profilehub-{service}",
        acks="all",
        enable_idempotence=True,
        max_batch_size=BATCH_BYTES,  # batches of an import's change events (keyed_batches)
        middlewares=middlewares,
        decoder=strict_json,
        graceful_timeout=settings.shutdown_grace_seconds,
        logger=logging.getLogger("faststream.access.kafka"),
    )


async def stop_consuming(broker: KafkaBroker) -> None:
    """Stop every subscriber at once: each takes no more records and gives a handler in the middle of a batch the
    broker's grace to end it. (The broker alone stops them one after the other: one grace per busy subscriber.)"""
    await asyncio.gather(*(subscriber.stop() for subscriber in broker.subscribers), return_exceptions=True)


class LogIds(BaseMiddleware):
    """A handler's log lines carry the ids its message names (event_id, request_id, job_id, database_id)."""

    async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
        ids: dict[str, Any] = {}
        if not isinstance(msg.raw_message, list | tuple):
            with contextlib.suppress(Exception):  # not JSON: the dead-letter middleware says so
                body = await msg.decode()
                if isinstance(body, dict):
                    ids = {k: body[k] for k in IDS if isinstance(body.get(k), str | int)}
        with bound(**ids):
            return await call_next(msg)


def durable(group_id: str, **options: Any) -> dict[str, Any]:
    """Subscriber options for at-least-once delivery: commit after the handler, redeliver on error.

    `group_id` is given without this deployment's group prefix, which is added here."""
    return {
        "group_id": NAMESPACE.group(group_id),
        "ack_policy": AckPolicy.NACK_ON_ERROR,
        "auto_offset_reset": "earliest",
        **options,
    }


def topics_of(messages: Iterable[type[Message]]) -> list[NewTopic]:
    """The topics (and their dead-letter topics) that carry these message classes."""
    specs: dict[str, NewTopic] = {}
    for message in messages:
        config = {"cleanup.policy": "compact"} if message.compacted else {}
        if message.retention_ms is not None:
            config["retention.ms"] = str(message.retention_ms)
        specs[message.topic] = NewTopic(message.topic, message.partitions, 1, topic_configs=config)
        specs[dead_letter_topic(message.topic)] = NewTopic(dead_letter_topic(message.topic), 1, 1)
    return list(specs.values())


async def ensure_topics(bootstrap_servers: str, topics: Iterable[NewTopic]) -> None:
    """Create the topics that do not exist yet; existing ones are left as they are."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another service created them meanwhile
                await admin.create_topics(missing)
    finally:
        await admin.close()


class Tombstones:
    """Publishes null-valued records, which is how a compacted topic forgets a key (FastStream sends b"")."""

    def __init__(self, bootstrap_servers: str) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        # Created here, not in __init__: aiokafka binds a producer to the running event loop.
        self.producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap_servers, acks="all", enable_idempotence=True)
        await self.producer.start()

    async def stop(self) -> None:
        if self.producer is not None:
            await self.producer.stop()

    async def forget(self, topic: str, key: str) -> None:
        assert self.producer is not None, "Tombstones.start() was not awaited"
        await self.producer.send_and_wait(topic, None, key=key.encode())
