"""The B1 path in process, for profiling: batches of the B1 file read from CSV, made records, read by the field
rules, planned against a memory store and turned into writes, with each step's CPU time a row. No Kafka, no
database: what the importer's CPU does for a row, without what the system around it adds.

    python -m tests.bench.b1_in_process [BATCHES]             # each step's µs a row
    python -m tests.bench.b1_in_process BATCHES --profile     # and cProfile's top functions

Rates of a shared machine swing from run to run; instructions do not. Count them with callgrind, for 1 and for
3 batches, and divide the difference by 10,000 rows:

    valgrind --tool=callgrind --callgrind-out-file=/dev/null python -m tests.bench.b1_in_process 1
"""

import asyncio
import cProfile
import io
import pstats
import random
import sys
import time
from datetime import UTC, datetime

from importer_service.domain.mapping import effective_mapping
from importer_service.files.reading import read_rows
from importer_service.files.rows import ReadOptions
from importer_service.import_job import batches, incoming_of
from importer_service.repository import writes_of
from importer_service.writes import plan_batch, read_batch
from profilehub_shared.contracts.jobs import ImportParams, JobRequested
from profilehub_shared.contracts.schema_state import Database, DatabaseSettings
from profilehub_shared.fields import CustomField
from profilehub_shared.runtime import settle_garbage_collector
from tests.bench.test_b1_import import FIELDS, HEADER, row
from tests.unit.importer.test_writes import MemoryWriter

BATCH_ROWS = 5000
STEPS = ("csv", "records", "field rules", "plan", "writes")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def bench_database() -> Database:
    settings = DatabaseSettings.model_validate(
        {
            "name": "bench",
            "subscription_manager": {"title": "t"},
            "resource_ids": ["news"],
            "email_settings": {"from_name": "Bench", "from_email": "a@bench.example"},
        }
    )
    fields = [CustomField.model_validate(f) for f in FIELDS]
    return Database(id="db1", settings=settings, custom_fields=fields, created_at=T0, updated_at=T0)


def b1_file(rows: int) -> bytes:
    rnd = random.Random(1)
    return (HEADER + "\n" + "".join(row(i, rnd)[0] + "\n" for i in range(rows))).encode()


async def run(db: Database, data: bytes, spent: dict[str, float]) -> None:
    params = ImportParams(file_id="f", file_name="bench.csv")
    job = JobRequested(job_id="0123456789abcdef0123", kind="import", database_id=db.id, import_params=params)
    options = ReadOptions(format="csv", delimiter=None, quotechar='"', encoding=None, header=True)
    mapping = effective_mapping(HEADER.split(","), {}, {f.name for f in db.custom_fields})
    writer = MemoryWriter()
    chunks = batches(read_rows("bench.csv", io.BytesIO(data), options), BATCH_ROWS)

    def timed(step: str, started: float) -> None:
        spent[step] += time.process_time() - started

    while True:
        started = time.process_time()
        chunk = next(chunks, None)
        timed("csv", started)
        if chunk is None:
            return
        started = time.process_time()
        records = incoming_of(job, chunk, mapping)
        timed("records", started)
        started = time.process_time()
        reads = read_batch(db, records, params.options, skip_invalid_values=True)
        timed("field rules", started)
        started = time.process_time()
        result = await plan_batch(
            writer, db, records, params.options, "import_file", job.job_id, skip_invalid_values=True, reads=reads
        )
        timed("plan", started)
        started = time.process_time()
        writes_of(result.merged)
        timed("writes", started)
        assert result.counts["created"] == len(chunk), result.counts


def main(argv: list[str]) -> None:
    count = int(argv[0]) if argv and argv[0].isdigit() else 4
    db, data = bench_database(), b1_file(count * BATCH_ROWS)
    settle_garbage_collector()  # as every service does once started
    spent = dict.fromkeys(STEPS, 0.0)
    if "--profile" in argv:
        profile = cProfile.Profile()
        profile.runcall(asyncio.run, run(db, data, spent))
        pstats.Stats(profile).sort_stats("tottime").print_stats(40)
    else:
        asyncio.run(run(db, data, spent))
    rows = count * BATCH_ROWS
    steps = ", ".join(f"{step} {spent[step] / rows * 1e6:.1f}" for step in STEPS)
    print(f"{rows:,} rows, µs a row of CPU: {steps}; in all {sum(spent.values()) / rows * 1e6:.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
