"""The importer's job loop: take a job by lease, run it by kind while renewing the lease, close it."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from faststream import ContextRepo
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.jobs import JobRequested

from .bulk_job import run_bulk_update
from .copy_job import run_copy
from .import_job import ImportDeps, progress, run_import
from .job_queue import JobQueue

log = logging.getLogger(__name__)

# Every kind runs with the same collaborators and the same checkpoints: (deps, job, keep_going) -> None.
RUNS = {"import": run_import, "copy": run_copy, "bulk_update": run_bulk_update}


async def cancel_requested(db: AsyncDatabase, job_id: str) -> bool:
    """The gateway marks a job cancelled in its `jobs` collection; runners read the mark between batches."""
    doc = await db.jobs.find_one({"_id": job_id}, {"cancel_requested": 1})
    return bool(doc and doc.get("cancel_requested"))


def keeper(queue: JobQueue, db: AsyncDatabase, deps: ImportDeps, job: JobRequested) -> Callable[[str], Awaitable[bool]]:
    """What a job asks between batches: go on, unless another runner took it or a cancel was asked."""

    async def keep_going(job_id: str) -> bool:
        if not await queue.renew(job_id):
            log.warning("job %s was taken by another runner; stopping here", job_id)
            return False
        if await cancel_requested(db, job_id):
            state = await deps.checkpoints.finish(job_id, "cancelled", None, "cancelled on request")
            await deps.publish(progress(job, state, "cancelled"))
            await queue.close(job_id)
            return False
        return True

    return keep_going


async def run_jobs_forever(context: ContextRepo, poll_seconds: float = 0.5) -> None:
    queue: JobQueue = context.get("job_queue")
    deps: ImportDeps = context.get("import_deps")
    db: AsyncDatabase = context.get("db")
    while True:
        job = await queue.take()
        if job is None:
            await asyncio.sleep(poll_seconds)
            continue
        keep_going = keeper(queue, db, deps, job)
        try:
            await RUNS[job.kind](deps, job, keep_going)
        except asyncio.CancelledError:
            await queue.release(job.job_id)  # clean shutdown: let another runner resume it now
            raise
        except Exception:
            # Nothing is lost: the job stays queued with its checkpoint; retry it after a pause.
            log.exception("job %s failed to run; it will be resumed", job.job_id)
            await queue.release(job.job_id)
            await asyncio.sleep(5 * poll_seconds)
            continue
        state = await deps.checkpoints.state(job.job_id)
        if state is None or state["status"] != "running":
            await queue.close(job.job_id)
