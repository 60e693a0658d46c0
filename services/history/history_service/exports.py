"""A history export: one profile's or a database's events by period and type, with extra profile fields."""

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.history import is_history_type
from profilehub_shared.contracts.jobs import JobRequested
from profilehub_shared.exporting import Column, ColumnError, profile_columns
from profilehub_shared.exporting.jobs import FileJob
from profilehub_shared.history import ORDER, aware, history_query
from profilehub_shared.jobs import JobRefused
from profilehub_shared.mongo import prefetched, profiles_collection_name
from profilehub_shared.schemas import Schemas

HEADERS = ["event_id", "profile_id", "type", "occurred_at", "payload"]
BATCH = 1000


async def history_rows(
    mongo: AsyncDatabase, database_id: str, cursor: Any, columns: list[Column]
) -> AsyncIterator[Sequence[Any]]:
    """Each event as a row, with the extra profile fields read once per batch of events."""
    profiles = mongo[profiles_collection_name(database_id)]
    async for batch in prefetched(cursor, BATCH):
        found: dict[str, dict[str, Any]] = {}
        if columns:
            ids = sorted({e["profile_id"] for e in batch})
            found = {p["_id"]: p async for p in profiles.find({"_id": {"$in": ids}}, batch_size=len(ids) + 1)}
        for e in batch:
            profile = found.get(e["profile_id"], {})  # a deleted profile's events keep empty profile fields
            base = [e["_id"], e["profile_id"], e["type"], aware(e["occurred_at"]), json.loads(e.get("payload") or "{}")]
            yield base + [c.get(profile) if profile else None for c in columns]


async def prepare_history_export(mongo: AsyncDatabase, schemas: Schemas, job: JobRequested) -> FileJob:
    params = job.history_export_params
    if params is None:
        raise JobRefused("the job has no history-export parameters")
    database = await schemas.get(job.database_id)
    if database is None:
        raise JobRefused(f"database {job.database_id} does not exist")
    unknown = [t for t in params.types if not is_history_type(t)]
    if unknown:
        raise JobRefused(f"types: {', '.join(unknown)} are not history event types")
    try:
        columns = profile_columns(database, params.profile_fields)
    except ColumnError as exc:
        raise JobRefused(f"profile_fields: {exc.message}") from exc
    query = history_query(database.id, params.profile_id, params.from_, params.to, params.types)
    cursor = mongo.history.find(query, batch_size=BATCH).sort(ORDER)
    headers = HEADERS + [c.name for c in columns]
    kinds = ["text", "text", "text", "date", "json"] + [c.kind for c in columns]
    # No count first: on FerretDB it is another pass over the events. The total is known when the file is done.
    rows = history_rows(mongo, database.id, cursor, columns)
    return FileJob(params.format, headers, kinds, None, rows, params.neutralise_formulas)
