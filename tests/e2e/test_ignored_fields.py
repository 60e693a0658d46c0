"""Keys of a stream record that are not fields are reported, not dropped without a word (issue 14)."""

import uuid

import httpx
from faststream.kafka import KafkaBroker

from profilehub_shared.contracts.profiles import ProfileUpsertWarned, UpsertProfile
from profilehub_shared.settings import ServiceSettings
from tests.e2e.importing import create_database
from tests.e2e.upstream import parked, until


async def test_a_stream_record_with_unknown_keys_is_written_and_warned_about(
    api: httpx.AsyncClient, sender: KafkaBroker, settings: ServiceSettings
) -> None:
    db_id = await create_database(api, [{"name": "score", "type": "number"}])
    key = f"{db_id}:warn-{uuid.uuid4().hex[:8]}"
    record = {"email": "w@shop.example", "score": 3, "colour": "red", "scroe": 4}
    await sender.publish(UpsertProfile(database_id=db_id, record=record), topic=UpsertProfile.topic, key=key.encode())
    [warning] = await parked(settings, ProfileUpsertWarned.topic, key)
    assert warning["database_id"] == db_id
    assert warning["ignored_fields"] == ["colour", "scroe"]
    assert warning["outcome"] == "created" and warning["profile_id"]
    assert "scroe" in warning["message"] and "did you mean 'score'" in warning["message"]

    async def stored() -> list[dict[str, object]]:
        return (await api.get(f"/databases/{db_id}/profiles")).json()["items"]  # type: ignore[no-any-return]

    [profile] = await until(stored)
    assert profile["fields"] == {"score": 3}
