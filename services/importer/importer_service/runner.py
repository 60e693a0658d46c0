"""The importer's job loop: take a job by lease, run it by kind while renewing the lease, close it."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from faststream import ContextRepo
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.jobs import JobRequested
from profilehub_shared.jobs import JobQueue, cancel_requested

from .bulk_job import run_bulk_update
from .copy_job import run_copy
from .import_job import ImportDeps, progress, run_import
from .suppression_job import run_suppression_refresh

log = logging.getLogger(__name__)

# Every kind runs with the same collaborators and the same checkpoints: (deps, job, keep_going) -> None.
RUNS = {
    "import": run_import,
    "copy": run_copy,
    "bulk_update": run_bulk_update,
    "suppression_refresh": run_suppression_refresh,
}
ATTEMPTS_AT_ONE_POINT = 5


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
        if not await run_job(queue, deps, job, keeper(queue, db, deps, job)):
            await asyncio.sleep(5 * poll_seconds)


async def run_job(
    queue: JobQueue, deps: ImportDeps, job: JobRequested, keep_going: Callable[[str], Awaitable[bool]]
) -> bool:
    """Run a taken job by its kind; False when it failed and will be resumed from its checkpoint.

    A job that fails `ATTEMPTS_AT_ONE_POINT` times without getting past its checkpoint (a bug, a value the
    database refuses) ends `failed` with the error, instead of being retried for ever.
    """
    try:
        await RUNS[job.kind](deps, job, keep_going)
    except asyncio.CancelledError:
        await queue.release(job.job_id)  # clean shutdown: let another runner resume it now
        raise
    except Exception as exc:
        # Nothing is lost: the job stays queued with its checkpoint and is taken again.
        try:
            state = await deps.checkpoints.state(job.job_id) or {}
            failures = await queue.failed(job.job_id, f"{state.get('next_batch')}:{state.get('after')}")
        except Exception:  # the database itself is away: the lease runs out and the job is taken again
            log.exception("job %s failed to run and its failure could not be recorded", job.job_id)
            return False
        if failures < ATTEMPTS_AT_ONE_POINT:
            log.exception("job %s failed to run (attempt %d); it will be resumed", job.job_id, failures)
            return False
        log.exception("job %s failed %d times at the same point; it ends failed", job.job_id, failures)
        message = f"stopped after {failures} failed attempts at the same point: {type(exc).__name__}: {exc}"
        state = await deps.checkpoints.finish(job.job_id, "failed", None, message[:2000], "repeated_failure")
        await deps.publish(progress(job, state, "failed", message[:2000]))
        await queue.close(job.job_id)
        return True
    after = await deps.checkpoints.state(job.job_id)
    if after is None or after["status"] != "running":
        await queue.close(job.job_id)
    return True
