"""Operations on a database's profiles that run as jobs: copy them to another database, bulk update them."""

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request

from profilehub_shared.contracts.jobs import (
    BulkUpdateParams,
    ChangeSubscription,
    CopyParams,
    JobCounts,
    JobRequested,
    PromoAction,
)
from profilehub_shared.contracts.schema_state import Database, PromoPool
from profilehub_shared.filters import Filter, FilterError, to_query

from ..auth import Caller
from ..errors import ApiError, responses
from ..messages import check_fits
from ..store import visible
from .deps import Db
from .jobs import Job, job_of
from .profiles import filter_error

router = APIRouter(prefix="/databases/{database_id}", tags=["operations"], responses=responses(401, 404, 422))


def check_filter(database: Database, flt: Filter | None) -> None:
    """Refuse a filter that cannot run before a job is started for it."""
    try:
        to_query(database, flt)
    except FilterError as exc:
        raise filter_error(exc) from exc


def invalid(field: str, value: str, code: str, message: str) -> ApiError:
    return ApiError(422, "invalid", message, [{"field": field, "value": value, "code": code, "message": message}])


KIND_OF = {
    "copy_params": "copy",
    "bulk_update_params": "bulk_update",
    "export_params": "export",
    "history_export_params": "history_export",
}


async def start_job(request: Request, db: Any, database_id: str, kind: str | None = None, **params: Any) -> Job:
    """Store the job (queued) for the API to show, then ask the service that runs its kind to run it."""
    if kind is None:
        [kind] = [KIND_OF[name] for name in params]
    now, job_id = datetime.now(UTC), uuid.uuid4().hex
    event = JobRequested(job_id=job_id, kind=kind, database_id=database_id, **params)
    check_fits(event, "body")  # before the job is stored: a job that cannot be sent would stay queued for ever
    await db.jobs.insert_one(
        {
            "_id": job_id,
            "kind": kind,
            "database_id": database_id,
            "status": "queued",
            "counts": JobCounts().model_dump(),
            "created_at": now,
            "updated_at": now,
        }
    )
    await request.app.state.broker.publish(event, topic=JobRequested.topic, key=job_id.encode())
    return job_of(await db.jobs.find_one({"_id": job_id}))


@router.post(
    "/copy", status_code=202, responses=responses(413), summary="Copy profiles (all, or a filter's) to another database"
)
async def copy_profiles(request: Request, database_id: str, body: CopyParams, db: Db, caller: Caller) -> Job:
    """Runs as an import into the target with `options` (matching, mode); fields the target lacks are dropped
    and counted (`counts.dropped_fields`), subscriptions are kept only for resources the target allows."""
    source = await visible(db, "databases", Database, database_id, caller)
    if body.target_database_id == database_id:
        raise invalid("target_database_id", database_id, "same_database", "the target must be another database")
    await visible(db, "databases", Database, body.target_database_id, caller)
    check_filter(source, body.filter)
    return await start_job(request, db, database_id, copy_params=body)


@router.post(
    "/bulk-update",
    status_code=202,
    responses=responses(413),
    summary="Change, subscribe, give promo codes to or delete profiles",
)
async def bulk_update(request: Request, database_id: str, body: BulkUpdateParams, db: Db, caller: Caller) -> Job:
    """Takes the `range` slice of the whole database (stable, even: by a hash of the profile id), then the ones
    matching `filter`, then the first `limit` (profile id order), and applies `action` to each."""
    database = await visible(db, "databases", Database, database_id, caller)
    check_filter(database, body.filter)
    action = body.action
    if isinstance(action, ChangeSubscription) and action.resource_id not in database.settings.resource_ids:
        raise invalid("action.resource_id", action.resource_id, "unknown_resource", "the database does not allow it")
    if isinstance(action, PromoAction):
        await visible(db, "promo_pools", PromoPool, action.pool_id, caller)
    return await start_job(request, db, database_id, bulk_update_params=body)
