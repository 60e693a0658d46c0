"""Stream writes remember their events: a command redelivered after a crash between the write and the publish
is not applied again, and its stored event is published again with the same event id."""

import json
from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from importer_service.writes import Incoming, write_batch
from importer_service.written_events import event_again, event_id_of, remembered, written_before
from profilehub_shared.contracts.profiles import FieldChange, ProfileChanged, WriteOptions
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
    assert json.loads(writer.profiles["x"]["last_write"])[0] == {"c2": "updated"}


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


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@given(
    refs=st.dictionaries(st.uuids().map(str), st.sampled_from(["created", "updated"]), min_size=1, max_size=3),
    changes=st.lists(st.tuples(st.text(min_size=1, max_size=12), JSON_VALUES, JSON_VALUES), max_size=5),
    change=st.sampled_from(["created", "updated"]),
    job_id=st.none() | st.text(max_size=8),
)
def test_a_remembered_event_comes_back_as_the_very_text_published(
    refs: dict[str, str], changes: list[tuple[str, Any, Any]], change: str, job_id: str | None
) -> None:
    event = ProfileChanged(
        event_id=event_id_of("p1", refs),
        database_id="db1",
        profile_id="p1",
        change=change,  # type: ignore[arg-type]
        source="import_stream",
        changes=[FieldChange(field=f, old=o, new=n) for f, o, n in changes],
        job_id=job_id,
    )
    published = orjson.dumps(event.model_dump(mode="json")).decode()
    kept = remembered(refs, published)
    event_kept = orjson.dumps(orjson.loads(kept)[1:])  # beside the commands: the ids are not kept, but derived
    assert len(event_kept) < len(published) - len(f"db1p1{event.event_id}")
    assert event_again("db1", "p1", kept) == (refs, published)


def test_profiles_written_before_events_were_kept_compact_are_still_known() -> None:
    old = {"_id": "x", "last_write": {"refs": {"c1": "created"}, "event": '{"event_id":"e1"}'}}
    new = {"_id": "y", "last_write": remembered({"c2": "updated"}, NEW_EVENT)}
    written = written_before("db1", [old, new, {"_id": "z"}])
    assert written["c1"] == ("x", "created", '{"event_id":"e1"}')
    assert written["c2"][:2] == ("y", "updated")
    assert json.loads(written["c2"][2])["profile_id"] == "y"


NEW_EVENT = orjson.dumps(
    {
        "occurred_at": "2026-12-04T10:00:00Z",
        "change": "updated",
        "source": "import_stream",
        "job_id": None,
        "changes": [{"field": "email", "old": "a@b.example", "new": "c@d.example"}],
    }
).decode()
