"""Running a Kafka service in-process against the real infrastructure, for integration tests."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from faststream import FastStream
from faststream.kafka import KafkaBroker

from profilehub_shared.contracts.schema import ChangeSchema, SchemaChangeAnswered
from profilehub_shared.contracts.schema_state import DatabaseSettings


@asynccontextmanager
async def running(app: FastStream) -> AsyncIterator[FastStream]:
    """Start the app (hooks, topics, Mongo, broker, heartbeat) and stop it cleanly afterwards."""
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


def database_settings(name: str) -> DatabaseSettings:
    return DatabaseSettings.model_validate(
        {
            "name": name,
            "subscription_manager": {"title": "Newsletter", "language": "en"},
            "email_settings": {"from_name": "Shop", "from_email": "news@shop.example"},
        }
    )


class Caller:
    """Sends ChangeSchema and waits for the answer with the same request id, as the gateway does."""

    def __init__(self, broker: KafkaBroker) -> None:
        self.broker = broker
        self.answers: dict[uuid.UUID, SchemaChangeAnswered] = {}

        @broker.subscriber(SchemaChangeAnswered.topic, auto_offset_reset="latest")
        async def on_answer(answer: SchemaChangeAnswered) -> None:
            self.answers[answer.request_id] = answer

    async def ask(self, operation: Any, request_id: uuid.UUID | None = None) -> SchemaChangeAnswered:
        command = ChangeSchema(operation=operation, request_id=request_id or uuid.uuid4())
        await self.broker.publish(command, topic=ChangeSchema.topic)
        async with asyncio.timeout(30):
            while command.request_id not in self.answers:
                await asyncio.sleep(0.05)
        return self.answers.pop(command.request_id)
