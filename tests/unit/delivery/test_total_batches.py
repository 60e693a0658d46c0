"""Batch consumers are total: a record that never succeeds is parked, the others are applied, in order;
transient failures (the database or broker away) propagate so that nothing is committed."""

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError
from hypothesis import given
from hypothesis import strategies as st
from pymongo.errors import AutoReconnect, OperationFailure, ServerSelectionTimeoutError

from profilehub_shared.contracts.dead_letter import MAX_CARRIED_BYTES, ConsumedRecord, MessageDeadLettered
from profilehub_shared.delivery import apply_batch, consumed_record, is_transient, safe_text


@dataclass
class Record:
    value: bytes | None
    key: bytes | None = b"k"
    topic: str = "t.v1"
    partition: int = 0
    offset: int = 0


class Target:
    """Applies records; fails on the bad ones (every time, or the first `flaky` times) like a handler would."""

    def __init__(self, bad: set[bytes] = frozenset(), flaky: int = 0, error: Exception | None = None) -> None:
        self.bad, self.flaky, self.error = bad, flaky, error
        self.applied: list[bytes] = []
        self.parked: list[tuple[bytes, str, int]] = []
        self.calls = 0

    async def apply(self, batch: Sequence[Record]) -> None:
        self.calls += 1
        if self.error is not None:
            raise self.error
        if any(r.value in self.bad for r in batch):
            raise RuntimeError("this record breaks the handler")
        if self.flaky and len(batch) == 1:
            self.flaky -= 1
            raise RuntimeError("failed once")
        self.applied += [r.value or b"" for r in batch]

    async def park(self, record: Record, exc: BaseException, attempts: int) -> None:
        self.parked.append((record.value or b"", type(exc).__name__, attempts))


def batch(*values: bytes) -> list[Record]:
    return [Record(v, offset=i) for i, v in enumerate(values)]


async def test_a_good_batch_is_applied_whole() -> None:
    t = Target()
    await apply_batch(batch(b"a", b"b"), t.apply, t.park, attempts=3)
    assert (t.applied, t.parked, t.calls) == ([b"a", b"b"], [], 1)


async def test_a_bad_record_is_parked_after_its_attempts_and_the_others_are_applied_in_order() -> None:
    t = Target(bad={b"x"})
    await apply_batch(batch(b"a", b"x", b"b", b"c"), t.apply, t.park, attempts=3)
    assert t.applied == [b"a", b"b", b"c"]
    assert t.parked == [(b"x", "RuntimeError", 3)]


async def test_a_large_batch_with_bad_records_finds_them_by_halves_and_applies_the_rest_in_order() -> None:
    values = [f"r{i}".encode() for i in range(1024)]
    t = Target(bad={b"r100", b"r900"})
    await apply_batch(batch(*values), t.apply, t.park, attempts=3)
    assert t.applied == [v for v in values if v not in t.bad]
    assert t.parked == [(b"r100", "RuntimeError", 3), (b"r900", "RuntimeError", 3)]
    assert t.calls <= 1 + 2 * 2 * 10 + 2 * 3  # the batch, two halves a level for each bad record, their attempts


async def test_a_record_that_fails_once_alone_is_applied_on_its_next_attempt() -> None:
    t = Target(flaky=1)

    async def whole_batch_fails(records: Sequence[Record]) -> None:
        if len(records) > 1:
            raise RuntimeError("the batch failed")
        await t.apply(records)

    await apply_batch(batch(b"a", b"b"), whole_batch_fails, t.park, attempts=3)
    assert (t.applied, t.parked) == ([b"a", b"b"], [])


@pytest.mark.parametrize(
    "poison",
    [ValueError("bad"), RecursionError(), OverflowError("date value out of range"), MessageSizeTooLargeError()],
)
async def test_a_record_that_fails_the_same_way_every_time_is_parked_at_its_first_attempt(poison: Exception) -> None:
    calls: list[int] = []

    async def apply(records: Sequence[Record]) -> None:
        calls.append(len(records))
        raise poison

    parked: list[int] = []

    async def park(record: Record, exc: BaseException, attempts: int) -> None:
        parked.append(attempts)

    await apply_batch(batch(b"a"), apply, park, attempts=5)
    assert calls == [1, 1] and parked == [1]


@pytest.mark.parametrize(
    "transient",
    [
        AutoReconnect("connection closed"),
        ServerSelectionTimeoutError("no server"),
        KafkaConnectionError("broker away"),
        OperationFailure("not primary", code=10107),
        TimeoutError(),
    ],
)
async def test_a_transient_failure_propagates_and_parks_nothing(transient: Exception) -> None:
    t = Target(error=transient)
    with pytest.raises(type(transient)):
        await apply_batch(batch(b"a", b"b"), t.apply, t.park, attempts=3)
    assert t.parked == [] and t.calls == 1
    assert is_transient(transient)


async def test_a_transient_failure_while_isolating_propagates_too() -> None:
    seen: list[int] = []

    async def apply(records: Sequence[Record]) -> None:
        seen.append(len(records))
        if len(records) > 1:
            raise RuntimeError("the batch failed")
        raise AutoReconnect("the database went away meanwhile")

    parked: list[Any] = []

    async def park(record: Record, exc: BaseException, attempts: int) -> None:
        parked.append(record)

    with pytest.raises(AutoReconnect):
        await apply_batch(batch(b"a", b"b"), apply, park, attempts=3)
    assert parked == [] and seen == [2, 1]


@pytest.mark.parametrize("error", [RuntimeError("bug"), KeyError("x"), OperationFailure("bad value", code=2)])
def test_record_faults_are_not_transient(error: Exception) -> None:
    assert not is_transient(error)


@given(value=st.binary(max_size=3000) | st.none(), key=st.binary(max_size=2000) | st.none())
def test_any_record_can_be_carried_in_a_dead_letter(value: bytes | None, key: bytes | None) -> None:
    consumed = consumed_record(Record(value, key=key))
    letter = MessageDeadLettered(
        original_topic="t.v1",
        partition=0,
        offset=0,
        consumer_group=None,
        error_type="E",
        error="e",
        attempts=1,
        key=consumed.key,
        value=consumed.value_preview,
        consumed=consumed,
    )
    body = json.loads(letter.model_dump_json())
    assert base64.b64decode(body["consumed"]["value_base64"]) == (value or b"")
    assert body["consumed"]["value_bytes"] == len(value or b"")


def test_a_huge_record_is_carried_bounded() -> None:
    consumed = consumed_record(Record(b"\xff" * (3 * MAX_CARRIED_BYTES)))
    assert len(base64.b64decode(consumed.value_base64)) == MAX_CARRIED_BYTES
    assert consumed.value_bytes == 3 * MAX_CARRIED_BYTES
    assert len(ConsumedRecord.model_validate(consumed).model_dump_json()) < 400_000


@given(st.text(alphabet=st.characters(codec=None, blacklist_categories=()), max_size=300))
def test_safe_text_takes_lone_surrogates_and_keeps_the_rest(text: str) -> None:
    shown = safe_text(text, 100) or ""
    shown.encode("utf-8")  # a lone surrogate would raise here
    if not any("\ud800" <= c <= "\udfff" for c in text) and len(text) <= 100:
        assert shown == text


def test_safe_text_escapes_a_lone_surrogate_visibly() -> None:
    assert safe_text("a\ud800b") == "a\\ud800b"
    assert safe_text(b"a\xffb") == "a\\xffb"
    assert safe_text("x" * 10, 4) == "xxxx…"
