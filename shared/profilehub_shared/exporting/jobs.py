"""File jobs (profile and history exports): take a job by lease, stream its rows to a local file, store the result.

A job that a restart interrupts is taken again when its lease runs out and starts over: its rows come from a
database cursor, so a new pass is exact, and the result is stored under the job id only once the file is
complete. The gateway never sees `done` without a whole file behind it.
"""

import contextlib
import logging
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from faststream import ContextRepo
from pymongo.asynchronous.database import AsyncDatabase

from ..contracts.jobs import JobProgressed, JobRequested
from ..jobs import JobQueue, JobRunner, cancel_requested, progressed
from ..schemas import Schemas
from .results import ResultFiles
from .writers import FORMATS, open_writer

log = logging.getLogger(__name__)


@dataclass
class FileJob:
    """What a job writes: the format, the header row, each column's kind of values, how many rows, the rows, and
    whether text cells that would start a spreadsheet formula are neutralised."""

    format: str
    headers: list[str]
    kinds: list[str]
    total: int | None  # None: not known before the end
    rows: AsyncIterator[Sequence[Any]]
    neutralise_formulas: bool = True


Prepare = Callable[[JobRequested], Awaitable[FileJob]]
Publish = Callable[[JobProgressed], Awaitable[None]]


@dataclass
class FileJobs:
    db: AsyncDatabase
    queue: JobQueue
    results: ResultFiles
    publish: Publish
    prepare: Prepare
    progress_rows: int = 5000

    def __post_init__(self) -> None:
        self.runner = JobRunner(self.queue, self.publish, self.produce)

    async def run_forever(self, poll_seconds: float = 0.5) -> None:
        await self.runner.run_forever(poll_seconds)

    async def end(self, event: JobProgressed) -> None:
        await self.runner.end(event)

    async def keep_going(self, job: JobRequested, processed: int, total: int | None) -> bool:
        if not await self.queue.renew(job.job_id):
            log.warning("job %s was taken by another runner; stopping here", job.job_id)
            return False
        if await cancel_requested(self.db, job.job_id):
            await self.end(progressed(job, "cancelled", processed, total, message="cancelled on request"))
            return False
        await self.publish(progressed(job, "running", processed, total))
        return True

    async def produce(self, job: JobRequested) -> None:
        spec = await self.prepare(job)
        await self.publish(progressed(job, "running", 0, spec.total))
        path = os.path.join(tempfile.gettempdir(), f"profilehub-{job.kind}-{job.job_id}.{spec.format}")
        writer = open_writer(spec.format, path, spec.headers, spec.kinds, spec.neutralise_formulas)
        written, closed = 0, False
        try:
            async for values in spec.rows:
                writer.write(values)
                written += 1
                if written % self.progress_rows == 0 and not await self.keep_going(job, written, spec.total):
                    return
            note, closed = writer.close(), True
            await self.results.store(job.job_id, path, f"{job.kind}-{job.job_id}.{spec.format}", FORMATS[spec.format])
        finally:
            if not closed:
                with contextlib.suppress(Exception):
                    writer.close()
            with contextlib.suppress(OSError):
                os.remove(path)
        await self.end(progressed(job, "done", written, written, message=note, result_file_id=job.job_id))


PrepareFrom = Callable[[AsyncDatabase, Schemas, JobRequested], Awaitable[FileJob]]


def wire_file_jobs(
    context: ContextRepo, db: AsyncDatabase, queue_name: str, prepare: PrepareFrom, settings: Any
) -> FileJobs:
    """Put a service's file-job runner in its context (`job_queue`, `results`, `file_jobs`), from its settings
    (`job_lease_seconds`, `export_expiry_hours`, `export_progress_rows`)."""
    broker = context.get("broker")
    queue, schemas = JobQueue(db, settings.job_lease_seconds, queue_name), Schemas(db)

    async def publish(event: JobProgressed) -> None:
        await broker.publish(event, topic=JobProgressed.topic, key=event.job_id.encode())

    async def prepared(job: JobRequested) -> FileJob:
        return await prepare(db, schemas, job)

    results = ResultFiles(db, timedelta(hours=settings.export_expiry_hours))
    jobs = FileJobs(db, queue, results, publish, prepared, settings.export_progress_rows)
    context.set_global("job_queue", queue)
    context.set_global("results", results)
    context.set_global("file_jobs", jobs)
    return jobs


async def run_file_jobs(context: ContextRepo) -> None:
    """The worker of a service wired with `wire_file_jobs`."""
    jobs: FileJobs = context.get("file_jobs")
    await jobs.run_forever()
