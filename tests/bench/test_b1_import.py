"""B1: a generated CSV of 1,000,000 rows × 10 columns imported through the API until the job is done:
rows/s and the importer's peak RSS (and at 200k rows, to show it is flat); baseline in the same run: a raw
PyMongo bulk write of the same, already-built documents into the same database (upserts by email on MongoDB,
inserts on FerretDB: see `raw_bulk_write`)."""

import asyncio
import json
import os
import random
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from pymongo.asynchronous.database import AsyncDatabase

from tests.bench.harness import (
    Figure,
    PeakRss,
    baseline_write_name,
    batch_steps,
    is_ferretdb,
    mib,
    raw_write,
    report,
    timed,
)
from tests.e2e.importing import create_database
from tests.e2e.system import RunningSystem

ROWS = int(os.environ.get("B1_ROWS", "1000000"))
FIELDS: list[dict[str, Any]] = [
    {"name": "score", "type": "number"},
    {"name": "ratio", "type": "float"},
    {"name": "plan", "type": "enum", "options": ["free", "pro", "max"]},
    {"name": "labels", "type": "tags"},
    {"name": "address", "type": "object"},
]
HEADER = "email,phones,first_name,last_name,birth_date,score,ratio,plan,labels,address"


def row(i: int, rnd: random.Random) -> tuple[str, dict[str, Any]]:
    """One CSV line and the document a raw writer would store for it. The phones are valid Norwegian mobile numbers
    for the first 10,000,000 rows (they used to grow a digit too many past 1,000,000, so every later row had a value
    skipped and a report line: another workload)."""
    plan = ("free", "pro", "max")[i % 3]
    city = rnd.choice(["Oslo", "Riga", "Lima"])
    line = (
        f"user{i}@bench.example,+479{i:07d},First{i},Last{i},1990-01-{1 + i % 28:02d},{i},{i / 7:.3f},"
        f'{plan},a|b,"{{""city"": ""{city}""}}"'
    )
    doc = {
        "email": f"user{i}@bench.example",
        "phones": [f"+479{i:07d}"],
        "first_name": f"First{i}",
        "last_name": f"Last{i}",
        "birth_date": datetime(1990, 1, 1 + i % 28, tzinfo=UTC),
        "fields": {"score": i, "ratio": round(i / 7, 3), "plan": plan, "labels": ["a", "b"], "address": {"city": city}},
    }
    return line, doc


def write_csv(path: Path, rows: int = ROWS, line: Callable[[str], str] = lambda text: text) -> None:
    """The B1 file; `line` may change each line's text (B1u's second file)."""
    rnd = random.Random(1)
    with path.open("w") as f:
        f.write(HEADER + "\n")
        for i in range(rows):
            f.write(line(row(i, rnd)[0]) + "\n")


async def raw_bulk_write(mongo: AsyncDatabase, upserts: bool, rows: int = ROWS) -> None:
    """The baseline: the same documents, already built, written 5000 at a time with no validation or matching."""
    target = mongo[f"baseline_{uuid.uuid4().hex[:8]}"]
    await target.create_index("email")
    rnd = random.Random(1)
    docs: list[dict[str, Any]] = []
    for i in range(rows):
        docs.append(row(i, rnd)[1])
        if len(docs) == 5000 or i == rows - 1:
            await raw_write(target, docs, upserts=upserts)
            docs = []
    await target.drop()


async def import_file_through_api(
    api: httpx.AsyncClient,
    db_id: str,
    path: Path,
    rows: int,
    progress: Callable[[int], None] = lambda n: None,
    outcome: str = "created",
) -> None:
    """Upload the file, start the import and wait until it is done with every row `outcome` (created)."""
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
        progress(job["counts"]["processed"])
        if job["status"] != "running" and job["status"] != "queued":
            assert job["status"] == "done" and job["counts"][outcome] == rows, job
            return
        await asyncio.sleep(1)


async def test_b1_csv_import(system: RunningSystem, api: httpx.AsyncClient, mongo: AsyncDatabase) -> None:
    db_id = await create_database(api, FIELDS)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.csv"
        write_csv(path)
        size = path.stat().st_size

        def seen(processed: int) -> None:
            rss.progress = processed

        async with PeakRss(system.service_processes("importer")[0].pid) as rss:
            cpu_before = rss.cpu_seconds()
            ours = await timed(
                "import through the API", ROWS, lambda: import_file_through_api(api, db_id, path, ROWS, seen)
            )
            cpu = rss.cpu_seconds() - cpu_before
    steps = await batch_steps(f"http://127.0.0.1:{system.ops_ports()['importer']}/metrics")
    upserts = not await is_ferretdb(mongo)
    baseline = await timed(f"raw PyMongo {baseline_write_name(upserts)}", ROWS, lambda: raw_bulk_write(mongo, upserts))
    report(
        ours,
        baseline,
        "rows",
        f"file {mib(size)}; importer peak RSS {mib(rss.peak)} (at 200k rows {mib(rss.at(200_000))}"
        f"{f', at 1M rows {mib(rss.at(1_000_000))}' if ROWS > 1_000_000 else ''}); "
        f"importer CPU {cpu / ROWS * 1e6:.0f} µs/row ({cpu:.0f} s); {steps}",
    )
    assert isinstance(ours, Figure)
