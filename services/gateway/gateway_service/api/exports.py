"""Export jobs: profiles of a database (a filter, chosen fields) to CSV, JSON Lines or XLSX."""

from fastapi import APIRouter, Request

from profilehub_shared.contracts.jobs import ExportParams
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.exporting import ColumnError, profile_columns

from ..auth import Caller
from ..errors import ApiError, responses
from ..store import visible
from .deps import Db
from .jobs import Job
from .operations import check_filter, start_job

router = APIRouter(prefix="/databases/{database_id}", tags=["exports"], responses=responses(401, 404, 422))


def check_columns(database: Database, names: list[str], field: str = "fields") -> None:
    try:
        profile_columns(database, names)
    except ColumnError as exc:
        detail = exc.to_dict() | {"field": exc.field.replace("fields", field, 1)}
        raise ApiError(422, "invalid", exc.message, [detail]) from exc


@router.post(
    "/exports", status_code=202, responses=responses(413), summary="Export profiles (all, or a filter's) to a file"
)
async def export_profiles(request: Request, database_id: str, body: ExportParams, db: Db, caller: Caller) -> Job:
    """Runs as a job: follow it at `/jobs/{id}`; when done, `result_url` downloads the file until it expires.
    CSV is UTF-8 (RFC 4180) with objects and arrays as JSON text and tags joined by `,`."""
    database = await visible(db, "databases", Database, database_id, caller)
    check_columns(database, body.fields)
    check_filter(database, body.filter)
    return await start_job(request, db, database_id, export_params=body)
