"""The request/reply client: answers resolve their own request; silence becomes a 504."""

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from gateway_service.errors import ApiError
from gateway_service.schema_client import SchemaClient, key_of
from profilehub_shared.contracts import schema as ops
from profilehub_shared.contracts.schema import ChangeSchema, SchemaChangeAnswered, SchemaError


class FakeBroker:
    """Records what is published; `reply` decides the schema service's answer (None: it stays silent)."""

    def __init__(self, reply: Callable[[ChangeSchema], SchemaChangeAnswered | None]) -> None:
        self.reply = reply
        self.published: list[tuple[ChangeSchema, bytes]] = []
        self.handler: Any = None

    def subscriber(self, topic: str, **options: Any) -> Any:
        def register(handler: Any) -> Any:
            self.handler = handler
            return handler

        return register

    async def publish(self, command: ChangeSchema, topic: str, key: bytes) -> None:
        self.published.append((command, key))
        await self.handler(SchemaChangeAnswered(request_id=uuid.uuid4()))  # another replica's answer: ignored
        answer = self.reply(command)
        if answer is not None:
            await self.handler(answer)


def test_changes_of_a_database_are_keyed_by_it_others_by_the_request() -> None:
    keyed = ChangeSchema(operation=ops.DeleteDatabase(database_id="db1"))
    assert key_of(keyed) == b"db1"
    unkeyed = ChangeSchema(operation=ops.CreatePromoPool(name="p"))
    assert key_of(unkeyed) == str(unkeyed.request_id).encode()


async def test_the_answer_to_the_request_is_returned() -> None:
    broker = FakeBroker(lambda c: SchemaChangeAnswered(request_id=c.request_id))
    client = SchemaClient(broker, timeout=1)
    answer = await client.change(ops.DeleteDatabase(database_id="db1"))
    command, key = broker.published[0]
    assert answer.request_id == command.request_id and key == b"db1"
    assert client.pending == {}


async def test_a_refusal_is_raised_as_an_api_error() -> None:
    refusal = SchemaError(code="type_locked", message="3 profiles hold values")
    broker = FakeBroker(lambda c: SchemaChangeAnswered(request_id=c.request_id, error=refusal))
    client = SchemaClient(broker, timeout=1)
    with pytest.raises(ApiError) as refused:
        await client.apply(ops.RemoveField(database_id="db1", name="f"))
    assert refused.value.status == 409 and refused.value.code == "type_locked"


async def test_no_answer_in_time_is_a_504() -> None:
    client = SchemaClient(FakeBroker(lambda c: None), timeout=0.05)
    with pytest.raises(ApiError) as timed_out:
        await client.change(ops.CreatePromoPool(name="p"))
    assert timed_out.value.status == 504 and "did not answer within 0.05s" in timed_out.value.message
    assert client.pending == {}
