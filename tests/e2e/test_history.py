"""Profile history on the running system: changes and interactions in order, filters, exports, duplicates,
unknown profiles on the rejected topic, the delete rule, and a kill -9 of the history service mid-burst."""

import asyncio
import json
import os
import signal
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.history import InteractionRejected
from profilehub_shared.contracts.interactions import InteractionRecorded
from profilehub_shared.settings import ServiceSettings
from tests.e2e.importing import create_database, finished
from tests.e2e.system import RunningSystem

BURST = 20_000


async def send(broker: KafkaBroker, *interactions: InteractionRecorded) -> None:
    await asyncio.gather(
        *(broker.publish(i, topic=InteractionRecorded.topic, key=i.profile_id.encode()) for i in interactions)
    )


async def history(api: httpx.AsyncClient, db_id: str, pid: str, **params: Any) -> list[dict[str, Any]]:
    answer = await api.get(f"/databases/{db_id}/profiles/{pid}/history", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]  # type: ignore[no-any-return]


async def until(check: Any, timeout: float = 60) -> Any:
    async with asyncio.timeout(timeout):
        while not (value := await check()):
            await asyncio.sleep(0.3)
    return value


async def rejected(settings: ServiceSettings, event_ids: set[str], timeout: float = 60) -> dict[str, str]:
    """The codes the history service gave, on the rejected topic, to these interactions."""
    consumer = AIOKafkaConsumer(
        InteractionRejected.topic, bootstrap_servers=settings.kafka_bootstrap_servers, auto_offset_reset="earliest"
    )
    found: dict[str, str] = {}
    await consumer.start()
    try:
        async with asyncio.timeout(timeout):
            while not event_ids <= set(found):
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for r in records:
                        rejection = json.loads(r.value)
                        found[str(rejection["interaction"].get("event_id"))] = rejection["code"]
    finally:
        await consumer.stop()
    return {e: found[e] for e in event_ids}


async def test_a_profiles_history_in_order_filtered_exported_and_guarding_deletion(
    api: httpx.AsyncClient, sender: KafkaBroker, settings: ServiceSettings
) -> None:
    resource = await api.post("/resources", json={"name": f"news-{uuid.uuid4().hex[:8]}", "channels": ["email"]})
    res_id = resource.json()["id"]
    db_id = await create_database(api, [{"name": "score", "type": "number"}])
    await api.patch(f"/databases/{db_id}", json={"resource_ids": [res_id]})
    url = f"/databases/{db_id}/profiles"
    pid = (await api.put(url, json={"record": {"email": "h@shop.example", "score": 1}})).json()["profile"]["profile_id"]
    await api.put(url, json={"record": {"email": "h@shop.example", "score": 2}})
    subscribe = {"email": "h@shop.example", "subscriptions": [{"resource_id": res_id, "channel": "email"}]}
    await api.put(url, json={"record": subscribe})
    # The three changes are stored before the interactions are sent. The history service may still be working
    # through the changes of earlier tests (the crash test's 100,000 imports), hence the long wait.
    await until(lambda: _n(api, db_id, pid, 3), timeout=300)

    sent_at = datetime.now(UTC) + timedelta(seconds=1)
    sent = InteractionRecorded(database_id=db_id, profile_id=pid, type="send", message_id="m1", occurred_at=sent_at)
    opened = InteractionRecorded(
        database_id=db_id, profile_id=pid, type="open", occurred_at=sent_at + timedelta(hours=1)
    )
    stranger = InteractionRecorded(database_id=db_id, profile_id="nobody", type="send")
    lost_db = InteractionRecorded(database_id="no-such-db", profile_id=pid, type="send")
    await send(sender, sent, opened, opened, stranger, lost_db)  # `opened` twice: a redelivery
    entries = await until(lambda: _n(api, db_id, pid, 5), timeout=120)

    assert [e["type"] for e in entries] == ["profile_created", "profile_updated", "profile_updated", "send", "open"]
    created, score, subscription = entries[0]["payload"], entries[1]["payload"], entries[2]["payload"]
    assert created["source"] == "import_api"
    assert score["changes"] == [{"field": "fields.score", "old": 1, "new": 2}]
    assert [c["field"] for c in subscription["changes"]] == ["subscriptions"]
    assert entries[3]["payload"] == {"message_id": "m1"}
    assert [e["type"] for e in await history(api, db_id, pid, types="open,send")] == ["send", "open"]
    since = await history(api, db_id, pid, **{"from": (sent_at + timedelta(minutes=1)).isoformat()})
    assert [e["type"] for e in since] == ["open"]
    page = await api.get(f"/databases/{db_id}/history", params={"limit": 2})
    rest = await api.get(f"/databases/{db_id}/history", params={"limit": 10, "cursor": page.json()["next_cursor"]})
    assert [e["event_id"] for e in page.json()["items"] + rest.json()["items"]] == [e["event_id"] for e in entries]
    bad = await api.get(f"/databases/{db_id}/history", params={"types": "send,teleport"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["value"] == "teleport"
    assert await rejected(settings, {str(stranger.event_id), str(lost_db.event_id)}) == {
        str(stranger.event_id): "unknown_profile",
        str(lost_db.event_id): "unknown_database",
    }

    body = {"format": "jsonl", "types": ["send", "open", "profile_created"], "profile_fields": ["email", "score"],
            "from": sent_at.isoformat(), "to": (sent_at + timedelta(days=1)).isoformat()}  # fmt: skip
    job = await finished(api, (await api.post(f"/databases/{db_id}/history/exports", json=body)).json()["id"])
    assert job["status"] == "done", job
    lines = [json.loads(x) for x in (await api.get(job["result_url"].removeprefix("/api/v1"))).text.splitlines()]
    assert [(x["type"], x["email"], x["score"]) for x in lines] == [
        ("send", "h@shop.example", 2),
        ("open", "h@shop.example", 2),
    ]
    assert lines[0]["payload"] == {"message_id": "m1"} and lines[0]["event_id"] == str(sent.event_id)

    # SPEC §1: a database whose profile received a send cannot be deleted; once that profile is gone, it can.
    refused = await until(lambda: _delete_refused(api, db_id))
    assert refused.status_code == 409 and "1 profile" in refused.json()["error"]["message"]
    assert (await api.delete(f"{url}/{pid}")).status_code == 204
    assert (await api.delete(f"/databases/{db_id}")).status_code == 204


async def _n(api: httpx.AsyncClient, db_id: str, pid: str, n: int) -> list[dict[str, Any]] | None:
    entries = await history(api, db_id, pid)
    return entries if len(entries) >= n else None


async def _delete_refused(api: httpx.AsyncClient, db_id: str) -> httpx.Response | None:
    answer = await api.delete(f"/databases/{db_id}")
    assert answer.status_code != 204, "deleted although a profile had a send"
    return answer if answer.status_code == 409 else None


@pytest.mark.timeout(900)
async def test_kill_9_of_the_history_service_mid_burst_loses_and_doubles_nothing(
    system: RunningSystem, api: httpx.AsyncClient, sender: KafkaBroker, mongo: AsyncDatabase
) -> None:
    db_id = await create_database(api, [])
    pids = [
        (await api.put(f"/databases/{db_id}/profiles", json={"record": {"email": f"k{i}@shop.example"}})).json()[
            "profile"
        ]["profile_id"]
        for i in range(10)
    ]
    burst = [InteractionRecorded(database_id=db_id, profile_id=pids[i % 10], type="deliv") for i in range(BURST)]
    stored = {"database_id": db_id, "type": "deliv"}
    await send(sender, *burst[: BURST // 2])
    await until(lambda: _at_least(mongo, stored, BURST // 20), timeout=300)
    [victim] = system.service_processes("history")
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(10)
    await send(sender, *burst[BURST // 2 :])

    # `make run` starts the service again; it resumes from the last committed offsets (at-least-once).
    await until(lambda: _at_least(mongo, stored, BURST), timeout=300)
    [restarted] = system.service_processes("history")
    assert restarted.pid != victim.pid
    await asyncio.sleep(2)  # anything redelivered after the count was reached would show now
    assert await mongo.history.count_documents(stored) == BURST
    ids = {str(e.event_id) for e in burst}
    assert {d["_id"] async for d in mongo.history.find(stored, {"_id": 1}, batch_size=BURST)} == ids


async def _at_least(mongo: AsyncDatabase, query: dict[str, Any], n: int) -> bool:
    return await mongo.history.count_documents(query) >= n
