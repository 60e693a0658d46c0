"""The soak's checks. The offset-vs-storage check finds what was once seen with a profiler attached: the history
group's committed offsets at the end of every partition while the events of one partition (200,100 of 300,000 stored)
are missing. Poison records are found on their rejection topics by the Kafka key they were consumed with."""

import json
import uuid

from aiokafka import ConsumerRecord

from profilehub_shared.contracts.interactions import InteractionRecorded
from tests.soak.verify import Storage, committed_past_missing, effect_check, rejected_keys

TOPIC = InteractionRecorded.topic
PER_PARTITION = 100


def record(partition: int, offset: int, value: dict[str, object], key: bytes = b"p1") -> ConsumerRecord:
    return ConsumerRecord(TOPIC, partition, offset, 0, 0, key, json.dumps(value).encode(), None, 2, 100, ())


def events() -> list[ConsumerRecord]:
    return [
        record(p, o, {"event_id": str(uuid.uuid4()), "profile_id": f"p{p}", "database_id": "d"})
        for p in range(3)
        for o in range(PER_PARTITION)
    ]


def stored(records: list[ConsumerRecord], partitions: set[int]) -> Storage:
    history = [
        {"_id": json.loads(r.value)["event_id"], "type": "open", "profile_id": "p"}
        for r in records
        if r.partition in partitions
    ]
    return Storage(profiles=[], history=history)


def at_the_end() -> dict[tuple[str, int], int]:
    return {(TOPIC, p): PER_PARTITION for p in range(3)}


def test_a_partition_committed_to_its_end_but_not_stored_is_found() -> None:
    records = events()
    check = effect_check("history-interactions", stored(records, {0, 1}), rejected={})
    ahead = committed_past_missing(records, at_the_end(), check)
    assert len(ahead) == PER_PARTITION
    assert all(a.startswith(f"{TOPIC}[2]@") for a in ahead)


def test_records_not_committed_yet_may_be_missing() -> None:
    records = events()
    check = effect_check("history-interactions", stored(records, {0, 1}), rejected={})
    assert committed_past_missing(records, {**at_the_end(), (TOPIC, 2): 0}, check) == []


def test_one_record_committed_past_is_found() -> None:
    records = events()
    storage = stored(records, {0, 1, 2})
    del storage.history_ids[json.loads(records[PER_PARTITION + 41].value)["event_id"]]
    ahead = committed_past_missing(records, at_the_end(), effect_check("history-interactions", storage, rejected={}))
    assert ahead == [f"{TOPIC}[1]@41"]


def test_a_poison_record_counts_as_written_only_once_it_is_rejected() -> None:
    poison = record(0, 0, {"occurred_at": "0001-01-01T00:00:00+01:00"}, key=b"poison-7")
    storage = stored([], set())
    committed = {(TOPIC, 0): 1}
    assert committed_past_missing([poison], committed, effect_check("history-interactions", storage, {}))
    rejected = {"poison-7": {"interactions.rejected.v1"}}
    assert not committed_past_missing([poison], committed, effect_check("history-interactions", storage, rejected))


def rejection(topic: str, value: dict[str, object]) -> ConsumerRecord:
    return ConsumerRecord(topic, 0, 0, 0, 0, b"k", json.dumps(value).encode(), None, 1, 100, ())


def test_poison_records_are_found_by_the_key_they_were_consumed_with() -> None:
    records = [
        rejection(
            "profiles.upsert-rejected.v1", {"consumed": {"topic": "profiles.upsert-requested.v1", "key": "poison-1"}}
        ),
        rejection("interactions.rejected.v1", {"consumed": {"key": "poison-2"}, "code": "invalid"}),
        rejection("interactions.recorded.v1.dlq", {"consumed": {"key": "poison-2"}}),
        rejection("schema.change-requested.v1.dlq", {"key": "poison-3", "value": ""}),  # a dead letter of today
        rejection("profiles.upsert-rejected.v1", {"errors": [], "record": {}}),  # no key to find it by
    ]
    assert rejected_keys(records) == {
        "poison-1": {"profiles.upsert-rejected.v1"},
        "poison-2": {"interactions.rejected.v1", "interactions.recorded.v1.dlq"},
        "poison-3": {"schema.change-requested.v1.dlq"},
    }
