"""Publishing many JSON messages under their keys as a few batches, as an import publishes its change events.

One `broker.publish` per message runs the whole middleware chain (metrics, ids, tracing) and builds a command
for each: two thirds of the cost of publishing an import's events. Here the messages are grouped by the partition
their key picks (the producer's own partitioner: the partition a single publish would have chosen, so a profile's
events stay in order in one partition) and sent with `publish_batch`, which runs the chain once per batch and
counts every message in the metrics.
"""

import asyncio
import struct
from collections import defaultdict
from collections.abc import Iterator, Sequence

from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker, KafkaResponse

JSON_HEADERS = {"content-type": "application/json"}
BATCH_BYTES = 512 * 1024  # the producer's largest batch (make_broker): far under the broker's 1 MB per request
PER_MESSAGE_BYTES = 128  # a record's own overhead in a batch (headers, key, lengths), generously


async def publish_keyed(broker: KafkaBroker, topic: str, messages: Sequence[tuple[str, str]]) -> None:
    """Publish (key, JSON) messages to `topic`; every one is acknowledged before this returns.

    Messages of one key keep their order (one partition, batches queued in order)."""
    partitions = await partitions_of(broker, topic)
    if partitions is None:  # a producer we cannot ask: one publish per message, as correct and slower
        sends = (
            broker.publish(body.encode(), topic=topic, key=k.encode(), headers=JSON_HEADERS) for k, body in messages
        )
        await asyncio.gather(*sends)
        return
    by_partition: dict[int, list[KafkaResponse]] = defaultdict(list)
    for key, body in messages:
        k = key.encode()
        by_partition[partition_of(k, partitions)].append(KafkaResponse(body.encode(), key=k))
    sent = []
    for partition, items in by_partition.items():
        for batch in within(items, BATCH_BYTES // 2):
            if len(batch) == 1:  # one message, maybe too large for a batch buffer: as a single publish does it
                one = batch[0]
                queued = await broker.publish(
                    one.body, topic=topic, key=one.key, partition=partition, headers=JSON_HEADERS, no_confirm=True
                )
            else:
                queued = await broker.publish_batch(
                    *batch, topic=topic, partition=partition, headers=JSON_HEADERS, no_confirm=True
                )
            sent.append(queued)  # queued in order; acknowledged below
    await asyncio.gather(*sent)


def partition_of(key: bytes, partitions: list[int]) -> int:
    """The partition the producer's default partitioner picks for `key` (Kafka's murmur2, as the Java client)."""
    return partitions[(murmur2(key) & 0x7FFFFFFF) % len(partitions)]


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 hash of `data`: aiokafka's, a word at a time (half its cost, one call an event)."""
    m = 0x5BD1E995
    h = (0x9747B28C ^ len(data)) & 0xFFFFFFFF
    words = len(data) // 4
    for k in struct.unpack_from(f"<{words}I", data):
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> 24
        k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    tail = data[words * 4 :]
    if len(tail) >= 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if tail:
        h = ((h ^ tail[0]) * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    return h ^ (h >> 15)


async def partitions_of(broker: KafkaBroker, topic: str) -> list[int] | None:
    """The topic's partitions as the broker's producer knows them, or None when it is not aiokafka's producer
    where FastStream 0.7 keeps it (checked by a test, so an upgrade that moves it is seen)."""
    producer = getattr(getattr(broker.config.producer, "_producer", None), "producer", None)
    if not isinstance(producer, AIOKafkaProducer):
        return None
    return sorted(await producer.partitions_for(topic))


def within(items: list[KafkaResponse], limit: int) -> Iterator[list[KafkaResponse]]:
    """Consecutive runs of messages whose bodies and keys stay within `limit` bytes (at least one message each)."""
    run: list[KafkaResponse] = []
    size = 0
    for item in items:
        grows = len(item.body) + len(item.key or b"") + PER_MESSAGE_BYTES
        if run and size + grows > limit:
            yield run
            run, size = [], 0
        run.append(item)
        size += grows
    if run:
        yield run
