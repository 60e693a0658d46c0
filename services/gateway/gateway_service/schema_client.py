"""Request/reply with the schema service over Kafka: publish `ChangeSchema`, await `SchemaChangeAnswered`.

Every gateway replica reads every answer (a subscriber without a consumer group, from the latest offset) and
resolves the future of the request it sent; answers to other replicas' requests are ignored.
"""

import asyncio
import logging
import uuid
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import MessageSizeTooLargeError
from faststream.kafka import KafkaBroker

from profilehub_shared.contracts.schema import ChangeSchema, SchemaChangeAnswered, SchemaOperation

from .errors import ApiError
from .messages import check_fits

log = logging.getLogger(__name__)


def key_of(command: ChangeSchema) -> bytes:
    """Changes of one database share its key, so they stay in order; others are keyed by the request."""
    database_id = getattr(command.operation, "database_id", None)
    return (database_id or str(command.request_id)).encode()


class SchemaClient:
    """Sends schema changes and waits for their answers."""

    def __init__(self, broker: KafkaBroker, timeout: float) -> None:
        self.broker = broker
        self.timeout = timeout
        self.pending: dict[uuid.UUID, asyncio.Future[SchemaChangeAnswered]] = {}
        self.subscriber = broker.subscriber(
            SchemaChangeAnswered.topic, auto_offset_reset="latest", title="SchemaChangeAnswered (gateway)"
        )
        self.subscriber(self.on_answer)

    async def on_answer(self, answer: SchemaChangeAnswered) -> None:
        future = self.pending.get(answer.request_id)
        if future is not None and not future.done():
            future.set_result(answer)

    async def ready(self, timeout: float = 30.0) -> None:
        """Wait until the answer consumer holds a position on every partition.

        "latest" is resolved lazily; without this, an answer sent right after start-up could land before the
        position and be skipped.
        """
        consumer: Any = self.subscriber.consumer
        async with asyncio.timeout(timeout):
            while not consumer.assignment():
                await asyncio.sleep(0.05)
            for partition in consumer.assignment():
                await consumer.position(TopicPartition(partition.topic, partition.partition))

    async def change(self, operation: SchemaOperation) -> SchemaChangeAnswered:
        """Ask for a change and return the answer (which may carry a SchemaError); HTTP 504 on timeout."""
        command = ChangeSchema(operation=operation)
        check_fits(command, "body")
        future: asyncio.Future[SchemaChangeAnswered] = asyncio.get_running_loop().create_future()
        self.pending[command.request_id] = future
        try:
            try:
                await self.broker.publish(command, topic=ChangeSchema.topic, key=key_of(command))
            except MessageSizeTooLargeError as exc:
                raise ApiError(413, "too_large", "the change is too large to send; split it into smaller ones") from exc
            async with asyncio.timeout(self.timeout):
                return await future
        except TimeoutError:
            log.warning("no answer to schema request %s (%s) in %ss", command.request_id, operation.op, self.timeout)
            raise ApiError(
                504,
                "timeout",
                f"the schema service did not answer within {self.timeout:g}s (request {command.request_id}); "
                "the change may still be applied: check the object before retrying",
            ) from None
        finally:
            self.pending.pop(command.request_id, None)

    async def apply(self, operation: SchemaOperation) -> SchemaChangeAnswered:
        """`change`, raising the schema service's refusal as an ApiError."""
        answer = await self.change(operation)
        if answer.error is not None:
            raise ApiError.from_schema(answer.error)
        return answer
