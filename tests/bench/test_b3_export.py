"""B3: export of 1,000,000 profiles to CSV through the API until the job is done: rows/s and the exporter's peak
RSS (and at 200k rows, to show it is flat); baseline in the same run: a raw PyMongo cursor over the same collection
written with `csv.writer`."""

import asyncio
import csv
import os
import random
import tempfile
from datetime import UTC, datetime

import httpx
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.mongo import profiles_collection_name
from tests.bench.harness import PeakRss, mib, report, timed
from tests.bench.test_b1_import import FIELDS, row
from tests.e2e.importing import create_database
from tests.e2e.system import RunningSystem

ROWS = int(os.environ.get("B3_ROWS", "1000000"))
COLUMNS = ["profile_id", "email", "phones", "first_name", "last_name", "birth_date", "score", "ratio", "plan",
           "labels", "address", "created_at"]  # fmt: skip
SEED_BATCH = 5000


async def seed(mongo: AsyncDatabase, db_id: str) -> None:
    """The same profiles B1 imports, written straight into the collection (this measures exports, not imports)."""
    rnd, now = random.Random(3), datetime.now(UTC)
    profiles = mongo[profiles_collection_name(db_id)]
    for start in range(0, ROWS, SEED_BATCH):
        docs = []
        for i in range(start, min(start + SEED_BATCH, ROWS)):
            doc = row(i, rnd)[1]
            doc.update(_id=f"p{i:07d}", created_at=now, updated_at=now, has_interactions=False, suppressed=False)
            docs.append(doc)
        await profiles.insert_many(docs, ordered=False)


def cell(value: object) -> object:
    return "" if value is None else value


async def raw_cursor_to_csv(mongo: AsyncDatabase, db_id: str) -> None:
    """The baseline: one cursor, `csv.writer`, no column rules beyond reading the same keys."""
    with tempfile.TemporaryDirectory() as tmp, open(os.path.join(tmp, "raw.csv"), "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        async for p in mongo[profiles_collection_name(db_id)].find({}, batch_size=1000):
            f = p.get("fields", {})
            writer.writerow(
                [
                    p["_id"],
                    p.get("email"),
                    p.get("phones"),
                    p.get("first_name"),
                    p.get("last_name"),
                    p.get("birth_date"),
                    f.get("score"),
                    f.get("ratio"),
                    f.get("plan"),
                    f.get("labels"),
                    f.get("address"),
                    p.get("created_at"),
                ]
            )


async def test_b3_csv_export(system: RunningSystem, api: httpx.AsyncClient, mongo: AsyncDatabase) -> None:
    db_id = await create_database(api, FIELDS)
    await seed(mongo, db_id)

    async def export_through_api() -> None:
        answer = await api.post(f"/databases/{db_id}/exports", json={"fields": COLUMNS, "format": "csv"})
        assert answer.status_code == 202, answer.text
        while True:
            job = (await api.get(f"/jobs/{answer.json()['id']}")).json()
            rss.progress = job["counts"]["processed"]
            if job["status"] not in ("queued", "running"):
                assert job["status"] == "done" and job["counts"]["processed"] == ROWS, job
                return
            await asyncio.sleep(0.5)

    async with PeakRss(system.service_processes("exporter")[0].pid) as rss:
        ours = await timed("export through the API", ROWS, export_through_api)
    baseline = await timed("raw PyMongo cursor + csv.writer", ROWS, lambda: raw_cursor_to_csv(mongo, db_id))
    report(ours, baseline, "rows", f"exporter peak RSS {mib(rss.peak)} (at 200k rows {mib(rss.at(200_000))})")
    await mongo[profiles_collection_name(db_id)].drop()
