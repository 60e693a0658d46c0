"""One import job's batches, shared by every importer replica.

The runner that holds the job (by its lease, see `runner`) checks the file, counts its rows and sends one
`ImportFileBatch` request a batch, spread over the topic's partitions; the replicas' batch workers (a consumer
group) each take some. A request is a share of the work, not a given batch: its taker claims the job's next
batch number (one counter on the checkpoint), so batches are claimed in file order whatever order the partitions
deliver in, and each taker reads its batch by the field rules side by side with the others (most of an import's
work). The batches are then planned and applied in file order by whoever holds the job's turn (a lease on the
checkpoint): each sees the writes of the ones before it, exactly as one runner would (the same profile twice in
a file: the last row wins, counted once). The runner waits until every batch is applied, then writes the error
report (merged in row order) and ends the job.

Exactness after a crash is the checkpoints': a plan is stored before it is applied and the checkpoint advances
once. A turn whose holder died runs out after its lease; a batch whose claimer died is applied by the taker of a
later one once the job has not moved for a lease, reading it itself; the stored plan, if any, is applied again.
"""

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from datetime import UTC, datetime
from typing import Any

from profilehub_shared.contracts.jobs import ImportFileBatch
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.delivery import is_transient
from profilehub_shared.metrics import IMPORT_BATCH_STEPS, IMPORT_BATCHES

from .domain.matching import MatchingNotUsable
from .files import FileError
from .import_job import ImportDeps, apply_file_batch, fail, read_chunk
from .job_files import JobFile, JobFiles
from .report_lines import Item
from .writes import Reads

log = logging.getLogger(__name__)
HOLDER = f"{socket.gethostname()}:{os.getpid()}"  # a turn's holder: this process, then the taker's own id
ATTEMPTS_AT_ONE_BATCH = 5  # failures of one batch (by any replica) before the job ends failed with the error
TURN_POLL_SECONDS = 0.05
# While a taker of this process holds the turn, the others wait to be woken when it gives it (give_turn), and look
# only this often meanwhile: at 50 ms, three takers waiting two seconds a batch asked FerretDB for the job's state
# about 120 times a batch, beside the batch's write.
HELD_HERE_POLL_SECONDS = 1.0


def turn_free(state: dict[str, Any]) -> bool:
    """Nobody holds the job's turn, or its holder stopped renewing it (looked at before trying to take it)."""
    until = state.get("turn_until")
    if state.get("turn") is None or until is None:
        return True
    return bool((until if until.tzinfo else until.replace(tzinfo=UTC)) < datetime.now(UTC))


def held_here(state: dict[str, Any]) -> bool:
    """A taker of this process holds the job's turn (and keeps renewing it)."""
    return str(state.get("turn") or "").startswith(f"{HOLDER}:") and not turn_free(state)


def still_to_apply(state: dict[str, Any] | None, batch: int) -> bool:
    return state is not None and state.get("status") == "running" and state["next_batch"] <= batch


async def take_batch(deps: ImportDeps, files: JobFiles, request: ImportFileBatch) -> None:
    """Claim the job's next batch, read it, and apply it in its turn (with any before it left unapplied).

    A file that turns out unreadable, or a matching the schema no longer allows, fails the job with its reason.
    Any other error is raised for the request to come again, unless it is the batch's fifth failure (by any
    replica): then the job ends failed with the error, rather than stopping at that batch for ever."""
    job = request.job
    number = await deps.checkpoints.claim_batch(job.job_id, request.batches)
    if number is None:  # every batch is claimed (a request left over or repeated), or the job ended
        if not still_to_apply(await deps.checkpoints.state(job.job_id), request.batches - 1):
            files.drop(job.job_id)
        return
    db = await deps.schemas.get(job.database_id)
    if db is None:
        await fail(deps, job, "unknown_database", f"the database {job.database_id!r} was deleted during the import")
        return
    try:
        source = await files.of(deps, db, request)
        with IMPORT_BATCH_STEPS.labels("read").time():
            rows = await source.batch(number)
            reads = await asyncio.to_thread(read_chunk, db, job, rows, source.mapping)
        IMPORT_BATCHES.labels("read").inc()
        await apply_in_turn(deps, db, source, number, rows, reads)
    except FileError as exc:
        await fail(deps, job, exc.code, exc.message)
    except MatchingNotUsable as exc:  # the schema changed since the upload was checked
        await fail(deps, job, "invalid_matching", str(exc))
    except Exception as exc:
        if is_transient(exc):  # the database or broker away: the request comes again, and the batch is claimed again
            with contextlib.suppress(Exception):
                await deps.checkpoints.unclaim(job.job_id, number)
            raise
        failures = await deps.checkpoints.batch_failed(job.job_id, number)
        if failures < ATTEMPTS_AT_ONE_BATCH:
            log.exception("batch %d of job %s failed (attempt %d); taken again", number, job.job_id, failures)
            await deps.checkpoints.unclaim(job.job_id, number)
            raise
        log.exception("batch %d of job %s failed %d times; the job ends failed", number, job.job_id, failures)
        message = f"batch {number} failed {failures} times: {type(exc).__name__}: {exc}"
        await fail(deps, job, "repeated_failure", message[:2000])
    finally:
        if not still_to_apply(await deps.checkpoints.state(job.job_id), request.batches - 1):
            files.drop(job.job_id)  # all applied, or the job ended: this copy is done with


async def wait_for_turn(deps: ImportDeps, source: JobFile, holder: str, number: int) -> dict[str, Any] | None:
    """The job's state once `holder` has its turn, or None when batch `number` needs it no more. Looked at again
    every TURN_POLL_SECONDS (HELD_HERE_POLL_SECONDS while a taker of this process holds the turn), and at once
    when a taker in this process gives it."""
    job_id = source.job.job_id
    clock = asyncio.get_running_loop().time
    moved_at, seen_next = clock(), -1
    while True:
        seen = await deps.checkpoints.state(job_id)
        if seen is None or not still_to_apply(seen, number):
            return None
        if seen["next_batch"] != seen_next:
            moved_at, seen_next = clock(), seen["next_batch"]
        if turn_free(seen) and (seen_next == number or clock() - moved_at > deps.lease_seconds):
            state = await deps.checkpoints.take_turn(job_id, holder, number, deps.lease_seconds)
            if state is not None:
                return state
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                source.turn_given.wait(), HELD_HERE_POLL_SECONDS if held_here(seen) else TURN_POLL_SECONDS
            )


async def give_turn(deps: ImportDeps, source: JobFile, holder: str) -> None:
    """Give the job's turn back; the takers waiting for it in this process look at once."""
    await deps.checkpoints.give_turn(source.job.job_id, holder)
    given, source.turn_given = source.turn_given, asyncio.Event()
    given.set()


async def apply_in_turn(
    deps: ImportDeps, db: Database, source: JobFile, number: int, rows: list[Item], reads: Reads
) -> None:
    """Wait for the job's turn while batch `number` is still to apply; then apply the batches up to it in order.

    The turn is taken when the batch before is applied; or, when the job has not moved for a lease while the turn
    is free, to apply the batches before it too (their claimer died before applying them)."""
    job, holder = source.job, f"{HOLDER}:{uuid.uuid4().hex[:12]}"
    with IMPORT_BATCH_STEPS.labels("wait").time():
        state = await wait_for_turn(deps, source, holder, number)
    if state is None:
        return  # applied meanwhile by the holder of the turn, or the job ended
    try:
        while state is not None and still_to_apply(state, number):
            at = state["next_batch"]
            if at == number:
                await apply_file_batch(deps, db, job, at, rows, source.mapping, reads)
            else:  # its claimer stopped before applying it: read here, and applied in its place
                await apply_file_batch(deps, db, job, at, await source.batch(at), source.mapping)
            IMPORT_BATCHES.labels("applied").inc()
            state = await deps.checkpoints.take_turn(job.job_id, holder, number, deps.lease_seconds)
    finally:
        await give_turn(deps, source, holder)
