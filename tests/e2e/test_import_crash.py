"""Crash test: kill -9 the importer in the middle of a 100,000-row import; it is started again (as `make run`
supervises its services) and the job ends with exact counts and no duplicate profiles."""

import asyncio
import os
import signal
from collections import Counter

import httpx
import pytest
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.mongo import profiles_collection_name
from tests.e2e.importing import assert_counted_exactly, crash_test_csv, create_database, finished, start_import
from tests.e2e.system import RunningSystem

ROWS, DUPLICATES, BAD = 100_000, 1_000, 500


def big_csv() -> bytes:
    return crash_test_csv("crash.example", ROWS, DUPLICATES, BAD)


@pytest.mark.timeout(900)
async def test_kill_9_mid_import_resumes_with_exact_counts(
    system: RunningSystem, api: httpx.AsyncClient, mongo: AsyncDatabase
) -> None:
    db_id = await create_database(api, [{"name": "score", "type": "number"}])
    job = await start_import(api, db_id, "big.csv", big_csv())
    async with asyncio.timeout(300):
        while (job := (await api.get(f"/jobs/{job['id']}")).json())["counts"]["processed"] < 20_000:
            assert job["status"] in ("queued", "running"), job
            await asyncio.sleep(0.2)
    [importer] = system.service_processes("importer")
    os.kill(importer.pid, signal.SIGKILL)
    importer.wait(10)
    stalled = (await api.get(f"/jobs/{job['id']}")).json()
    assert stalled["status"] == "running" and stalled["counts"]["processed"] < ROWS

    # `make run` supervises its services: the importer is started again and resumes the job by its lease.
    job = await finished(api, job["id"], timeout=600)
    [restarted] = system.service_processes("importer")
    assert restarted.pid != importer.pid
    assert_counted_exactly(job, ROWS, DUPLICATES, BAD)
    profiles = mongo[profiles_collection_name(db_id)]
    assert await profiles.count_documents({}) == ROWS - DUPLICATES
    # One pass over the emails (a $group over 100k documents runs for minutes on FerretDB).
    emails = Counter([p["email"] async for p in profiles.find({}, {"email": 1}, batch_size=ROWS)])
    assert emails.most_common(1)[0][1] == 1
    again = await profiles.find_one({"email": "user7@crash.example"})
    assert again is not None and again["first_name"] == "Again 7"
