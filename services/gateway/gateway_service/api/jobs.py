"""Import jobs: upload a file and start the import, follow progress, cancel, download the error report."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from bson import ObjectId
from bson.errors import InvalidId
from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, ValidationError

from profilehub_shared.contracts.jobs import ImportParams, JobCounts, JobKind, JobRequested, JobStatus
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.exporting import FORMATS
from profilehub_shared.exporting.results import BUCKET as RESULTS
from profilehub_shared.stored_files import FileTooLarge, store_file, stored_file_chunks

from ..auth import Caller
from ..errors import ApiError, not_found, responses, validation_details
from ..import_checks import refuse_known_problems, refuse_unknown_columns
from ..json_input import parse_json
from ..messages import check_fits
from ..store import visible
from .deps import Cursors, Db
from .paging import Cursor, Limit

router = APIRouter(tags=["jobs"], responses=responses(401, 404, 422))
UPLOAD_CHUNK = 1024 * 1024


class Job(BaseModel):
    """A background job and where it stands."""

    id: str
    kind: JobKind
    database_id: str
    status: JobStatus
    counts: JobCounts = Field(default_factory=JobCounts)
    message: str = ""
    code: str = Field("", description="Why it failed, machine-readable and stable (empty unless failed)")
    error_report_url: str | None = Field(
        None, description="CSV of rejected rows (row, column, field, value, code, message)"
    )
    result_url: str | None = Field(None, description="The file an export produced, until it expires")
    created_at: datetime
    updated_at: datetime


def job_of(doc: dict[str, Any]) -> Job:
    report = f"/api/v1/jobs/{doc['_id']}/error-report" if doc.get("error_report_file_id") else None
    return Job(
        id=doc["_id"],
        kind=doc["kind"],
        database_id=doc["database_id"],
        status=doc["status"],
        counts=JobCounts(**doc.get("counts", {})),
        message=doc.get("message", ""),
        code=doc.get("code", ""),
        error_report_url=report,
        result_url=f"/api/v1/jobs/{doc['_id']}/result" if doc.get("result_file_id") else None,
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
    )


def import_options(raw: str, file_id: str, file_name: str) -> ImportParams:
    options = parse_json(raw or "{}", "options")  # NaN, NUL, 1,000 levels deep … are a 422 naming the path
    try:
        if not isinstance(options, dict):
            raise ValueError("options must be a JSON object")
        return ImportParams.model_validate({**options, "file_id": file_id, "file_name": file_name})
    except ValidationError as exc:
        raise ApiError(422, "invalid", "invalid import options", validation_details(exc.errors())) from exc
    except ValueError as exc:
        raise ApiError(
            422,
            "invalid",
            f"options is not a JSON object: {exc}",
            [{"field": "options", "value": raw[:100], "code": "invalid_json", "message": str(exc)}],
        ) from exc


async def store_upload(request: Request, file: UploadFile, database_id: str) -> str:
    """Stream the upload into GridFS a few chunks at a time, refusing it past the size limit."""
    limit = request.app.state.settings.max_upload_bytes
    file_id = ObjectId()

    async def pieces() -> AsyncIterator[bytes]:
        while piece := await file.read(UPLOAD_CHUNK):
            yield piece

    metadata = {"content_type": file.content_type, "database_id": database_id}
    try:
        await store_file(request.app.state.db, "uploads", file_id, file.filename or "upload", metadata, pieces(), limit)
    except FileTooLarge as exc:
        raise ApiError(413, "too_large", f"the file is larger than {limit} bytes (MAX_UPLOAD_BYTES)") from exc
    return str(file_id)


@router.post("/databases/{database_id}/imports", status_code=202, summary="Upload a file and import it")
async def start_import(
    request: Request,
    database_id: str,
    db: Db,
    caller: Caller,
    file: UploadFile,
    options: Annotated[
        str,
        Form(
            max_length=100_000,
            description="ImportParams as JSON, without file_id/file_name: "
            "format, delimiter, encoding, header, mapping, options{matching, mode, empty, …}",
        ),
    ] = "{}",
) -> Job:
    database = await visible(db, "databases", Database, database_id, caller)
    # Refuse bad options before storing the file.
    checked = import_options(options, "0" * 24, file.filename or "upload")
    refuse_known_problems(checked, database)
    await refuse_unknown_columns(checked, file.file)
    file_id = await store_upload(request, file, database_id)
    params = import_options(options, file_id, file.filename or "upload")
    now = datetime.now(UTC)
    job_id = uuid.uuid4().hex
    event = JobRequested(job_id=job_id, kind="import", database_id=database_id, import_params=params)
    check_fits(event, "options")  # before the job is stored: a job whose command cannot be sent would wait for ever
    await db.jobs.insert_one(
        {
            "_id": job_id,
            "kind": "import",
            "database_id": database_id,
            "status": "queued",
            "counts": JobCounts().model_dump(),
            "created_at": now,
            "updated_at": now,
            "file_id": file_id,
        }
    )
    await request.app.state.broker.publish(event, topic=JobRequested.topic, key=job_id.encode())
    return job_of(await db.jobs.find_one({"_id": job_id}))


async def visible_job(db: Any, caller: Any, job_id: str) -> dict[str, Any]:
    doc = await db.jobs.find_one({"_id": job_id})
    if doc is None:
        raise not_found("job", job_id)
    try:
        await visible(db, "databases", Database, doc["database_id"], caller)
    except ApiError:
        if not caller.is_admin:  # a deleted database's jobs stay visible to the admin only
            raise not_found("job", job_id) from None
    return doc


class JobPage(BaseModel):
    items: list[Job]
    next_cursor: str | None = None


def jobs_cursor(doc: dict[str, Any]) -> str:
    created = doc["created_at"] if doc["created_at"].tzinfo else doc["created_at"].replace(tzinfo=UTC)
    return f"{created.isoformat()}|{doc['_id']}"


def before_cursor(cursor: str) -> dict[str, Any]:
    """Jobs listed after `cursor`: older, or as old with a smaller id (newest first)."""
    at_text, _, last_id = cursor.partition("|")
    try:
        at = datetime.fromisoformat(at_text)
    except ValueError as exc:
        raise ApiError(
            422, "invalid", "not a cursor of this listing",
            [{"field": "cursor", "value": cursor[:100], "code": "invalid_cursor", "message": str(exc)}],
        ) from exc  # fmt: skip
    return {"$or": [{"created_at": {"$lt": at}}, {"created_at": at, "_id": {"$lt": last_id}}]}


@router.get("/databases/{database_id}/jobs", summary="A database's jobs, newest first")
async def list_jobs(
    database_id: str,
    db: Db,
    caller: Caller,
    cursors: Cursors,
    kind: Annotated[JobKind | None, Query(description="Only jobs of this kind")] = None,
    status: Annotated[JobStatus | None, Query(description="Only jobs in this status")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> JobPage:
    """Jobs started through the API and jobs the services started themselves (suppression refreshes when a list
    changes, the daily Best Send Time refresh), each from its first progress report."""
    await visible(db, "databases", Database, database_id, caller)
    query: dict[str, Any] = {"database_id": database_id}
    query |= {"kind": kind} if kind else {}
    query |= {"status": status} if status else {}
    listing = f"jobs:{database_id}"
    if (position := cursors.read(listing, cursor)) is not None:
        query = {"$and": [query, before_cursor(position)]}
    found = db.jobs.find(query, batch_size=limit + 1).sort([("created_at", -1), ("_id", -1)]).limit(limit + 1)
    docs = [d async for d in found]
    more = len(docs) > limit
    next_cursor = cursors.sign(listing, jobs_cursor(docs[limit - 1]) if more else None)
    return JobPage(items=[job_of(d) for d in docs[:limit]], next_cursor=next_cursor)


@router.get("/jobs/{job_id}", summary="A job's status and counts")
async def get_job(job_id: str, db: Db, caller: Caller) -> Job:
    return job_of(await visible_job(db, caller, job_id))


@router.post(
    "/jobs/{job_id}/cancel",
    status_code=202,
    responses=responses(409),
    summary="Ask a running job to stop after its current batch",
)
async def cancel_job(job_id: str, db: Db, caller: Caller) -> Job:
    doc = await visible_job(db, caller, job_id)
    if doc["status"] in ("done", "failed", "cancelled"):
        raise ApiError(409, "conflict", f"job {job_id!r} has ended ({doc['status']}); nothing to cancel")
    await db.jobs.update_one({"_id": job_id}, {"$set": {"cancel_requested": True}})
    return job_of(await db.jobs.find_one({"_id": job_id}))


@router.get(
    "/jobs/{job_id}/error-report",
    summary="Download the CSV of rejected rows",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
async def error_report(job_id: str, db: Db, caller: Caller) -> StreamingResponse:
    doc = await visible_job(db, caller, job_id)
    if not doc.get("error_report_file_id"):
        raise ApiError(404, "not_found", f"job {job_id!r} has no error report (nothing rejected, or not done)")
    try:
        report = ObjectId(doc["error_report_file_id"])
    except InvalidId as exc:
        raise not_found("error report", job_id) from exc
    if await db["reports.files"].count_documents({"_id": report}) == 0:
        raise not_found("error report", job_id)
    return StreamingResponse(
        stored_file_chunks(db, "reports", report),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="import-{job_id}-errors.csv"'},
    )


@router.get(
    "/jobs/{job_id}/result",
    summary="Download the file an export job produced",
    response_class=StreamingResponse,
    responses={200: {"content": {t: {} for t in FORMATS.values()}}, 410: {"description": "The result expired"}},
)
async def job_result(job_id: str, db: Db, caller: Caller) -> StreamingResponse:
    doc = await visible_job(db, caller, job_id)
    file_id = doc.get("result_file_id")
    if not file_id:
        raise ApiError(404, "not_found", f"job {job_id!r} has no result (not an export, or not done)")
    meta = await db[f"{RESULTS}.files"].find_one({"_id": file_id})
    if meta is None:
        raise ApiError(410, "expired", f"the result of job {job_id!r} expired and was removed; export again")
    return StreamingResponse(
        stored_file_chunks(db, RESULTS, file_id),
        media_type=(meta.get("metadata") or {}).get("content_type", "application/octet-stream"),
        headers={"Content-Disposition": f'attachment; filename="{meta.get("filename", job_id)}"'},
    )
