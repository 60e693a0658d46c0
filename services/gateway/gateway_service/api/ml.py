"""Best Send Time: an on-demand refresh of a database's scores (the daily one runs by itself)."""

from fastapi import APIRouter, Request

from profilehub_shared.contracts.schema_state import Database

from ..auth import Caller
from ..errors import ApiError, responses
from ..store import visible
from .deps import Db
from .jobs import Job
from .operations import start_job

router = APIRouter(prefix="/databases/{database_id}", tags=["best send time"], responses=responses(401, 404, 409))


@router.post("/ml/refresh", status_code=202, summary="Refresh every profile's best send time now")
async def refresh_best_send_time(request: Request, database_id: str, db: Db, caller: Caller) -> Job:
    """Runs as a job on one ML replica: reads the last 180 days of sends and opens/clicks, scores each profile and
    writes `ml.bst`; the database's `ml.last_refresh_at` and `ml.next_refresh_at` show when it ran and is next due."""
    database = await visible(db, "databases", Database, database_id, caller)
    if not database.settings.ml_enabled:
        raise ApiError(
            409, "conflict", f"Best Send Time is off for database {database_id!r}; set settings.ml_enabled first",
            [{"field": "ml_enabled", "value": "false", "code": "ml_disabled", "message": "Best Send Time is off"}],
        )  # fmt: skip
    return await start_job(request, db, database_id, kind="ml_refresh")
