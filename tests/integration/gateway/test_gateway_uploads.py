"""Uploads leave GridFS once their job has ended, also when a crash came between the end and the removal."""

from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.database import AsyncDatabase

from gateway_service.uploads import remove_ended_uploads, remove_job_upload
from profilehub_shared.stored_files import CHUNK_SIZE, store_file


async def stored_upload(mongo: AsyncDatabase, age: timedelta = timedelta(0)) -> ObjectId:
    file_id = ObjectId()

    async def pieces() -> Any:
        yield b"email\n" + b"x" * (2 * CHUNK_SIZE)  # three chunks

    await store_file(mongo, "uploads", file_id, "people.csv", {}, pieces())
    await mongo["uploads.files"].update_one({"_id": file_id}, {"$set": {"uploadDate": datetime.now(UTC) - age}})
    return file_id


async def with_job(mongo: AsyncDatabase, status: str, file_id: ObjectId) -> str:
    job_id = ObjectId().binary.hex()
    await mongo.jobs.insert_one({"_id": job_id, "kind": "import", "status": status, "file_id": str(file_id)})
    return job_id


async def kept(mongo: AsyncDatabase, file_id: ObjectId) -> tuple[int, int]:
    files = await mongo["uploads.files"].count_documents({"_id": file_id})
    return files, await mongo["uploads.chunks"].count_documents({"files_id": file_id})


async def test_uploads_of_ended_jobs_and_old_orphans_are_removed_at_start(mongo: AsyncDatabase) -> None:
    ended = {status: await stored_upload(mongo) for status in ("done", "failed", "cancelled")}
    for status, file_id in ended.items():
        await with_job(mongo, status, file_id)
    running, queued = await stored_upload(mongo), await stored_upload(mongo)
    await with_job(mongo, "running", running)
    await with_job(mongo, "queued", queued)
    old_orphan, new_orphan = await stored_upload(mongo, timedelta(hours=2)), await stored_upload(mongo)

    assert await remove_ended_uploads(mongo) >= 4
    for file_id in [*ended.values(), old_orphan]:
        assert await kept(mongo, file_id) == (0, 0)
    for file_id in (running, queued, new_orphan):  # a job may still read them; a new one is about to get its job
        assert await kept(mongo, file_id) == (1, 3)


async def test_a_job_upload_is_removed_when_its_end_is_recorded_and_again_harmlessly(mongo: AsyncDatabase) -> None:
    file_id = await stored_upload(mongo)
    job_id = await with_job(mongo, "running", file_id)
    await remove_job_upload(mongo, job_id)
    await remove_job_upload(mongo, job_id)  # a redelivered final progress event
    assert await kept(mongo, file_id) == (0, 0)
    await remove_job_upload(mongo, "no-such-job")
