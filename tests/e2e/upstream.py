"""Upstream systems as tests play them: raw records on any partition, and what came back on a topic."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from profilehub_shared.settings import ServiceSettings


class Upstream:
    """Publishes raw bytes, as a careless or hostile upstream system would."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer

    async def everywhere(self, topic: str, key: str, value: bytes | None) -> None:
        """The same record on every partition of `topic`."""
        for partition in await self.producer.partitions_for(topic):
            await self.producer.send_and_wait(topic, value, key=key.encode(), partition=partition)

    async def send(self, topic: str, key: str, value: bytes) -> None:
        await self.producer.send_and_wait(topic, value, key=key.encode())


async def parked(settings: ServiceSettings, topic: str, key: str, count: int = 1, timeout: float = 60) -> list[Any]:
    """The rejections or dead letters on `topic` about records that had `key` (read from the start)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=settings.kafka_bootstrap_servers, auto_offset_reset="earliest", group_id=None
    )
    found: list[dict[str, Any]] = []
    await consumer.start()
    try:
        async with asyncio.timeout(timeout):
            while len(found) < count:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for r in records:
                        body = json.loads(r.value)
                        if (body.get("consumed") or {}).get("key") == key:
                            found.append(body)
    finally:
        await consumer.stop()
    return found


async def until(check: Callable[[], Awaitable[Any]], timeout: float = 30) -> Any:
    async with asyncio.timeout(timeout):
        while not (value := await check()):
            await asyncio.sleep(0.2)
    return value
