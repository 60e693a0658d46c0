"""A stored import plan comes back as it was planned (the resume of a crashed batch applies it again)."""

import uuid
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase

from importer_service.checkpoints import Checkpoints


async def test_a_stored_plan_comes_back_whole_with_its_types(mongo: AsyncDatabase) -> None:
    checkpoints, job_id = Checkpoints(mongo), uuid.uuid4().hex
    at = datetime(2026, 3, 29, 1, 30, 15, 123000, tzinfo=UTC)
    plan = {
        "writes": [{"id": "p1", "create": {"_id": "p1", "created_at": at, "fields": {"a.b": [1, 2.5, None]}},
                    "set": [], "unset": []}],
        "events": [{"event_id": uuid.uuid4().hex, "text": "Ünïcode \\x00 escaped"}],
        "rejections": [], "counts": {"created": 1},
    }  # fmt: skip
    assert await checkpoints.plan(job_id, 0) is None
    await checkpoints.save_plan(job_id, 0, plan)
    await checkpoints.save_plan(job_id, 0, plan)  # a crash before the batch advanced: planned and stored again
    assert await checkpoints.plan(job_id, 0) == plan
    assert (await checkpoints.plan(job_id, 0) or {})["writes"][0]["create"]["created_at"].tzinfo is not None
    await checkpoints.advance(job_id, 0, plan["counts"])
    assert await checkpoints.plan(job_id, 0) is None


async def test_report_lines_of_a_batch_are_stored_once_however_often_it_is_applied(mongo: AsyncDatabase) -> None:
    checkpoints = Checkpoints(mongo)
    job_id = uuid.uuid4().hex
    rows = [{"row": i, "column": "phones", "value": f"+4791{i}", "code": "invalid_phone"} for i in range(5000)]
    await checkpoints.save_rejections(job_id, 3, rows)
    await checkpoints.save_rejections(job_id, 3, rows)  # the batch applied again after a crash
    await mongo.import_rejections.delete_many({"job_id": job_id, "seq": {"$gte": 4990}})  # a crash mid-insert
    await checkpoints.save_rejections(job_id, 3, rows)
    await checkpoints.save_rejections(job_id, 4, [])
    stored = [d async for d in mongo.import_rejections.find({"job_id": job_id}).sort("seq", 1)]
    assert [(d["batch"], d["seq"], d["row"], d["value"]) for d in stored] == [
        (3, i, i, f"+4791{i}") for i in range(5000)
    ]
