"""Jobs a service has accepted, and leases so that exactly one replica runs each one at a time.

Each running service keeps its own queue collection (`importer_jobs`, `exporter_jobs`, `history_jobs`).
A `JobRequested` message is only acknowledged once the job is stored there; runners then take jobs by
lease. A runner that dies (kill -9 included) stops renewing its lease, and the job is taken again —
by another replica, or by the same one after a restart — and resumes from its checkpoint.
"""

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure

from profilehub_shared.contracts.jobs import JobCounts, JobProgressed, JobRequested, JobStatus
from profilehub_shared.logs import bind

log = logging.getLogger(__name__)

OWNER = f"{socket.gethostname()}:{os.getpid()}"


class JobQueue:
    def __init__(
        self, db: AsyncDatabase, lease_seconds: float, collection: str = "importer_jobs", owner: str = OWNER
    ) -> None:
        self.queue = db[collection]
        self.lease = timedelta(seconds=lease_seconds)
        self.owner = owner

    async def accept(self, job: JobRequested) -> None:
        """Store a requested job once; a redelivered request changes nothing."""
        await self.queue.update_one(
            {"_id": job.job_id},
            {
                "$setOnInsert": {
                    "request": job.model_dump_json(),
                    "state": "queued",
                    "lease_until": None,
                    "owner": None,
                    "accepted_at": datetime.now(UTC),
                }
            },
            upsert=True,
        )

    async def take(self) -> JobRequested | None:
        """Lease the oldest job that is queued, or whose runner stopped renewing its lease.

        None while the database is away: the runners' loops ask again after their pause instead of dying (a restart
        of the database used to end every job runner for good while its process lived on).
        """
        now = datetime.now(UTC)
        bind()  # the runner's log lines name the job it works on, and no other
        try:
            doc = await self.queue.find_one_and_update(
                {"state": "queued", "$or": [{"lease_until": None}, {"lease_until": {"$lt": now}}]},
                {"$set": {"owner": self.owner, "lease_until": now + self.lease}},
                sort=[("accepted_at", 1)],
                return_document=ReturnDocument.AFTER,
            )
        except ConnectionFailure as exc:
            log.warning("no job taken from %s, the database is away: %r", self.queue.name, exc)
            return None
        if doc is None:
            return None
        job = JobRequested.model_validate_json(doc["request"])
        bind(job_id=job.job_id, database_id=job.database_id)
        log.info("job %s (%s) taken from %s", job.job_id, job.kind, self.queue.name)
        return job

    async def renew(self, job_id: str) -> bool:
        """Extend the lease; False when another runner has taken the job meanwhile."""
        result = await self.queue.update_one(
            {"_id": job_id, "owner": self.owner}, {"$set": {"lease_until": datetime.now(UTC) + self.lease}}
        )
        return result.matched_count == 1

    async def close(self, job_id: str) -> None:
        await self.queue.update_one({"_id": job_id}, {"$set": {"state": "closed", "lease_until": None}})

    async def release(self, job_id: str) -> None:
        """Give the job back (clean shutdown): another runner may take it at once."""
        await self.queue.update_one({"_id": job_id, "owner": self.owner}, {"$set": {"lease_until": None}})

    async def failed(self, job_id: str, at: str) -> int:
        """Count a failed run at checkpoint `at` and give the job back; the count starts again past that point."""
        doc = await self.queue.find_one({"_id": job_id}, {"failures": 1, "failed_at": 1}) or {}
        failures = doc.get("failures", 0) + 1 if doc.get("failed_at") == at else 1
        await self.queue.update_one(
            {"_id": job_id}, {"$set": {"failures": failures, "failed_at": at, "lease_until": None}}
        )
        return failures

    async def get(self, job_id: str) -> dict[str, Any] | None:
        return await self.queue.find_one({"_id": job_id})


async def cancel_requested(db: AsyncDatabase, job_id: str) -> bool:
    """The gateway marks a job cancelled in its `jobs` collection; runners read the mark between batches."""
    doc = await db.jobs.find_one({"_id": job_id}, {"cancel_requested": 1})
    return bool(doc and doc.get("cancel_requested"))


class JobRefused(Exception):
    """The job cannot run as asked; the message says why (the database is gone, a column is unknown …)."""


def progressed(job: JobRequested, status: JobStatus, processed: int, total: int | None, **extra: Any) -> JobProgressed:
    counts = JobCounts(processed=processed, total=total, **extra.pop("counts", {}))
    return JobProgressed(
        job_id=job.job_id, kind=job.kind, database_id=job.database_id, status=status, counts=counts, **extra
    )


@dataclass
class JobRunner:
    """Takes jobs by lease and runs them to their end; a job that starts over on failure (exports, ML refreshes)
    ends `failed` after `attempts` failures in a row, with the error, instead of being retried for ever."""

    queue: JobQueue
    publish: Callable[[JobProgressed], Awaitable[None]]
    work: Callable[[JobRequested], Awaitable[JobProgressed | None]]  # the final progress, or None if it ended it
    attempts: int = 5

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
            final = await self.work(job)
            if final is not None:
                await self.end(final)
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
            log.exception("job %s failed (attempt %d of %d)", job.job_id, failures, self.attempts)
            if failures < self.attempts:
                return False
            message = f"stopped after {failures} failed attempts: {type(exc).__name__}: {exc}"[:2000]
            await self.end(progressed(job, "failed", 0, None, message=message))
        return True

    async def end(self, event: JobProgressed) -> None:
        await self.publish(event)
        await self.queue.close(event.job_id)
