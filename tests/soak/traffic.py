"""What the soak publishes: upserts (each email created, then updated), interactions of profiles that exist, and ~1 %
poison records, each keyed `poison-<n>` so that its rejection can be found by its Kafka key."""

import asyncio
import json
import logging
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from profilehub_shared.contracts.interactions import InteractionRecorded
from profilehub_shared.contracts.profiles import UpsertProfile

log = logging.getLogger("soak")

Record = tuple[bytes, bytes]  # (key, value)
TYPES = ("send", "deliv", "open", "click")


def email(i: int) -> str:
    return f"soak{i}@soak.example"


def first_name(i: int, version: int) -> str:
    return f"Name{i}-v{version}"


def upsert(db_id: str, i: int, version: int) -> Record:
    """Version 1 creates the profile of email i, version 2 updates it (`seq` is the version)."""
    command = UpsertProfile(
        database_id=db_id, record={"email": email(i), "first_name": first_name(i, version), "seq": version}
    )
    return f"{db_id}:{email(i)}".encode(), command.model_dump_json().encode()


def interaction(db_id: str, profile_id: str, n: int) -> tuple[str, Record]:
    event = InteractionRecorded(
        database_id=db_id,
        profile_id=profile_id,
        type=TYPES[n % len(TYPES)],
        occurred_at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(seconds=n),
        message_id=f"soak-{n}",
    )
    return str(event.event_id), (profile_id.encode(), event.model_dump_json().encode())


def poison_upsert(db_id: str, n: int) -> Record:
    """The poison classes of the upsert topic, in turn: a lone surrogate, a value nested 1,000 deep, not JSON."""
    key = f"poison-{n}".encode()
    kind = n % 3
    if kind == 0:  # the JSON escape of a lone surrogate, written as raw bytes (no encoder would produce it)
        record = f'{{"email": "poison-{n}@soak.example", "first_name": "\\ud800"}}'
    elif kind == 1:
        deep = '{"a": ' * 1000 + "1" + "}" * 1000
        record = f'{{"email": "poison-{n}@soak.example", "address": {deep}}}'
    else:
        return key, b"\xff\xfe not JSON \xc3\x28"
    return key, f'{{"database_id": "{db_id}", "record": {record}}}'.encode()


def poison_interaction(db_id: str, profile_id: str, n: int) -> Record:
    """The poison classes of the interactions topic: year 1 in UTC+1, a NUL in database_id or profile_id, not UTF-8."""
    key = f"poison-{n}".encode()
    event = {
        "event_id": str(uuid.uuid4()),
        "occurred_at": "2026-11-01T00:00:00Z",
        "database_id": db_id,
        "profile_id": profile_id,
        "type": "open",
    }
    kind = n % 4
    if kind == 0:
        event["occurred_at"] = "0001-01-01T00:00:00+01:00"
    elif kind == 1:
        event["database_id"] = db_id + "\x00"
    elif kind == 2:
        event["profile_id"] = profile_id + "\x00x"
    else:
        return key, b'{"event_id": "\xff\xfe", "type": "open"}'
    return key, json.dumps(event).encode()


@dataclass
class Sent:
    """What the broker acknowledged, by stream."""

    upserts: int = 0
    interactions: int = 0
    poison_keys: dict[str, str] = field(default_factory=dict)  # poison key -> the topic it was published on
    interaction_ids: set[str] = field(default_factory=set)
    resends: int = 0


class Publisher:
    """An upstream producer (acks=all, idempotent) that sends until every record is acknowledged: a record whose send
    failed (the broker was away) is sent again, so every record the soak counts was acknowledged."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.producer: AIOKafkaProducer | None = None
        self.sent = Sent()

    async def __aenter__(self) -> "Publisher":
        self.producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap,
            acks="all",
            enable_idempotence=True,
            linger_ms=20,
            max_batch_size=256 * 1024,
            request_timeout_ms=15_000,
        )
        await self.producer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.producer is not None
        await self.producer.stop()

    async def send(self, topic: str, records: list[Record]) -> None:
        """Every record acknowledged on return; records of one key keep their order (one chunk holds a key once)."""
        assert self.producer is not None
        pending = records
        while pending:
            futures: list[asyncio.Future[object] | BaseException] = []
            for key, value in pending:
                try:
                    futures.append(await self.producer.send(topic, value, key=key))
                except KafkaError as exc:
                    futures.append(exc)
            results = await asyncio.gather(
                *(f for f in futures if not isinstance(f, BaseException)), return_exceptions=True
            )
            outcomes = iter(results)
            failed = [
                r
                for r, f in zip(pending, futures, strict=True)
                if isinstance(f, BaseException) or isinstance(next(outcomes), BaseException)
            ]
            if failed:
                self.sent.resends += len(failed)
                log.warning(
                    "%d of %d records to %s not acknowledged; sending them again", len(failed), len(pending), topic
                )
                await asyncio.sleep(1)
            pending = failed


def chunks(records: list[Record], size: int) -> Iterator[list[Record]]:
    for start in range(0, len(records), size):
        yield records[start : start + size]


async def paced(publisher: Publisher, topic: str, records: list[Record], seconds: float, size: int = 1000) -> None:
    """Send `records` in chunks spread over `seconds` (0: as fast as the broker takes them)."""
    parts = list(chunks(records, size))
    start = time.monotonic()
    for n, part in enumerate(parts, 1):
        await publisher.send(topic, part)
        if seconds:
            await asyncio.sleep(max(0.0, start + seconds * n / len(parts) - time.monotonic()))


def mixed(good: list[Record], poison: list[Record], rng: random.Random) -> list[Record]:
    """`poison` scattered through `good`, the good records keeping their order."""
    out = list(good)
    for record in poison:
        out.insert(rng.randrange(len(out) + 1), record)
    return out
