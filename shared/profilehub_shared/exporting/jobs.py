"""File jobs (profile and history exports): take a job by lease, stream its rows to a local file, store the result.

A job that a restart interrupts is taken again when its lease runs out and starts over: its rows come from a
database cursor, so a new pass is exact, and the result is stored under the job id only once the file is
complete. The gateway never sees `done` without a whole file behind it.
"""

import asyncio
import contextlib
import logging
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from ..contracts.jobs import JobCounts, JobProgressed, JobRequested, JobStatus
from ..jobs import JobQueue, cancel_requested
from .results import ResultFiles
from .writers import FORMATS, open_writer

log = logging.getLogger(__name__)
ATTEMPTS = 5


class JobRefused(Exception):
    """The job cannot run as asked; the message says why (the database is gone, a column is unknown …)."""


@dataclass
class FileJob:
    """What a job writes: the format, the header row, which columns hold tags, how many rows, the rows."""

    format: str
    headers: list[str]
    tags: list[bool]
    total: int | None  # None: not known before the end
    rows: AsyncIterator[Sequence[Any]]


Prepare = Callable[[JobRequested], Awaitable[FileJob]]
Publish = Callable[[JobProgressed], Awaitable[None]]


def progressed(job: JobRequested, status: JobStatus, processed: int, total: int | None, **extra: Any) -> JobProgressed:
    counts = JobCounts(processed=processed, total=total)
    return JobProgressed(
        job_id=job.job_id, kind=job.kind, database_id=job.database_id, status=status, counts=counts, **extra
    )


@dataclass
class FileJobs:
    db: AsyncDatabase
    queue: JobQueue
    results: ResultFiles
    publish: Publish
    prepare: Prepare
    progress_rows: int = 5000

    async def run_forever(self, poll_seconds: float = 0.5) -> None:
        while True:
            job = await self.queue.take()
            if job is None:
                await asyncio.sleep(poll_seconds)
                continue
            if not await self.run(job):
                await asyncio.sleep(5 * poll_seconds)

    async def run(self, job: JobRequested) -> bool:
        """Run a taken job to its end; False when it failed and will be tried again."""
        try:
            await self.produce(job)
        except asyncio.CancelledError:
            await self.queue.release(job.job_id)  # clean shutdown: another runner may start it at once
            raise
        except JobRefused as refused:
            await self.end(progressed(job, "failed", 0, None, message=str(refused)[:2000]))
        except Exception as exc:
            try:
                failures = await self.queue.failed(job.job_id, "start")  # every attempt starts over
            except Exception:
                log.exception("job %s failed and its failure could not be recorded", job.job_id)
                return False
            log.exception("job %s failed (attempt %d of %d)", job.job_id, failures, ATTEMPTS)
            if failures < ATTEMPTS:
                return False
            message = f"stopped after {failures} failed attempts: {type(exc).__name__}: {exc}"[:2000]
            await self.end(progressed(job, "failed", 0, None, message=message))
        return True

    async def end(self, event: JobProgressed) -> None:
        await self.publish(event)
        await self.queue.close(event.job_id)

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
        writer = open_writer(spec.format, path, spec.headers, spec.tags)
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
