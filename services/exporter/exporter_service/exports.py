"""A profile export: its columns and filter checked against the database, its rows read by one cursor."""

from collections.abc import AsyncIterator, Sequence
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.jobs import JobRequested
from profilehub_shared.exporting import Column, ColumnError, profile_columns
from profilehub_shared.exporting.jobs import FileJob
from profilehub_shared.filters import FilterError, to_query
from profilehub_shared.jobs import JobRefused
from profilehub_shared.mongo import document_count, prefetched, profiles_collection_name
from profilehub_shared.schemas import Schemas

BATCH = 1000  # every reply of the cursor is bounded (FerretDB 1.x answers a getMore without a size in full)


async def rows_of(cursor: Any, columns: list[Column]) -> AsyncIterator[Sequence[Any]]:
    async for batch in prefetched(cursor, BATCH):
        for profile in batch:
            yield [c.get(profile) for c in columns]


async def prepare_export(mongo: AsyncDatabase, schemas: Schemas, job: JobRequested) -> FileJob:
    params = job.export_params
    if params is None:
        raise JobRefused("the job has no export parameters")
    database = await schemas.get(job.database_id)
    if database is None:
        raise JobRefused(f"database {job.database_id} does not exist")
    try:
        columns = profile_columns(database, params.fields)
        query = to_query(database, params.filter)
    except ColumnError as exc:
        raise JobRefused(f"fields: {exc.message}") from exc
    except FilterError as exc:
        raise JobRefused(f"filter: {exc.message}") from exc
    profiles = mongo[profiles_collection_name(database.id)]
    # A filter's count would cost another pass over the data on FerretDB: the total is then known at the end.
    total = None if query else await document_count(profiles)
    cursor = profiles.find(query, batch_size=BATCH)
    headers, kinds = [c.name for c in columns], [c.kind for c in columns]
    return FileJob(params.format, headers, kinds, total, rows_of(cursor, columns), params.neutralise_formulas)
