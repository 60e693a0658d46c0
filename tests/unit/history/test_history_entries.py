"""History entries from events, history queries and cursors (pure rules)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from history_service.entries import change_entry, interaction_entry, read_interaction
from profilehub_shared.contracts.history import is_history_type
from profilehub_shared.contracts.interactions import InteractionRecorded
from profilehub_shared.contracts.profiles import FieldChange, ProfileChanged
from profilehub_shared.history import after_cursor, cursor_of, entry_of, history_query

T = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_a_change_is_kept_with_its_source_and_old_and_new_values() -> None:
    event = ProfileChanged(
        database_id="d", profile_id="p", change="updated", source="import_file", job_id="j", occurred_at=T,
        changes=[FieldChange(field="phones", old=[["+1"]], new=["+2"])],
    )  # fmt: skip
    doc = change_entry(event)
    assert (doc["_id"], doc["type"], doc["occurred_at"]) == (str(event.event_id), "profile_updated", T)
    shown = entry_of(doc)
    assert shown.payload == {"source": "import_file", "job_id": "j", "changes": [
        {"field": "phones", "old": [["+1"]], "new": ["+2"]}]}  # fmt: skip


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@given(
    st.lists(st.tuples(st.text(min_size=1, max_size=20), JSON_VALUES, JSON_VALUES), max_size=6),
    st.none() | st.text(max_size=10),
)
def test_a_change_payload_holds_what_each_change_dumped_to_json_holds(
    changes: list[tuple[str, object, object]], job_id: str | None
) -> None:
    event = ProfileChanged(
        database_id="d", profile_id="p", change="updated", source="import_stream", job_id=job_id, occurred_at=T,
        changes=[FieldChange(field=f, old=old, new=new) for f, old, new in changes],
    )  # fmt: skip
    payload = json.loads(change_entry(event)["payload"])
    assert payload == {
        "source": "import_stream",
        "job_id": job_id,
        "changes": [c.model_dump(mode="json") for c in event.changes],
    }


def test_an_interaction_keeps_any_payload_keys_as_given() -> None:
    event = InteractionRecorded(
        database_id="d", profile_id="p", type="sms_click", message_id="m1", occurred_at=T,
        payload={"$where": "x", "a.b": [[1]]},
    )  # fmt: skip
    doc = interaction_entry(event)
    assert doc["type"] == "sms_click" and isinstance(doc["payload"], str)  # stored as text: no hostile keys
    assert entry_of(doc).payload == {"message_id": "m1", "$where": "x", "a.b": [[1]]}


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"{not json", "Invalid JSON"),
        (b'{"database_id": "d", "profile_id": "p", "type": "teleport"}', "type"),
        (b'{"database_id": "d", "type": "send"}', "profile_id"),
    ],
)
def test_a_bad_interaction_is_refused_with_the_field_and_reason(raw: bytes, says: str) -> None:
    why = read_interaction(raw)
    assert isinstance(why, str) and says in why


@given(st.binary(max_size=300))
def test_reading_any_bytes_gives_an_interaction_or_a_reason(raw: bytes) -> None:
    assert isinstance(read_interaction(raw), InteractionRecorded | str)


def test_history_types_are_interactions_and_profile_changes() -> None:
    assert all(is_history_type(t) for t in ("send", "push_open", "sms_hbounce", "import_csv", "profile_deleted"))
    assert not any(is_history_type(t) for t in ("", "teleport", "profile_", "send ", "profile_moved"))


def test_history_query_narrows_by_profile_period_and_types() -> None:
    assert history_query("d") == {"database_id": "d"}
    q = history_query("d", "p", T, T + timedelta(days=1), ["open", "send", "open"])
    assert q == {
        "database_id": "d",
        "profile_id": "p",
        "occurred_at": {"$gte": T, "$lt": T + timedelta(days=1)},
        "type": {"$in": ["open", "send"]},
    }


def test_a_cursor_continues_after_its_entry_in_time_then_id_order() -> None:
    cursor = cursor_of({"_id": "e5", "occurred_at": datetime(2026, 3, 1, 9, 0)})  # naive: stored UTC
    later = after_cursor({"database_id": "d"}, cursor)
    assert later["$and"][1] == {"$or": [{"occurred_at": {"$gt": T}}, {"occurred_at": T, "_id": {"$gt": "e5"}}]}


@given(st.text(max_size=200))
def test_a_foreign_cursor_is_refused_not_crashed_on(text: str) -> None:
    try:
        query = after_cursor({}, text)
    except ValueError:
        return
    assert set(query) == {"$and"}  # the rare text that decodes as a cursor still builds a well-formed query


def test_json_payload_round_trips_unicode() -> None:
    doc = interaction_entry(InteractionRecorded(database_id="d", profile_id="p", type="open", payload={"t": "Ёж"}))
    assert "Ёж" in doc["payload"] and json.loads(doc["payload"]) == {"t": "Ёж"}
