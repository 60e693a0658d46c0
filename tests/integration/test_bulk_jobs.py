"""Copy and bulk-update jobs on the real broker and database, run by the importer like imports."""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from importer_service.app import create_app as importer_app
from importer_service.domain.slicing import in_range
from importer_service.settings import Settings as ImporterSettings
from profilehub_shared.contracts.jobs import BulkUpdateParams, CopyParams, ImportParams, JobRequested
from profilehub_shared.contracts.profiles import WriteOptions
from profilehub_shared.contracts.schema import AddPromoCodes, CreatePromoPool, CreateResource, UpdateDatabase
from profilehub_shared.kafka import make_broker
from profilehub_shared.mongo import profiles_collection_name
from profilehub_shared.settings import ServiceSettings
from schema_service.app import create_app as schema_app
from schema_service.settings import Settings as SchemaSettings
from tests.integration.test_importer import Observed, new_database, until, upload
from tests.services import Caller, running

ROOT = Path(__file__).resolve().parents[2]
System = tuple[Caller, KafkaBroker, Observed]


@pytest.fixture(scope="module")
async def system(settings: ServiceSettings) -> AsyncIterator[System]:
    schema = schema_app(SchemaSettings(**settings.model_dump()))
    importer = importer_app(ImporterSettings(**settings.model_dump(), job_lease_seconds=5, import_batch_rows=50))
    broker = make_broker(settings, "test-bulk")
    caller, observed = Caller(broker), Observed(broker)
    async with running(schema), running(importer), broker:
        await broker.start()
        yield caller, broker, observed


async def run_job(broker: KafkaBroker, mongo: AsyncDatabase, kind: str, db_id: str, **params: Any) -> dict[str, Any]:
    job = JobRequested(job_id=uuid.uuid4().hex, kind=kind, database_id=db_id, **params)  # type: ignore[arg-type]
    await broker.publish(job, topic=JobRequested.topic, key=job.job_id.encode())
    return await finished(mongo, job.job_id)


async def finished(mongo: AsyncDatabase, job_id: str) -> dict[str, Any]:
    done = {"_id": job_id, "status": {"$in": ["done", "failed", "cancelled"]}}
    return await until(lambda: mongo.import_checkpoints.find_one(done), timeout=120)


async def seeded(system: System, mongo: AsyncDatabase, rows: int, *fields: dict[str, Any]) -> str:
    """A new database with `rows` profiles userN@shop.example (score N, colour red, a phone on even rows)."""
    caller, broker, _ = system
    db_id = await new_database(caller, *fields)
    lines = "".join(f"user{i}@shop.example;{i};red;{'+7916' + f'{i:07d}' if i % 2 == 0 else ''}\n" for i in range(rows))
    file_id = await upload(mongo, "seed.csv", ("email;score;colour;phones\n" + lines).encode())
    # Only fields the database has: a mapping to a field it lacks fails the job (it is no longer dropped silently).
    mapping = {"email": "email", "phones": "phones"} | {f["name"]: f["name"] for f in fields}
    params = ImportParams(file_id=file_id, file_name="seed.csv", mapping=mapping)
    profiles = mongo[profiles_collection_name(db_id)]
    for _ in range(20):  # the importer's schema cache may not know the new fields yet: import again until it does
        await run_job(broker, mongo, "import", db_id, import_params=params)
        if await profiles.count_documents({f"fields.{fields[-1]['name']}": {"$exists": True}}) == rows:
            break
        await asyncio.sleep(0.5)
    assert await profiles.count_documents({}) == rows
    return db_id


SCORE, COLOUR = {"name": "score", "type": "number"}, {"name": "colour", "type": "line"}


def score_at_least(n: int) -> dict[str, Any]:
    return {"field": "score", "op": "gte", "value": n}


async def test_copy_with_a_filter_and_a_mode_into_a_target_lacking_a_field(
    system: System, mongo: AsyncDatabase
) -> None:
    _, broker, observed = system
    source = await seeded(system, mongo, 30, SCORE, COLOUR)
    target = await seeded(system, mongo, 1, SCORE)  # user0, outside the filter
    await run_job(broker, mongo, "import", target, import_params=ImportParams(
        file_id=await upload(mongo, "t.csv", b"email,score\nuser10@shop.example,999\n"), file_name="t.csv"))  # fmt: skip
    params = CopyParams(target_database_id=target, filter=score_at_least(10), options=WriteOptions(mode="create_only"))
    state = await run_job(broker, mongo, "copy", source, copy_params=params)
    assert state["status"] == "done", state
    assert (state["total"], state["processed"], state["created"], state["unchanged"]) == (20, 20, 19, 1), state
    assert state["dropped_fields"] == 20 and "colour" in state["message"]
    profiles = mongo[profiles_collection_name(target)]
    assert await profiles.count_documents({}) == 21
    assert (await profiles.find_one({"email": "user10@shop.example"}))["fields"] == {"score": 999}
    copied = await profiles.find_one({"email": "user12@shop.example"})
    assert copied["fields"] == {"score": 12} and copied["phones"] == ["+79160000012"]
    await until(lambda: asyncio.sleep(0, len([e for e in observed.changed if e.source == "copy"
                                              and e.database_id == target]) == 19))  # fmt: skip


async def test_bulk_update_takes_the_range_then_the_limit_and_sets_and_unsets(
    system: System, mongo: AsyncDatabase
) -> None:
    _, broker, observed = system
    db_id = await seeded(system, mongo, 120, SCORE, COLOUR)
    profiles = mongo[profiles_collection_name(db_id)]
    ids = sorted([p["_id"] async for p in profiles.find({}, {"_id": 1})])
    lower = [i for i in ids if in_range(i, 0, 50)]
    params = BulkUpdateParams.model_validate({"range": {"to_percent": 50}, "action": {"type": "set",
                                             "values": {"colour": "blue", "city": "Oslo"}}})  # fmt: skip
    state = await run_job(broker, mongo, "bulk_update", db_id, bulk_update_params=params)
    assert (state["status"], state["total"], state["updated"]) == ("done", len(lower), len(lower))
    assert sorted([p["_id"] async for p in profiles.find({"city": "Oslo"})]) == lower
    upper = [i for i in ids if i not in lower]
    params = BulkUpdateParams.model_validate(
        {"range": {"from_percent": 50}, "limit": 10, "action": {"type": "unset", "fields": ["score", "colour"]}}
    )
    state = await run_job(broker, mongo, "bulk_update", db_id, bulk_update_params=params)
    assert (state["total"], state["processed"], state["updated"]) == (10, 10, 10)
    assert sorted([p["_id"] async for p in profiles.find({"fields.score": {"$exists": False}})]) == upper[:10]
    again = await run_job(broker, mongo, "bulk_update", db_id, bulk_update_params=params)
    assert (again["updated"], again["unchanged"]) == (0, 10)
    mine = [e for e in observed.changed if e.database_id == db_id and e.source == "bulk_update"]
    await until(lambda: asyncio.sleep(0, len([e for e in observed.changed if e.database_id == db_id
                                              and e.source == "bulk_update"]) == len(lower) + 10))  # fmt: skip
    assert mine is not None


async def test_subscribe_by_filter_then_delete(system: System, mongo: AsyncDatabase) -> None:
    caller, broker, observed = system
    db_id = await seeded(system, mongo, 20, SCORE)
    resource = (await caller.ask(CreateResource(name=f"news-{uuid.uuid4().hex[:6]}", channels=["sms"]))).resource
    assert resource is not None
    assert (await caller.ask(UpdateDatabase(database_id=db_id, changes={"resource_ids": [resource.id]}))).error is None
    action = {"type": "subscribe", "resource_id": resource.id, "channel": "sms"}
    params = BulkUpdateParams.model_validate({"filter": score_at_least(10), "action": action})
    state = await until(lambda: run_job(broker, mongo, "bulk_update", db_id, bulk_update_params=params))
    assert (state["status"], state["processed"], state["updated"], state["rejected"]) == ("done", 10, 5, 5), state
    assert state["error_report_file_id"]  # the profiles without a phone, with the reason
    profiles = mongo[profiles_collection_name(db_id)]
    assert await profiles.count_documents({"subscription_keys": f"{resource.id}:sms:subscribed"}) == 5
    subscribed = await profiles.find_one({"email": "user12@shop.example"})
    assert subscribed["subscriptions"][0]["address"] == "+79160000012"

    params = BulkUpdateParams.model_validate({"filter": score_at_least(15), "action": {"type": "delete"}})
    state = await run_job(broker, mongo, "bulk_update", db_id, bulk_update_params=params)
    assert (state["deleted"], await profiles.count_documents({})) == (5, 15)
    await until(lambda: asyncio.sleep(0, len([e for e in observed.changed if e.database_id == db_id
                                              and e.change == "deleted"]) == 5))  # fmt: skip


async def test_two_runners_attach_promo_codes_never_twice(
    system: System, settings: ServiceSettings, mongo: AsyncDatabase, tmp_path: Path
) -> None:
    caller, broker, _ = system
    db_id = await seeded(system, mongo, 200, SCORE)
    pool = (await caller.ask(CreatePromoPool(name=f"pool-{uuid.uuid4().hex[:6]}"))).promo_pool
    assert pool is not None
    codes = [f"CODE{i:04d}" for i in range(150)]
    assert (await caller.ask(AddPromoCodes(pool_id=pool.id, codes=codes))).error is None
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers, "MONGO_URL": settings.mongo_url,
           "MONGO_DB": settings.mongo_db, "IMPORT_BATCH_ROWS": "20", "JOB_LEASE_SECONDS": "5"}  # fmt: skip
    with (tmp_path / "importer-2.log").open("ab") as log:
        second = subprocess.Popen([str(Path(sys.executable).parent / "faststream"), "run",
                                   "importer_service.app:create_app", "--factory"], env=env, cwd=ROOT,
                                  stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        try:
            await asyncio.sleep(8)  # let the second runner join before the jobs arrive
            params = BulkUpdateParams.model_validate({"action": {"type": "attach_promo", "pool_id": pool.id}})
            states = await asyncio.gather(
                *(run_job(broker, mongo, "bulk_update", db_id, bulk_update_params=params) for _ in range(2))
            )
        finally:
            second.terminate()
            second.wait(30)
    assert [s["status"] for s in states] == ["done", "done"]
    assert sum(s["updated"] for s in states) == 150, states
    profiles = mongo[profiles_collection_name(db_id)]
    given = [c["code"] async for p in profiles.find({"promo_pools": pool.id}) for c in p["promo_codes"]]
    assert len(given) == 150 and sorted(given) == codes
    assert await profiles.count_documents({"promo_pools": {"$ne": pool.id}}) == 50
    assigned = [c async for c in mongo.promo_codes.find({"pool_id": pool.id, "state": "assigned"})]
    assert len(assigned) == 150 and len({c["profile_id"] for c in assigned}) == 150
    by_profile = {p["_id"]: p["promo_codes"][0]["code"] async for p in profiles.find({"promo_pools": pool.id})}
    assert by_profile == {c["profile_id"]: c["code"] for c in assigned}
