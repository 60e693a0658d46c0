"""Import job checkpoints: which batch comes next, the counts so far, and each batch's plan.

A batch is planned, its plan stored, applied, and only then the checkpoint advances (a conditional update
of one document, so it advances once). After a crash the stored plan is applied again instead of being
recomputed against half-written profiles: the final counts are exact and no row is applied twice in effect.
"""

import re
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import bson
from bson import Binary
from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from profilehub_shared.mongo import find_all, only_duplicate_keys


def storable(text: str) -> str:
    """Text from a file as the database can keep it: NUL, undecodable bytes and lone surrogates written as escapes.

    A rejected value or a column name may hold them; storing it raw fails the write (FerretDB refuses NUL, BSON
    refuses surrogates), which lost the whole report.
    """
    if text.isascii() and "\x00" not in text:
        return text
    return UNSTORABLE.sub(escaped, text)


UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def escaped(found: re.Match[str]) -> str:
    code = ord(found.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte the text encoding could not decode (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


PACKED = "packed"  # a stored plan: zlib-compressed BSON

COUNTS = (
    "processed",
    "created",
    "updated",
    "unchanged",
    "rejected",
    "duplicates",
    "deleted",
    "dropped_fields",
    "skipped_values",
    "no_code_left",
)


class Checkpoints:
    def __init__(self, db: AsyncDatabase) -> None:
        self.jobs = db.import_checkpoints
        self.plans = db.import_plans
        self.rejections = db.import_rejections

    async def create_indexes(self) -> None:
        await self.rejections.create_index([("job_id", ASCENDING), ("batch", ASCENDING), ("seq", ASCENDING)])

    async def state(self, job_id: str) -> dict[str, Any] | None:
        return await self.jobs.find_one({"_id": job_id})

    async def begin(self, job_id: str, total: int, batch_rows: int | None = None) -> dict[str, Any]:
        """The job's checkpoint, made once: `batch_rows` is kept, so batch numbers mean the same rows on resume."""
        started = {"next_batch": 0, "claimed": 0, "total": total, "status": "running", "batch_rows": batch_rows}
        await self.jobs.update_one({"_id": job_id}, {"$setOnInsert": started | dict.fromkeys(COUNTS, 0)}, upsert=True)
        return await self.state(job_id) or {}

    async def plan(self, job_id: str, batch: int) -> dict[str, Any] | None:
        stored = await self.plans.find_one({"_id": f"{job_id}:{batch}"})
        if stored is None or PACKED not in stored:
            return stored  # none, or stored whole by an earlier version
        return bson.decode(zlib.decompress(stored[PACKED]), codec_options=self.plans.codec_options)

    async def save_plan(self, job_id: str, batch: int, plan: dict[str, Any]) -> None:
        """Keep the plan as one compressed BSON value: FerretDB stores and deletes it as a string, where a plan of
        5,000 profiles as nested documents cost it a second to write and another to delete."""
        packed = Binary(zlib.compress(bson.encode(plan), 1))
        await self.plans.replace_one({"_id": f"{job_id}:{batch}"}, {"job_id": job_id, PACKED: packed}, upsert=True)

    async def save_rejections(self, job_id: str, batch: int, rows: list[dict[str, Any]]) -> None:
        """Store a batch's report lines once, in one insert: a batch applied again (a resumed job) has the same
        lines under the same ids, so those stored already are left out. One upsert per line made a file with a
        bad value in every row (5,000 report lines a batch) five times slower to import."""
        lines = [
            {"_id": f"{job_id}:{batch}:{i}", "job_id": job_id, "batch": batch, "seq": i}
            | {k: storable(v) if isinstance(v, str) else v for k, v in row.items()}
            for i, row in enumerate(rows)
        ]
        if not lines:
            return
        ids = [line["_id"] for line in lines]
        stored = {d["_id"] for d in await find_all(self.rejections, {"_id": {"$in": ids}}, {"_id": 1})}
        missing = [line for line in lines if line["_id"] not in stored]
        if missing:
            try:
                await self.rejections.insert_many(missing, ordered=False)
            except BulkWriteError as exc:  # stored meanwhile by a runner whose lease ran out: the same lines
                if not only_duplicate_keys(exc):
                    raise

    async def advance(self, job_id: str, batch: int, counts: dict[str, int], after: Any = None) -> dict[str, Any]:
        """Move past `batch` and add its counts, once: a repeated call for the same batch changes nothing.

        `after` is where the next batch starts, for jobs that scan profiles (`_id` cursor); it moves in the same
        update as the batch number, so a resumed scan never repeats or skips a batch.
        """
        moved = {"next_batch": batch + 1} | ({"after": after} if after is not None else {})
        await self.jobs.update_one(
            {"_id": job_id, "next_batch": batch},
            {"$set": moved, "$inc": {k: counts.get(k, 0) for k in COUNTS}},
        )
        await self.plans.delete_one({"_id": f"{job_id}:{batch}"})
        return await self.state(job_id) or {}

    async def take_turn(self, job_id: str, holder: str, up_to: int, seconds: float) -> dict[str, Any] | None:
        """The job's turn to apply batches, for `seconds`: taken when it is free (or its holder stopped renewing
        it) and the job is running with batch `up_to` or one before it next; renewed when `holder` has it.
        Returns the job's state, or None when another holds the turn or nothing up to `up_to` is left to apply."""
        now = datetime.now(UTC)
        free = [{"turn": None}, {"turn_until": {"$lt": now}}, {"turn": holder}]
        return await self.jobs.find_one_and_update(
            {"_id": job_id, "status": "running", "next_batch": {"$lte": up_to}, "$or": free},
            {"$set": {"turn": holder, "turn_until": now + timedelta(seconds=seconds)}},
            return_document=ReturnDocument.AFTER,
        )

    async def claim_batch(self, job_id: str, batches: int) -> int | None:
        """The number of the job's next batch nobody claimed yet, now claimed; None when all `batches` are, or the
        job is not running."""
        doc = await self.jobs.find_one_and_update(
            {"_id": job_id, "status": "running", "claimed": {"$lt": batches}},
            {"$inc": {"claimed": 1}},
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else int(doc["claimed"]) - 1

    async def unclaim(self, job_id: str, batch: int) -> None:
        """Claims again from `batch` (and any claimed after it): its taker failed and gives it back."""
        await self.jobs.update_one({"_id": job_id, "claimed": {"$gt": batch}}, {"$set": {"claimed": batch}})

    async def claims_from_next(self, job_id: str) -> None:
        """Claims start again at the next batch to apply: those claimed by takers that stopped are claimed anew
        (a taker still working on one finds it applied by the other, and skips it)."""
        state = await self.state(job_id) or {}
        await self.jobs.update_one({"_id": job_id}, {"$set": {"claimed": state.get("next_batch", 0)}})

    async def give_turn(self, job_id: str, holder: str) -> None:
        await self.jobs.update_one({"_id": job_id, "turn": holder}, {"$set": {"turn": None, "turn_until": None}})

    async def batch_failed(self, job_id: str, batch: int) -> int:
        """Count a failed attempt at `batch`, by any replica; returns how many there were."""
        doc = await self.jobs.find_one_and_update(
            {"_id": job_id}, {"$inc": {f"batch_failures.b{batch}": 1}}, return_document=ReturnDocument.AFTER
        )
        return int(((doc or {}).get("batch_failures") or {}).get(f"b{batch}", 1))

    async def finish(
        self, job_id: str, status: str, report_id: str | None, message: str = "", code: str = ""
    ) -> dict[str, Any]:
        """End the job with its status, report, message and (when it failed) a stable code.

        Upserted: a file refused before its first batch (empty, a bomb, a bad header) has no checkpoint yet, and
        its reason must still reach the job.
        """
        await self.jobs.update_one(
            {"_id": job_id},
            {
                "$set": {
                    "status": status,
                    "error_report_file_id": report_id,
                    "message": storable(message),
                    "code": code,
                },
                "$setOnInsert": {"next_batch": 0, "total": None, **dict.fromkeys(COUNTS, 0)},
            },
            upsert=True,
        )
        return await self.state(job_id) or {}

    def rejected_rows(self, job_id: str):
        return self.rejections.find({"job_id": job_id}).sort([("batch", ASCENDING), ("seq", ASCENDING)])
