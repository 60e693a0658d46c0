"""Stream writes remember their events: a command redelivered after a crash between the write and the publish
is not applied again, and its stored event is published again with the same event id."""

import json
from typing import Any

from importer_service.writes import Incoming, write_batch
from profilehub_shared.contracts.profiles import ProfileChanged, WriteOptions
from tests.unit.importer.test_writes import MemoryWriter, database


def commands(*records: tuple[str, dict[str, Any]]) -> list[Incoming]:
    return [Incoming(ref=ref, values=values, new_id=f"new-{ref}") for ref, values in records]


async def stream(writer: MemoryWriter, batch: list[Incoming]) -> Any:
    return await write_batch(writer, database(), batch, WriteOptions(), "import_stream", remember_writes=True)


async def test_a_redelivered_create_is_not_applied_again_and_its_event_comes_again_unchanged() -> None:
    writer = MemoryWriter()
    first = await stream(writer, commands(("c1", {"email": "a@b.example", "score": 1})))
    [event] = first.changes
    assert first.outcomes == {"c1": ("created", "new-c1")}

    again = await stream(writer, commands(("c1", {"email": "a@b.example", "score": 1})))
    assert (again.changes, again.merged) == ([], [])
    assert again.outcomes == {"c1": ("created", "new-c1")}
    assert ProfileChanged.model_validate_json(again.republish["new-c1"]) == event


async def test_a_redelivered_batch_does_not_replay_its_first_command_over_its_second() -> None:
    writer = MemoryWriter({"_id": "x", "email": "a@b.example", "fields": {"score": 0}})
    batch = commands(("c1", {"email": "a@b.example", "score": 1}), ("c2", {"email": "a@b.example", "score": 2}))
    first = await stream(writer, batch)
    [event] = first.changes
    assert [(c.field, c.old, c.new) for c in event.changes] == [("fields.score", 0, 2)]

    again = await stream(writer, batch)
    assert again.changes == [] and again.merged == []
    assert writer.profiles["x"]["fields"]["score"] == 2
    assert json.loads(again.republish["x"])["event_id"] == str(event.event_id)


async def test_new_commands_behind_redelivered_ones_apply_on_top_and_both_events_go_out() -> None:
    writer = MemoryWriter({"_id": "x", "email": "a@b.example", "fields": {"score": 0}})
    await stream(writer, commands(("c1", {"email": "a@b.example", "score": 1})))
    again = await stream(
        writer, commands(("c1", {"email": "a@b.example", "score": 1}), ("c2", {"email": "a@b.example", "score": 5}))
    )
    [event] = again.changes
    assert [(c.field, c.old, c.new) for c in event.changes] == [("fields.score", 1, 5)]
    assert set(again.republish) == {"x"}
    assert writer.profiles["x"]["last_write"]["refs"] == {"c2": "updated"}


async def test_file_imports_and_api_tests_without_remembering_store_nothing_extra() -> None:
    writer = MemoryWriter()
    await write_batch(writer, database(), commands(("1", {"email": "a@b.example"})), WriteOptions(), "import_api")
    assert all("last_write" not in p for p in writer.profiles.values())


async def test_two_replicas_writing_the_same_commands_publish_one_event_id() -> None:
    """A replica resumed after losing its partition, and the one that took it over, plan the same batch."""
    batch = commands(("c1", {"email": "a@b.example", "score": 1}))
    zombie, successor = await stream(MemoryWriter(), batch), await stream(MemoryWriter(), batch)
    assert [e.event_id for e in zombie.changes] == [e.event_id for e in successor.changes]
    other = await stream(MemoryWriter(), commands(("c2", {"email": "a@b.example", "score": 1})))
    assert other.changes[0].event_id != zombie.changes[0].event_id
