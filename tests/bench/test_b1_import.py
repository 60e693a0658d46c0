"""B1: a generated CSV of 1,000,000 rows × 10 columns imported through the API until the job is done:
rows/s and the importer's peak RSS (and at 200k rows, to show it is flat); baseline in the same run: a raw
PyMongo bulk upsert of the same, already-built documents into the same database."""

import asyncio
import json
import os
import random
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil
from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from tests.bench.harness import Figure, PeakRss, mib, report, timed
from tests.e2e.importing import create_database
from tests.e2e.system import RunningSystem

ROWS = int(os.environ.get("B1_ROWS", "1000000"))
FIELDS = [
    {"name": "score", "type": "number"},
    {"name": "ratio", "type": "float"},
    {"name": "plan", "type": "enum", "options": ["free", "pro", "max"]},
    {"name": "labels", "type": "tags"},
    {"name": "address", "type": "object"},
]
HEADER = "email,phones,first_name,last_name,birth_date,score,ratio,plan,labels,address"


def row(i: int, rnd: random.Random) -> tuple[str, dict[str, object]]:
    """One CSV line and the document a raw writer would store for it."""
    plan = ("free", "pro", "max")[i % 3]
    city = rnd.choice(["Oslo", "Riga", "Lima"])
    line = (
        f"user{i}@bench.example,+4791{i:06d},First{i},Last{i},1990-01-{1 + i % 28:02d},{i},{i / 7:.3f},"
        f'{plan},a|b,"{{""city"": ""{city}""}}"'
    )
    doc = {
        "email": f"user{i}@bench.example",
        "phones": [f"+4791{i:06d}"],
        "first_name": f"First{i}",
        "last_name": f"Last{i}",
        "birth_date": datetime(1990, 1, 1 + i % 28, tzinfo=UTC),
        "fields": {"score": i, "ratio": round(i / 7, 3), "plan": plan, "labels": ["a", "b"], "address": {"city": city}},
    }
    return line, doc


def write_csv(path: Path) -> None:
    rnd = random.Random(1)
    with path.open("w") as f:
        f.write(HEADER + "\n")
        for i in range(ROWS):
            f.write(row(i, rnd)[0] + "\n")


async def raw_bulk_upsert(mongo: AsyncDatabase) -> None:
    """The baseline: the same documents, already built, bulk-upserted by email, 1000 at a time."""
    target = mongo[f"baseline_{uuid.uuid4().hex[:8]}"]
    await target.create_index("email")
    rnd = random.Random(1)
    ops = []
    for i in range(ROWS):
        doc = row(i, rnd)[1]
        ops.append(UpdateOne({"email": doc["email"]}, {"$set": doc}, upsert=True))
        if len(ops) == 1000:
            await target.bulk_write(ops, ordered=False)
            ops = []
    if ops:
        await target.bulk_write(ops, ordered=False)
    await target.drop()


def importer_pid(system: RunningSystem) -> int:
    assert system.process is not None
    [p] = [
        p
        for p in psutil.Process(system.process.pid).children(recursive=True)
        if "importer_service.app" in " ".join(p.cmdline())
    ]
    return p.pid


async def test_b1_csv_import(system: RunningSystem, api: httpx.AsyncClient, mongo: AsyncDatabase) -> None:
    db_id = await create_database(api, FIELDS)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.csv"
        write_csv(path)
        size = path.stat().st_size

        async def import_through_api() -> None:
            with path.open("rb") as f:
                answer = await api.post(
                    f"/databases/{db_id}/imports",
                    files={"file": ("bench.csv", f)},
                    data={"options": json.dumps({})},
                    timeout=600,
                )
            assert answer.status_code == 202, answer.text
            job_id = answer.json()["id"]
            while True:
                job = (await api.get(f"/jobs/{job_id}")).json()
                rss.progress = job["counts"]["processed"]
                if job["status"] != "running" and job["status"] != "queued":
                    assert job["status"] == "done" and job["counts"]["created"] == ROWS, job
                    return
                await asyncio.sleep(1)

        async with PeakRss(importer_pid(system)) as rss:
            ours = await timed("import through the API", ROWS, import_through_api)
    baseline = await timed("raw PyMongo bulk upsert", ROWS, lambda: raw_bulk_upsert(mongo))
    report(
        ours,
        baseline,
        "rows",
        f"file {mib(size)}; importer peak RSS {mib(rss.peak)} (at 200k rows {mib(rss.at(200_000))})",
    )
    assert isinstance(ours, Figure)
