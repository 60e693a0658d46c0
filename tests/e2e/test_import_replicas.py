"""Scale-out: two importer replicas share one import job's batches. Both take some; one is killed (kill -9) in the
middle, the other goes on (taking the dead one's turn once its lease runs out, and its partitions), the killed one
is started again, and the job ends with exact counts, a complete error report and no duplicate profile."""

import asyncio
import os
import signal
from collections import Counter
from pathlib import Path

import httpx
import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.mongo import profiles_collection_name
from tests.e2e.importing import assert_counted_exactly, crash_test_csv, create_database, finished, start_import
from tests.e2e.own_system import own_system

ROWS, DUPLICATES, BAD = 100_000, 1_000, 500


async def batches_taken(port: int) -> dict[str, float]:
    """What one importer's /metrics says it did with import batches: {'read': n, 'applied': m}."""
    async with httpx.AsyncClient(timeout=5) as client:
        text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
    taken = {"read": 0.0, "applied": 0.0}
    for family in text_string_to_metric_families(text):
        if family.name == "profilehub_import_batches":
            for sample in family.samples:
                if sample.name.endswith("_total"):
                    taken[sample.labels["stage"]] = sample.value
    return taken


async def holder_of(mongo: AsyncDatabase, job_id: str) -> int | None:
    """The process id of the replica that holds the job's turn, if any does (`host:pid:taker`)."""
    state = await mongo.import_checkpoints.find_one({"_id": job_id}, {"turn": 1})
    turn = (state or {}).get("turn")
    return int(turn.split(":")[1]) if turn else None


def ops_port_of(process: psutil.Process) -> int:
    return int(process.environ()["OPS_PORT"])


@pytest.mark.timeout(900)
async def test_two_replicas_share_a_job_and_one_killed_mid_job_leaves_counts_exact(
    service_env: dict[str, str], admin_token: str, tmp_path: Path
) -> None:
    async with own_system(
        service_env, admin_token, tmp_path, "replicas", IMPORTER_REPLICAS="2", IMPORT_BATCH_ROWS="1000"
    ) as own:
        api, system = own.api, own.system
        await own.importers_joined(2)
        db_id = await create_database(api, [{"name": "score", "type": "number"}])
        job = await start_import(api, db_id, "big.csv", crash_test_csv("replicas.example", ROWS, DUPLICATES, BAD))
        importers = system.service_processes("importer")
        assert len(importers) == 2
        ports = [ops_port_of(p) for p in importers]
        async with asyncio.timeout(300):  # both replicas read and apply batches of the one job
            while min([(await batches_taken(port))["applied"] for port in ports]) < 2:
                assert (await api.get(f"/jobs/{job['id']}")).json()["status"] in ("queued", "running")
                await asyncio.sleep(0.2)
        # The replica holding the job's turn (applying a batch) is the one killed: the other takes the turn over
        # once its lease runs out, and applies the stored plan of the batch it was in.
        async with asyncio.timeout(120):
            while (holder := await holder_of(own.mongo, job["id"])) not in [p.pid for p in importers]:
                await asyncio.sleep(0.05)
        [killed] = [p for p in importers if p.pid == holder]
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait(10)
        stalled = (await api.get(f"/jobs/{job['id']}")).json()
        assert stalled["status"] == "running" and stalled["counts"]["processed"] < ROWS, stalled

        job = await finished(api, job["id"], timeout=600)
        assert_counted_exactly(job, ROWS, DUPLICATES, BAD)
        profiles = own.mongo[profiles_collection_name(db_id)]
        assert await profiles.count_documents({}) == ROWS - DUPLICATES
        emails = Counter([p["email"] async for p in profiles.find({}, {"email": 1}, batch_size=ROWS)])
        assert emails.most_common(1)[0][1] == 1
        again = await profiles.find_one({"email": "user7@replicas.example"})
        assert again is not None and again["first_name"] == "Again 7"  # the later row won, across batches

        # The report names every skipped value once, in row order, though batches were applied by two replicas.
        report = await api.get(f"/jobs/{job['id']}/error-report")
        assert report.status_code == 200, report.text
        rows = [int(line.split(",", 1)[0]) for line in report.text.splitlines()[1:]]
        assert rows == list(range(ROWS - BAD + 2, ROWS + 2))  # file lines: the header is line 1
        [survivor] = [port for p, port in zip(importers, ports, strict=True) if p is not killed]
        assert (await batches_taken(survivor))["applied"] >= 2
