"""Request/reply with the importer over Kafka for single-profile writes through the API.

The importer is the one writer of profiles, so `PUT`/`DELETE` of a profile publish an UpsertProfile or
DeleteProfile with a request id and wait for its ProfileWriteAnswered (group-less subscriber, like the
schema client).
"""

import asyncio
import uuid
from typing import Any

from aiokafka import TopicPartition
from faststream.kafka import KafkaBroker
from pydantic import ValidationError

from profilehub_shared.contracts.profiles import DeleteProfile, ProfileWriteAnswered, UpsertProfile, WriteOptions

from .errors import ApiError, not_found
from .messages import check_fits


class ProfileClient:
    def __init__(self, broker: KafkaBroker, timeout: float) -> None:
        self.broker = broker
        self.timeout = timeout
        self.pending: dict[str, asyncio.Future[ProfileWriteAnswered]] = {}
        self.subscriber = broker.subscriber(
            ProfileWriteAnswered.topic, auto_offset_reset="latest", title="ProfileWriteAnswered (gateway)"
        )
        self.subscriber(self.on_answer)

    async def on_answer(self, answer: ProfileWriteAnswered) -> None:
        future = self.pending.get(answer.request_id)
        if future is not None and not future.done():
            future.set_result(answer)

    async def ready(self, timeout: float = 30.0) -> None:
        consumer: Any = self.subscriber.consumer
        async with asyncio.timeout(timeout):
            while not consumer.assignment():
                await asyncio.sleep(0.05)
            for partition in consumer.assignment():
                await consumer.position(TopicPartition(partition.topic, partition.partition))

    async def _ask(self, command: UpsertProfile | DeleteProfile, key: str) -> ProfileWriteAnswered:
        assert command.request_id is not None
        future: asyncio.Future[ProfileWriteAnswered] = asyncio.get_running_loop().create_future()
        self.pending[command.request_id] = future
        try:
            await self.broker.publish(command, topic=command.topic, key=key.encode())
            async with asyncio.timeout(self.timeout):
                return await future
        except TimeoutError:
            raise ApiError(
                504,
                "timeout",
                f"the importer did not answer within {self.timeout:g}s "
                f"(request {command.request_id}); the write may still be applied",
            ) from None
        finally:
            self.pending.pop(command.request_id, None)

    async def upsert(self, database_id: str, record: dict[str, Any], options: WriteOptions) -> ProfileWriteAnswered:
        command = UpsertProfile(database_id=database_id, record=record, options=options, request_id=uuid.uuid4().hex)
        check_fits(command, "body.record")
        match_value = str(record.get(options.matching.removeprefix("field:"), command.request_id))
        return await self._ask(command, f"{database_id}:{match_value}")

    async def delete(self, database_id: str, profile_id: str) -> ProfileWriteAnswered:
        try:
            command = DeleteProfile(database_id=database_id, profile_id=profile_id, request_id=uuid.uuid4().hex)
        except ValidationError:  # longer than any profile id (64): no profile has it
            raise not_found("profile", profile_id) from None
        return await self._ask(command, f"{database_id}:{profile_id}")
