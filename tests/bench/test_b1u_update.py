"""B1u: the B1 file imported again with new names (B1U_ROWS rows, 200,000 by default), so that every row
updates the profile it matches by email: what a CRM's nightly re-export of its contacts does. Baseline in the
same run: raw PyMongo bulk `$set`s by `_id` of the same two names and the update time, 5,000 at a time, on a
collection holding the same documents (the raw writer knows each profile's id; the importer finds it by email)."""

import os
import random
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from tests.bench.harness import Figure, PeakRss, batch_steps, report, step_totals, timed
from tests.bench.test_b1_import import FIELDS, import_file_through_api, row, write_csv
from tests.e2e.importing import create_database
from tests.e2e.system import RunningSystem

ROWS = int(os.environ.get("B1U_ROWS", "200000"))
BATCH = 5000


def renamed(line: str) -> str:
    """A B1 line with new first and last names (the same email, so the same profile)."""
    return line.replace(",First", ",Given").replace(",Last", ",Family")


async def raw_bulk_update(mongo: AsyncDatabase, rows: int = ROWS) -> Figure:
    """The baseline: the B1 documents inserted (not timed), then the new names set by `_id`, 5,000 at a time."""
    target = mongo[f"baseline_{uuid.uuid4().hex[:8]}"]
    rnd = random.Random(1)
    docs: list[dict[str, Any]] = []
    for i in range(rows):
        docs.append({"_id": f"p{i}", **row(i, rnd)[1]})
        if len(docs) == BATCH or i == rows - 1:
            await target.insert_many(docs, ordered=False)
            docs = []

    async def update() -> None:
        now = datetime.now(UTC)
        for start in range(0, rows, BATCH):
            sets = [
                UpdateOne(
                    {"_id": f"p{i}"},
                    {"$set": {"first_name": f"Given{i}", "last_name": f"Family{i}", "updated_at": now}},
                )
                for i in range(start, min(start + BATCH, rows))
            ]
            await target.bulk_write(sets, ordered=False)

    try:
        return await timed("raw PyMongo bulk $set by _id", rows, update)
    finally:
        await target.drop()


async def test_b1u_update_import(system: RunningSystem, api: httpx.AsyncClient, mongo: AsyncDatabase) -> None:
    db_id = await create_database(api, FIELDS)
    metrics = f"http://127.0.0.1:{system.ops_ports()['importer']}/metrics"
    with tempfile.TemporaryDirectory() as tmp:
        first, second = Path(tmp) / "b1.csv", Path(tmp) / "b1u.csv"
        write_csv(first, ROWS)
        write_csv(second, ROWS, renamed)
        await import_file_through_api(api, db_id, first, ROWS)
        since = await step_totals(metrics)
        async with PeakRss(system.service_processes("importer")[0].pid) as rss:
            cpu_before = rss.cpu_seconds()
            ours = await timed(
                "re-import through the API (every row an update)",
                ROWS,
                lambda: import_file_through_api(api, db_id, second, ROWS, outcome="updated"),
            )
            cpu = rss.cpu_seconds() - cpu_before
    steps = await batch_steps(metrics, since)
    baseline = await raw_bulk_update(mongo)
    report(ours, baseline, "rows", f"importer CPU {cpu / ROWS * 1e6:.0f} µs/row ({cpu:.0f} s); {steps}")
    assert isinstance(ours, Figure)
