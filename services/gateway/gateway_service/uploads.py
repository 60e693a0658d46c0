"""Uploaded import files (GridFS bucket `uploads`): kept while their job may read them, removed once it has ended.

The rule is restart-safe: the JobProgressed subscriber removes a job's upload when it records the final status
(again on a redelivery), and `remove_ended_uploads` at start-up removes any upload whose job has ended (or that
never got a job) that a crash left behind.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId

from profilehub_shared.mongo import delete_matching

BUCKET = "uploads"
FINAL = ("done", "failed", "cancelled")
# An upload is stored before its job is inserted; one without a job this long after is left from a crash.
ORPHAN_AFTER = timedelta(hours=1)


async def remove_upload(db: Any, file_id: object) -> None:
    """Remove one upload, chunks first: an interrupted removal leaves the files document, so it is found again."""
    try:
        upload = ObjectId(str(file_id))
    except InvalidId:
        return
    await delete_matching(db[f"{BUCKET}.chunks"], {"files_id": upload})
    await db[f"{BUCKET}.files"].delete_one({"_id": upload})


async def remove_job_upload(db: Any, job_id: str) -> None:
    """The upload of a job that has just ended, if it had one (imports do)."""
    job = await db.jobs.find_one({"_id": job_id}, {"file_id": 1})
    if job is not None and job.get("file_id"):
        await remove_upload(db, job["file_id"])


async def remove_ended_uploads(db: Any) -> int:
    """Remove every upload whose job has ended, or that has had no job for ORPHAN_AFTER; returns how many."""
    removed = 0
    now = datetime.now(UTC)
    async for upload in db[f"{BUCKET}.files"].find({}, {"_id": 1, "uploadDate": 1}):
        job = await db.jobs.find_one({"file_id": str(upload["_id"])}, {"status": 1})
        stored = upload.get("uploadDate") or now
        orphan = job is None and now - (stored if stored.tzinfo else stored.replace(tzinfo=UTC)) > ORPHAN_AFTER
        if orphan or (job is not None and job["status"] in FINAL):
            await remove_upload(db, upload["_id"])
            removed += 1
    return removed
