"""Running one file import: stream the file in batches, plan → store plan → apply → advance, report errors."""

import asyncio
import contextlib
import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from math import ceil
from typing import Any

from gridfs import AsyncGridFSBucket

from profilehub_shared.contracts.jobs import ImportFileBatch, ImportParams, JobCounts, JobProgressed, JobRequested
from profilehub_shared.contracts.profiles import ProfileChanged
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.metrics import IMPORT_BATCH_STEPS
from profilehub_shared.schemas import Schemas

from .checkpoints import COUNTS, Checkpoints
from .domain.mapping import effective_mapping, record_from_row, unknown_targets
from .domain.matching import MatchingNotUsable
from .downloads import download
from .error_report import write_error_report
from .files import (
    MAX_ARCHIVE_BYTES,
    MAX_ARCHIVE_RATIO,
    BadRow,
    FileError,
    ReadOptions,
    Row,
    columns,
    count_rows,
)
from .report_lines import Item, rejection_rows
from .repository import ProfileStore, writes_of
from .writes import Incoming, Reads, plan_batch, read_batch

Publish = Any  # async (event) -> None
PublishChanges = Any  # async (stored change events: key and JSON) -> None, every one acknowledged
ShareBatches = Any  # async (batch requests of one job) -> None, every one acknowledged
JOB_ROWS = uuid.UUID("5f0c6c52-5a52-4d3c-9a8e-6f1b1f0e2a11")


@dataclass(frozen=True)
class ArchiveLimits:
    """How far an archive (or XLSX) may expand: bytes in all, and times its own size (the zip-bomb guard)."""

    max_bytes: int = MAX_ARCHIVE_BYTES
    max_ratio: int = MAX_ARCHIVE_RATIO


@dataclass
class ImportDeps:
    store: ProfileStore
    schemas: Schemas
    checkpoints: Checkpoints
    reports: AsyncGridFSBucket
    publish: Publish
    publish_changes: PublishChanges
    share_batches: ShareBatches
    batch_rows: int = 1000
    lease_seconds: float = 30.0  # of a job's turn to apply batches (see batch_sharing)
    limits: ArchiveLimits = ArchiveLimits()


def read_options(p: ImportParams, limits: ArchiveLimits) -> ReadOptions:
    return ReadOptions(
        format=p.format,
        delimiter=p.delimiter,
        quotechar=p.quotechar,
        encoding=p.encoding,
        header=p.header,
        max_archive_bytes=limits.max_bytes,
        max_archive_ratio=limits.max_ratio,
    )


def batches(rows: Iterator[Row | BadRow], size: int) -> Iterator[list[Item]]:
    """Rows in batches, each numbered by its position in the file: unique across archive members (whose row
    numbers each start again at 1), and the same on every reading, so ids derived from it survive a resume."""
    numbered = enumerate(rows)
    while chunk := list(islice(numbered, size)):
        yield chunk


def incoming_of(job: JobRequested, chunk: list[Item], mapping: dict[str, str]) -> list[Incoming]:
    """The batch's readable rows as records to write, each with the id a new profile of it gets."""
    return [
        Incoming(
            ref=str(at),
            values=record_from_row(r.values, mapping),
            from_text=r.from_text,
            new_id=f"{job.job_id[:16]}{at:016x}",
        )
        for at, r in chunk
        if isinstance(r, Row)
    ]


def read_chunk(db: Database, job: JobRequested, chunk: list[Item], mapping: dict[str, str]) -> Reads:
    """The batch read by the field rules (CPU only: run in a thread while the batch before is written)."""
    params = job.import_params
    assert params is not None
    skip = params.invalid_values == "skip_value"
    return read_batch(db, incoming_of(job, chunk, mapping), params.options, skip_invalid_values=skip)


async def make_plan(
    deps: ImportDeps,
    db: Database,
    job: JobRequested,
    chunk: list[Item],
    mapping: dict[str, str],
    reads: Reads | None = None,
) -> dict[str, Any]:
    params = job.import_params
    assert params is not None
    bad = [r for _, r in chunk if isinstance(r, BadRow)]
    result = await plan_batch(
        deps.store,
        db,
        incoming_of(job, chunk, mapping) if reads is None else [item for item, _ in reads],
        params.options,
        "import_file",
        job.job_id,
        skip_invalid_values=params.invalid_values == "skip_value",
        reads=reads,
    )
    counts = dict(result.counts)
    counts["rejected"] = counts.get("rejected", 0) + len(bad)
    counts["processed"] = len(chunk)
    return {
        "writes": writes_of(result.merged),
        "events": result.events,
        "rejections": rejection_rows(chunk, result.rejected, result.skipped, mapping),
        "counts": counts,
    }


def repr_if_odd(column: str) -> str:
    """A column name as the note shows it: as it is, or quoted with escapes when it holds control characters."""
    return column if column.isprintable() else ascii(column)


def stored_events(events: Iterable[ProfileChanged]) -> list[dict[str, str]]:
    """Events as a plan stores them (key and JSON; FerretDB stores no nested arrays), published later as they are."""
    return [{"key": e.profile_id, "json": e.model_dump_json()} for e in events]


async def publish_all(deps: ImportDeps, events: list[dict[str, str]]) -> None:
    """Publish a plan's stored events, as stored: validated once when planned, not parsed again. Every one is
    acknowledged before we go on (in batches per partition, see keyed_batches)."""
    for start in range(0, len(events), 5000):
        await deps.publish_changes(events[start : start + 5000])


async def apply_file_batch(
    deps: ImportDeps,
    db: Database,
    job: JobRequested,
    number: int,
    chunk: list[Item],
    mapping: dict[str, str],
    reads: Reads | None = None,
) -> dict[str, Any]:
    """Batch `number` of the file: planned (or its stored plan, when a crash came between storing and advancing
    past it), the plan stored, applied, its events published and its report lines stored; then the checkpoint
    advances past it. Returns the job's state after it."""
    step = IMPORT_BATCH_STEPS.labels
    with step("plan").time():
        plan = await deps.checkpoints.plan(job.job_id, number)
        planned_now = plan is None
        if plan is None:
            plan = await make_plan(deps, db, job, chunk, mapping, reads)
    if planned_now:
        with step("store_plan").time():
            await deps.checkpoints.save_plan(job.job_id, number, plan)
    with step("write").time():
        await deps.store.apply(db.id, plan["writes"], fresh=planned_now)
    with step("publish").time():
        await publish_all(deps, plan["events"])
    with step("report").time():
        await deps.checkpoints.save_rejections(job.job_id, number, plan["rejections"])
    with step("advance").time():
        state = await deps.checkpoints.advance(job.job_id, number, plan["counts"])
    # Its status as stored: a batch that was being applied when the job was cancelled is counted, and says so.
    await deps.publish(progress(job, state, state.get("status", "running")))
    return state


def progress(job: JobRequested, state: dict[str, Any], status: str, message: str = "") -> JobProgressed:
    counts = JobCounts(
        total=state.get("total"),
        **{k: state.get(k, 0) for k in COUNTS},
    )
    return JobProgressed(
        job_id=job.job_id,
        kind=job.kind,
        database_id=job.database_id,
        status=status,
        counts=counts,
        message=message or state.get("message", ""),
        code=state.get("code", ""),
        error_report_file_id=state.get("error_report_file_id"),
    )


async def run_import(deps: ImportDeps, job: JobRequested, keep_going: Any) -> None:
    """Run (or resume) an import until done, failed or cancelled; `keep_going()` is False to stop early."""
    params = job.import_params
    state = await deps.checkpoints.state(job.job_id)
    if state and state["status"] != "running":
        await deps.publish(progress(job, state, state["status"]))
        return
    db = await deps.schemas.get(job.database_id)
    if db is None or params is None:
        await fail(deps, job, "unknown_database", f"the database {job.database_id!r} does not exist")
        return
    path = await download(deps.store.db, params.file_id)
    try:
        await import_file(deps, db, job, params, path, state, keep_going)
    except FileError as exc:
        await fail(deps, job, exc.code, exc.message)
    except MatchingNotUsable as exc:  # the schema changed since the upload was checked
        await fail(deps, job, "invalid_matching", str(exc))
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


async def share(deps: ImportDeps, job: JobRequested, state: dict[str, Any], count: int) -> None:
    """Ask the importer replicas for the batches left: one request each, claimed from the next one to apply."""
    if state["next_batch"] >= count:
        return
    await deps.checkpoints.claims_from_next(job.job_id)
    batch_rows = state.get("batch_rows") or deps.batch_rows
    request = ImportFileBatch(job=job, batches=count, batch_rows=batch_rows)
    await deps.share_batches([request] * (count - state["next_batch"]))


async def applied_all(deps: ImportDeps, job: JobRequested, count: int, keep_going: Any) -> dict[str, Any] | None:
    """Wait while the importer replicas apply the job's batches (see batch_sharing), keeping the job's lease; the
    state once all `count` are applied, or None when the job ended otherwise or this runner lost it.

    Batches left behind (requests parked, or lost with a topic; claims of takers that died) are asked for again
    when the job has not moved for a while: a batch applied already is skipped, so asking twice is harmless."""
    moved_at, seen = asyncio.get_running_loop().time(), -1
    while True:
        state = await deps.checkpoints.state(job.job_id) or {}
        if state.get("status") != "running":
            return None
        if state["next_batch"] >= count:
            return state
        if not await keep_going(job.job_id):
            return None
        now = asyncio.get_running_loop().time()
        if state["next_batch"] != seen:
            moved_at, seen = now, state["next_batch"]
        elif now - moved_at > STALLED_AFTER * deps.lease_seconds:
            await share(deps, job, state, count)
            moved_at = now
        await asyncio.sleep(WAIT_SECONDS)


STALLED_AFTER = 2  # leases of a turn without a batch applied
WAIT_SECONDS = 0.2


async def fail(deps: ImportDeps, job: JobRequested, code: str, message: str) -> None:
    """End the job failed with a stable code and the reason; rows rejected before the failure stay reported."""
    report = await write_error_report(deps.checkpoints, deps.reports, job.job_id, job.database_id)
    state = await deps.checkpoints.finish(job.job_id, "failed", report, message, code)
    await deps.publish(progress(job, state, "failed"))


async def import_file(
    deps: ImportDeps,
    db: Database,
    job: JobRequested,
    params: ImportParams,
    path: str,
    state: dict[str, Any] | None,
    keep_going: Any,
) -> None:
    opts = read_options(params, deps.limits)
    custom = {f.name for f in db.custom_fields}
    if unknown := unknown_targets(params.mapping, custom):
        wrong = ", ".join(f"{c!a} → {params.mapping[c]!a}" for c in unknown)
        raise FileError("unknown_field", f"the mapping names fields the database does not have: {wrong}")
    with open(path, "rb") as f:
        header = await asyncio.to_thread(columns, params.file_name, f, opts)
    mapping = effective_mapping(header, params.mapping, custom)
    unmapped = [c for c in header if c not in mapping]
    if state is None:
        with open(path, "rb") as f:
            total = await asyncio.to_thread(count_rows, params.file_name, f, opts)
        state = await deps.checkpoints.begin(job.job_id, total, deps.batch_rows)
        await deps.publish(progress(job, state, "running"))
    batch_rows = state.get("batch_rows") or deps.batch_rows  # as when the job began: batch numbers stay
    count = ceil((state["total"] or 0) / batch_rows)
    await share(deps, job, state, count)
    if await applied_all(deps, job, count, keep_going) is None:
        return  # ended meanwhile (failed by a batch, or cancelled), or taken by another runner
    report = await write_error_report(deps.checkpoints, deps.reports, job.job_id, job.database_id)
    absent = [c for c in params.mapping if c not in mapping]  # JSON files: no object had the key
    notes = [f"unmapped columns ignored: {', '.join(map(repr_if_odd, unmapped))}"] if unmapped else []
    notes += [f"mapped columns not in the file: {', '.join(map(repr_if_odd, absent))}"] if absent else []
    note = "; ".join(notes)
    state = await deps.checkpoints.finish(job.job_id, "done", report, note)
    await deps.publish(progress(job, state, "done"))
