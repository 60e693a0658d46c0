"""Change events published in batches on the real broker: each key's messages in the partition a single publish
picks, in order, each once, counted in the metrics; a message too large for a batch still goes out."""

import uuid

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import NewTopic

from profilehub_shared.kafka import ensure_topics, make_broker
from profilehub_shared.keyed_batches import BATCH_BYTES, partitions_of, publish_keyed
from profilehub_shared.metrics import KAFKA_PREFIX, REGISTRY
from profilehub_shared.settings import ServiceSettings

KEYS, PER_KEY = 200, 15


def published(topic: str) -> float:
    labels = {"app_name": "test-keyed", "broker": "kafka", "destination": topic, "status": "success"}
    return REGISTRY.get_sample_value(f"{KAFKA_PREFIX}_published_messages_total", labels) or 0.0


async def test_batches_keep_each_key_in_its_partition_and_in_order(settings: ServiceSettings) -> None:
    topic = f"test.keyed-{uuid.uuid4().hex[:12]}.v1"
    await ensure_topics(settings.kafka_bootstrap_servers, [NewTopic(topic, 3, 1)])
    broker = make_broker(settings, "test-keyed")
    async with broker:
        await broker.start()
        assert await partitions_of(broker, topic) == [0, 1, 2]  # the batched path, not the fallback
        messages = [(f"k{k}", f'{{"k": {k}, "n": {n}}}') for n in range(PER_KEY) for k in range(KEYS)]
        big = "x" * (BATCH_BYTES // 2 + 1000)  # alone: larger than half a batch
        messages.insert(KEYS * 5, ("k7", f'{{"k": 7, "n": 4.5, "big": "{big}"}}'))
        await publish_keyed(broker, topic, messages)
        # The partition a single publish of each key picks, for comparison.
        single = {
            f"k{k}": (await broker.publish(b"{}", topic=topic, key=f"k{k}".encode())).partition for k in range(KEYS)
        }
    assert published(topic) == len(messages) + KEYS

    consumer = AIOKafkaConsumer(topic, bootstrap_servers=settings.kafka_bootstrap_servers, auto_offset_reset="earliest")
    await consumer.start()
    seen: dict[str, list[tuple[int, float]]] = {}
    try:
        while sum(len(v) for v in seen.values()) < len(messages) + KEYS:
            for tp, records in (await consumer.getmany(timeout_ms=5000)).items():
                for r in records:
                    assert r.key is not None and r.value is not None
                    n = -1.0 if r.value == b"{}" else float(r.value.split(b'"n": ')[1].split(b",")[0].rstrip(b"}"))
                    seen.setdefault(r.key.decode(), []).append((tp.partition, n))
    finally:
        await consumer.stop()
    assert sorted(seen) == sorted(single)
    for key, got in seen.items():
        assert {p for p, _ in got} == {single[key]}, key  # one partition: the one a single publish picks
        numbers = [n for _, n in got if n >= 0]
        assert numbers == sorted(numbers) and len(numbers) == PER_KEY + (key == "k7"), key  # in order, each once
