"""SIGTERM, as Kubernetes sends it, to each service in the middle of its work: it exits 0 within 10 s, and nothing is
lost. The batch in hand is finished or handed back with its offsets uncommitted, a job in hand gives its lease back,
and `make run` (like a Deployment) starts the service again, which resumes where the others left off."""

import asyncio
import os
import re
import signal
import time
import uuid

import httpx
import psutil
from aiokafka import AIOKafkaProducer
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.profiles import UpsertProfile
from profilehub_shared.mongo import profiles_collection_name
from profilehub_shared.settings import ServiceSettings
from tests.e2e.importing import create_database, finished
from tests.e2e.system import RunningSystem
from tests.e2e.upstream import until

GRACE_SECONDS = 10  # what the issue asks; Kubernetes' default grace is 30 s
UPSERTS = 4000


async def terminate(system: RunningSystem, service: str) -> float:
    """SIGTERM the service's process, wait for it to end; returns how long it took. Fails past the grace period."""
    [process] = system.service_processes(service)
    said_before = system.supervisor_said().count(f"{service} exited with code")
    started = time.monotonic()
    os.kill(process.pid, signal.SIGTERM)
    try:
        await asyncio.to_thread(process.wait, GRACE_SECONDS)
    except psutil.TimeoutExpired:
        raise AssertionError(f"{service} still running {GRACE_SECONDS} s after SIGTERM\n{system.logs()}") from None
    took = time.monotonic() - started
    codes = await until(lambda: _exit_codes(system, service, said_before), timeout=10)
    assert codes == ["0"], f"{service} exited with code {codes}\n{system.logs()}"
    print(f"{service} stopped {took:.1f} s after SIGTERM")
    return took


async def _exit_codes(system: RunningSystem, service: str, before: int) -> list[str]:
    codes = re.findall(rf"\] {service} exited with code (\d+)", system.supervisor_said())
    return codes[before:]


async def publish_upserts(settings: ServiceSettings, db_id: str, emails: list[str]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, linger_ms=20, acks="all")
    await producer.start()
    try:
        sent = []
        for email in emails:
            value = UpsertProfile(database_id=db_id, record={"email": email}).model_dump_json().encode()
            sent.append(await producer.send(UpsertProfile.topic, value, key=f"{db_id}:{email}".encode()))
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def test_every_service_stops_within_10_s_of_sigterm_mid_work_and_nothing_is_lost(
    system: RunningSystem, api: httpx.AsyncClient, mongo: AsyncDatabase, settings: ServiceSettings
) -> None:
    db_id = await create_database(api, [])
    profiles = mongo[profiles_collection_name(db_id)]
    emails = [f"term-{i}-{uuid.uuid4().hex[:6]}@shop.example" for i in range(UPSERTS)]
    created = {"database_id": db_id, "type": "profile_created"}

    # The importer and history in the middle of a stream of upserts.
    sending = asyncio.create_task(publish_upserts(settings, db_id, emails))
    await until(lambda: _at_least(profiles, {}, UPSERTS // 20), timeout=120)
    await terminate(system, "importer")
    await until(lambda: _at_least(mongo.history, created, UPSERTS // 10), timeout=120)
    await terminate(system, "history")
    await sending
    await until(lambda: _at_least(profiles, {}, UPSERTS), timeout=300)
    await until(lambda: _at_least(mongo.history, created, UPSERTS), timeout=300)
    assert await profiles.count_documents({}) == UPSERTS
    assert {d["email"] async for d in profiles.find({}, {"email": 1})} == set(emails)

    # The exporter with an export in hand: the lease is given back at once, and the job ends whole.
    started = await api.post(f"/databases/{db_id}/exports", json={"fields": ["profile_id", "email"]})
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    await until(lambda: mongo.exporter_jobs.find_one({"_id": job_id, "owner": {"$ne": None}}), timeout=60)
    await terminate(system, "exporter")
    queued = await mongo.exporter_jobs.find_one({"_id": job_id})
    assert queued is not None
    if queued["state"] != "closed":  # it was still running: given back, not left to expire
        assert queued["lease_until"] is None, queued
    job = await finished(api, job_id)
    assert job["status"] == "done" and job["counts"]["processed"] == UPSERTS, job

    # The schema and ml services, then the gateway itself; each comes back and serves again.
    await terminate(system, "schema")
    await terminate(system, "ml")
    await terminate(system, "gateway")
    await system.wait_healthy()
    async with httpx.AsyncClient(base_url=f"{system.url}/api/v1", headers=api.headers, timeout=60) as again:
        added = await again.post(f"/databases/{db_id}/fields", json={"name": "after_restart", "type": "line"})
        assert added.status_code == 201, added.text


async def _at_least(collection: object, query: dict[str, object], n: int) -> bool:
    return await collection.count_documents(query) >= n  # type: ignore[attr-defined,no-any-return]
