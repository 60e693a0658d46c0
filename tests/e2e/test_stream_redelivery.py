"""A crash between a stream write and the publish of its event loses no event.

The first delivery is played by the test itself: the importer's own code writes the upsert to the real database
and "crashes" before publishing. The same record then reaches the running importer (a redelivery): it must not
apply it again, and must publish the event that the write stored, with its event id, which history then keeps.
"""

import asyncio
import json
import uuid
from dataclasses import dataclass

import httpx
from pymongo.asynchronous.database import AsyncDatabase

from importer_service.repository import ProfileStore
from importer_service.stream import write_stream_batch
from profilehub_shared.contracts.profiles import UpsertProfile
from profilehub_shared.mongo import profiles_collection_name
from profilehub_shared.schemas import Schemas
from tests.e2e.importing import create_database
from tests.e2e.upstream import Upstream, until


@dataclass
class Consumed:
    value: bytes
    key: bytes = b"k"
    topic: str = UpsertProfile.topic
    partition: int = 0
    offset: int = 0


async def test_an_upsert_written_but_never_published_has_its_event_published_on_redelivery(
    api: httpx.AsyncClient,
    upstream: Upstream,
    mongo: AsyncDatabase,
) -> None:
    db_id = await create_database(api, [{"name": "score", "type": "number"}])
    email = f"crash-{uuid.uuid4().hex[:6]}@shop.example"
    command = UpsertProfile(database_id=db_id, record={"email": email, "score": 7})
    raw = command.model_dump_json().encode()

    results, refused, _ = await write_stream_batch(ProfileStore(mongo), Schemas(mongo), [Consumed(raw)])
    assert refused == []
    [event] = results[0].changes  # written, never published: the process died here
    profile = await mongo[profiles_collection_name(db_id)].find_one({"email": email})
    assert profile is not None and profile["fields"]["score"] == 7

    await upstream.send(UpsertProfile.topic, f"{db_id}:{email}", raw)
    kept = await until(lambda: mongo.history.find_one({"_id": str(event.event_id)}))
    assert kept["type"] == "profile_created"
    assert [c["new"] for c in json.loads(kept["payload"])["changes"] if c["field"] == "fields.score"] == [7]
    await asyncio.sleep(2)  # a second application would have written another change by now
    assert await mongo.history.count_documents({"profile_id": profile["_id"]}) == 1
    answer = await api.get(f"/databases/{db_id}/profiles/{profile['_id']}")
    assert answer.status_code == 200 and "last_write" not in answer.json()
