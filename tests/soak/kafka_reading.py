"""Reading what the broker holds: whole topics from the beginning, end offsets, consumer groups' committed offsets."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Iterable
from typing import TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from tests.bench.harness import stop_groupless

T = TypeVar("T")
Offsets = dict[tuple[str, int], int]  # (topic, partition) -> offset


class Reader:
    """An admin client and a group-less consumer on one broker."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap

    async def topics(self) -> set[str]:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=10_000)
        await admin.start()
        try:
            return set(await admin.list_topics())
        finally:
            await admin.close()

    async def partitions(self, consumer: AIOKafkaConsumer, topics: Iterable[str]) -> list[TopicPartition]:
        out = []
        for topic in topics:
            parts = consumer.partitions_for_topic(topic)
            while parts is None:
                await consumer._client.force_metadata_update()  # a topic created a moment ago
                parts = consumer.partitions_for_topic(topic)
            out += [TopicPartition(topic, p) for p in sorted(parts)]
        return out

    async def end_offsets(self, topics: Iterable[str]) -> Offsets:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, request_timeout_ms=10_000)
        await consumer.start()
        try:
            parts = await self.partitions(consumer, topics)
            ends = await consumer.end_offsets(parts)
            return {(tp.topic, tp.partition): offset for tp, offset in ends.items()}
        finally:
            await stop_groupless(consumer)

    async def committed(self, group: str, topics: Iterable[str]) -> Offsets:
        """The group's committed offset of each partition of `topics` (0 where it has committed nothing)."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=10_000)
        await admin.start()
        try:
            offsets = await admin.list_consumer_group_offsets(group)
        finally:
            await admin.close()
        wanted = set(topics)
        return {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items() if tp.topic in wanted}

    async def read_all(self, topics: Iterable[str]) -> list[ConsumerRecord]:
        """Every record of `topics`, from the beginning to the end offsets of the moment."""
        topics = list(topics)
        ends = await self.end_offsets(topics)
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            enable_auto_commit=False,
            max_partition_fetch_bytes=8 * 1024 * 1024,
            fetch_max_bytes=64 * 1024 * 1024,
        )
        await consumer.start()
        records: list[ConsumerRecord] = []
        try:
            parts = [TopicPartition(t, p) for (t, p), end in ends.items() if end > 0]
            if not parts:
                return records
            consumer.assign(parts)
            await consumer.seek_to_beginning(*parts)
            left = {tp: ends[(tp.topic, tp.partition)] for tp in parts}
            while left:
                batch = await consumer.getmany(timeout_ms=1000, max_records=10_000)
                for tp, got in batch.items():
                    records += [r for r in got if r.offset < left.get(tp, 0)]
                for tp in list(left):
                    if await consumer.position(tp) >= left[tp]:
                        consumer.pause(tp)
                        del left[tp]
        finally:
            await stop_groupless(consumer)
        return records


async def quietly(work: Awaitable[T]) -> T | None:
    """The result, or None when the broker is away (a snapshot taken while it restarts is skipped)."""
    with contextlib.suppress(Exception):
        return await asyncio.wait_for(work, 20)
    logging.getLogger("soak").warning("offset snapshot skipped (broker away)")
    return None
