"""Running one file import: stream the file in batches, plan → store plan → apply → advance, report errors."""

import asyncio
import contextlib
import json
import os
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from bson import ObjectId
from gridfs import AsyncGridFSBucket
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.jobs import ImportParams, JobCounts, JobProgressed, JobRequested
from profilehub_shared.contracts.profiles import ProfileChanged
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.mongo import stored_file_chunks
from profilehub_shared.schemas import Schemas

from .checkpoints import COUNTS, Checkpoints, storable
from .domain.mapping import effective_mapping, record_from_row, unknown_targets
from .domain.matching import MatchingNotUsable
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
    read_rows,
)
from .repository import ProfileStore, writes_of
from .writes import Incoming, Reads, jsonable, plan_batch, read_batch

Publish = Any  # async (event) -> None
PublishChanges = Any  # async (stored change events: key and JSON) -> None, every one acknowledged
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
    batch_rows: int = 1000
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


async def download(db: AsyncDatabase, file_id: str) -> str:
    """Copy the upload to a local temporary file, chunk by chunk (memory stays flat).

    The file is named by the upload, so an importer killed mid-job leaves no stray copy: the resumed job
    writes over it and removes it when done.
    """
    upload = ObjectId(file_id)  # validated before it names a file
    path = os.path.join(tempfile.gettempdir(), f"profilehub-import-{upload}")
    with open(path, "wb") as out:
        async for chunk in stored_file_chunks(db, "uploads", upload):
            out.write(chunk)
    return path


Item = tuple[int, Row | BadRow]  # a row and its position in the whole file (archives: across members)


def batches(rows: Iterator[Row | BadRow], size: int) -> Iterator[list[Item]]:
    """Rows in batches, each numbered by its position in the file: unique across archive members (whose row
    numbers each start again at 1), and the same on every reading, so ids derived from it survive a resume."""
    numbered = enumerate(rows)
    while chunk := list(islice(numbered, size)):
        yield chunk


def rejection_rows(
    chunk: list[Item], rejected: list[Any], skipped: list[Any], mapping: dict[str, str]
) -> list[dict[str, Any]]:
    """Report lines in file order: unreadable rows, each reason of each rejected row, each value left out of a
    written row; named by member, row and the file's own column, the value as the file has it."""
    columns_of = {target: column for column, target in reversed(mapping.items())}
    lines: list[tuple[int, dict[str, Any]]] = []
    for at, row in chunk:
        if isinstance(row, BadRow):
            lines.append((at, {"row": row.number, "member": row.member or "", "code": row.code,
                               "message": row.message, "result": ROW_REJECTED}))  # fmt: skip
    position = {str(at): (at, row) for at, row in chunk}
    for result, found in ((ROW_REJECTED, rejected), (VALUE_SKIPPED, skipped)):
        for r in found:
            at, row = position[r.ref]
            assert isinstance(row, Row)  # only readable rows are written or rejected
            for e in r.errors:
                column = columns_of.get(top_field_name(e.field), "")
                lines.append((at, report_line(row, column, e, result)))
    lines.sort(key=lambda line: line[0])  # stable: a row's reasons keep their order
    return [line for _, line in lines]


ROW_REJECTED, VALUE_SKIPPED = "row_rejected", "value_skipped"


def top_field_name(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]


def report_line(row: Row, column: str, error: Any, result: str) -> dict[str, Any]:
    return {
        "row": row.number,
        "member": row.member or "",
        "column": column,
        "field": error.field,
        "value": cell_as_text(row.values.get(column)) if column else "",
        "code": error.code,
        "message": error.message,
        "result": result,
    }


def cell_as_text(value: object) -> str:
    """A cell as the report shows it: text as it is, nothing for a missing value, JSON for anything else."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(jsonable(value), ensure_ascii=False, default=str)
    return storable(text[:MAX_REPORT_VALUE])  # the plan keeps the lines: NUL and lone surrogates as escapes


MAX_REPORT_VALUE = 1000


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
        state = await deps.checkpoints.begin(job.job_id, total)
        await deps.publish(progress(job, state, "running"))
    with open(path, "rb") as f:
        chunks = batches(read_rows(params.file_name, f, opts), deps.batch_rows)
        number, chunk = 0, await asyncio.to_thread(next, chunks, None)
        ahead: asyncio.Future[Reads] | None = None  # the next batch, read by the field rules meanwhile
        try:
            while chunk is not None:
                following = await asyncio.to_thread(next, chunks, None)
                reads, ahead = ahead, None
                if number >= state["next_batch"]:
                    if not await keep_going(job.job_id):
                        if reads is not None:
                            reads.cancel()
                        return
                    # A plan stored already: a crash came between storing it and advancing past it; applied again.
                    plan = await deps.checkpoints.plan(job.job_id, number)
                    if plan is None:
                        plan = await make_plan(deps, db, job, chunk, mapping, await reads if reads else None)
                        await deps.checkpoints.save_plan(job.job_id, number, plan)
                    elif reads is not None:
                        reads.cancel()
                    if following is not None:  # read while this batch is written: planning needs its writes
                        ahead = asyncio.ensure_future(asyncio.to_thread(read_chunk, db, job, following, mapping))
                    await deps.store.apply(db.id, plan["writes"])
                    await publish_all(deps, plan["events"])
                    await deps.checkpoints.save_rejections(job.job_id, number, plan["rejections"])
                    state = await deps.checkpoints.advance(job.job_id, number, plan["counts"])
                    await deps.publish(progress(job, state, "running"))
                number, chunk = number + 1, following
        finally:
            if ahead is not None:  # stopped or failed meanwhile: the reading in hand is dropped
                ahead.cancel()
    report = await write_error_report(deps.checkpoints, deps.reports, job.job_id, job.database_id)
    absent = [c for c in params.mapping if c not in mapping]  # JSON files: no object had the key
    notes = [f"unmapped columns ignored: {', '.join(map(repr_if_odd, unmapped))}"] if unmapped else []
    notes += [f"mapped columns not in the file: {', '.join(map(repr_if_odd, absent))}"] if absent else []
    note = "; ".join(notes)
    state = await deps.checkpoints.finish(job.job_id, "done", report, note)
    await deps.publish(progress(job, state, "done"))
