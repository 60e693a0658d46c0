"""Jobs as the API shows them: the gateway owns the `jobs` collection and keeps it from `JobProgressed`."""

import contextlib
from datetime import UTC, datetime
from typing import Any

from faststream import Context
from faststream.kafka import KafkaRouter
from pymongo.errors import DuplicateKeyError

from profilehub_shared.contracts.jobs import JobProgressed
from profilehub_shared.kafka import durable

from .uploads import remove_job_upload

FINAL = ("done", "failed", "cancelled")

router = KafkaRouter()


def progress_update(event: JobProgressed) -> tuple[dict[str, Any], dict[str, Any]]:
    """The filter and update applying one progress event: counts only grow, a final status is final."""
    match = {"_id": event.job_id, "status": {"$nin": list(FINAL)}, "counts.processed": {"$lte": event.counts.processed}}
    update = {
        "$set": {
            "status": event.status,
            "counts": event.counts.model_dump(),
            "message": event.message,
            "code": event.code,
            "error_report_file_id": event.error_report_file_id,
            "result_file_id": event.result_file_id,
            "updated_at": datetime.now(UTC),
        }
    }
    return match, update


@router.subscriber(
    JobProgressed.topic,
    **durable("gateway-jobs"),
    title="JobProgressed (gateway)",
    description="Keeps the jobs collection that GET /api/v1/jobs/{id} reads",
)
async def on_job_progressed(event: JobProgressed, db: Any = Context("db")) -> None:
    if event.status in FINAL:
        await remove_job_upload(db, event.job_id)  # before the status: once a job shows ended, its upload is gone
    match, update = progress_update(event)
    if (await db.jobs.update_one(match, update)).matched_count:
        return
    if await db.jobs.find_one({"_id": event.job_id}, {"_id": 1}) is None:
        # A job a service started itself (a suppression refresh, a scheduled Best Send Time refresh): the API
        # shows it from its first report on.
        with contextlib.suppress(DuplicateKeyError):
            await db.jobs.insert_one(started_by_a_service(event))


def started_by_a_service(event: JobProgressed) -> dict[str, Any]:
    doc = {"_id": event.job_id, "kind": event.kind, "database_id": event.database_id, "created_at": event.occurred_at}
    return doc | progress_update(event)[1]["$set"]
