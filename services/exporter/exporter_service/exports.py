"""A profile export: its columns and filter checked against the database, its rows read by one cursor."""

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.jobs import JobRequested
from profilehub_shared.exporting import Column, ColumnError, profile_columns
from profilehub_shared.exporting.columns import LINK_COLUMN, Getter
from profilehub_shared.exporting.jobs import FileJob, PrepareFrom
from profilehub_shared.filters import FilterError, to_query
from profilehub_shared.jobs import JobRefused
from profilehub_shared.mongo import document_count, prefetched, profiles_collection_name
from profilehub_shared.schemas import Schemas
from profilehub_shared.subscription_links import LinksNotConfigured, link_minter

BATCH = 1000  # every reply of the cursor is bounded (FerretDB 1.x answers a getMore without a size in full)


async def rows_of(cursor: Any, columns: list[Column]) -> AsyncIterator[Sequence[Any]]:
    async for batch in prefetched(cursor, BATCH):
        for profile in batch:
            yield [c.get(profile) for c in columns]


def links_column(settings: Any, database_id: str) -> Getter:
    try:
        return link_minter(settings, database_id, datetime.now(UTC))
    except LinksNotConfigured as exc:
        raise JobRefused(f"fields: {LINK_COLUMN} cannot be exported: {exc} on the exporter") from None


def export_preparer(settings: Any) -> PrepareFrom:
    """`prepare_export` with the exporter's settings (the `subscription_manager_url` column signs with them)."""

    async def prepare(mongo: AsyncDatabase, schemas: Schemas, job: JobRequested) -> FileJob:
        return await prepare_export(mongo, schemas, job, settings)

    return prepare


async def prepare_export(mongo: AsyncDatabase, schemas: Schemas, job: JobRequested, settings: Any = None) -> FileJob:
    params = job.export_params
    if params is None:
        raise JobRefused("the job has no export parameters")
    database = await schemas.get(job.database_id)
    if database is None:
        raise JobRefused(f"database {job.database_id} does not exist")
    try:
        link = links_column(settings, database.id) if LINK_COLUMN in params.fields else None
        columns = profile_columns(database, params.fields, link)
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
