"""Running one file import: stream the file in batches, plan → store plan → apply → advance, report errors."""

import asyncio
import contextlib
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

from .checkpoints import COUNTS, Checkpoints
from .domain.mapping import effective_mapping, record_from_row
from .error_report import write_error_report
from .files import BadRow, FileError, ReadOptions, Row, columns, count_rows, read_rows
from .repository import ProfileStore, writes_of
from .writes import Incoming, plan_batch

Publish = Any  # async (event) -> None
PublishJson = Any  # async (topic, key, JSON text) -> None
JOB_ROWS = uuid.UUID("5f0c6c52-5a52-4d3c-9a8e-6f1b1f0e2a11")


@dataclass
class ImportDeps:
    store: ProfileStore
    schemas: Schemas
    checkpoints: Checkpoints
    reports: AsyncGridFSBucket
    publish: Publish
    publish_json: PublishJson
    batch_rows: int = 1000


def read_options(p: ImportParams) -> ReadOptions:
    return ReadOptions(
        format=p.format, delimiter=p.delimiter, quotechar=p.quotechar, encoding=p.encoding, header=p.header
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


def batches(rows: Iterator[Row | BadRow], size: int) -> Iterator[list[Row | BadRow]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def rejection_rows(bad: list[BadRow], rejected: list[Any]) -> list[dict[str, Any]]:
    rows = [
        {"row": b.number, "column": "", "field": "", "value": "", "code": b.code, "message": b.message} for b in bad
    ]
    for r in rejected:
        for e in r.errors:
            rows.append(
                {
                    "row": int(r.ref),
                    "column": e.field,
                    "field": e.field,
                    "value": e.value or "",
                    "code": e.code,
                    "message": e.message,
                }
            )
    return rows


async def make_plan(
    deps: ImportDeps, db: Database, job: JobRequested, chunk: list[Row | BadRow], mapping: dict[str, str]
) -> dict[str, Any]:
    params = job.import_params
    assert params is not None
    bad = [r for r in chunk if isinstance(r, BadRow)]
    good = [r for r in chunk if isinstance(r, Row)]
    incoming = [
        Incoming(
            ref=str(r.number),
            values=record_from_row(r.values, mapping),
            from_text=r.from_text,
            new_id=f"{job.job_id[:16]}{r.number:016x}",
        )
        for r in good
    ]
    result = await plan_batch(deps.store, db, incoming, params.options, "import_file", job.job_id)
    counts = dict(result.counts)
    counts["rejected"] = counts.get("rejected", 0) + len(bad)
    counts["processed"] = len(chunk)
    return {
        "writes": writes_of(result.merged),
        "events": stored_events(result.changes),
        "rejections": rejection_rows(bad, result.rejected),
        "counts": counts,
    }


def stored_events(events: Iterable[ProfileChanged]) -> list[dict[str, str]]:
    """Events as a plan stores them (key and JSON; FerretDB stores no nested arrays), published later as they are."""
    return [{"key": e.profile_id, "json": e.model_dump_json()} for e in events]


async def publish_all(deps: ImportDeps, events: list[dict[str, str]]) -> None:
    """Publish a plan's stored events concurrently, so the producer batches them; every one is acknowledged
    before we go on. They are sent as stored: validated once when planned, not parsed again."""
    for start in range(0, len(events), 500):
        await asyncio.gather(
            *(deps.publish_json(ProfileChanged.topic, e["key"], e["json"]) for e in events[start : start + 500])
        )


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
        state = await deps.checkpoints.finish(job.job_id, "failed", None, "the database does not exist")
        await deps.publish(progress(job, state, "failed"))
        return
    path = await download(deps.store.db, params.file_id)
    try:
        await import_file(deps, db, job, params, path, state, keep_going)
    except FileError as exc:
        state = await deps.checkpoints.finish(job.job_id, "failed", None, f"{exc.code}: {exc.message}")
        await deps.publish(progress(job, state, "failed"))
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


async def import_file(
    deps: ImportDeps,
    db: Database,
    job: JobRequested,
    params: ImportParams,
    path: str,
    state: dict[str, Any] | None,
    keep_going: Any,
) -> None:
    opts = read_options(params)
    with open(path, "rb") as f:
        header = await asyncio.to_thread(columns, params.file_name, f, opts)
    mapping = effective_mapping(header, params.mapping, {f.name for f in db.custom_fields})
    unmapped = [c for c in header if c not in mapping]
    if state is None:
        with open(path, "rb") as f:
            total = await asyncio.to_thread(count_rows, params.file_name, f, opts)
        state = await deps.checkpoints.begin(job.job_id, total)
        await deps.publish(progress(job, state, "running"))
    with open(path, "rb") as f:
        chunks = batches(read_rows(params.file_name, f, opts), deps.batch_rows)
        number = 0
        while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:
            if number >= state["next_batch"]:
                if not await keep_going(job.job_id):
                    return
                plan = await deps.checkpoints.plan(job.job_id, number)
                resumed = plan is not None  # a crash came between storing this plan and advancing past it
                if plan is None:
                    plan = await make_plan(deps, db, job, chunk, mapping)
                    await deps.checkpoints.save_plan(job.job_id, number, plan)
                await deps.store.apply(db.id, plan["writes"], skip_existing=resumed)
                await publish_all(deps, plan["events"])
                await deps.checkpoints.save_rejections(job.job_id, number, plan["rejections"])
                state = await deps.checkpoints.advance(job.job_id, number, plan["counts"])
                await deps.publish(progress(job, state, "running"))
            number += 1
    report = await write_error_report(deps.checkpoints, deps.reports, job.job_id, job.database_id)
    note = f"unmapped columns ignored: {', '.join(unmapped)}" if unmapped else ""
    state = await deps.checkpoints.finish(job.job_id, "done", report, note)
    await deps.publish(progress(job, state, "done"))
