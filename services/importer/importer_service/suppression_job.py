"""Re-deciding `suppressed` for a whole database: when a list is attached or detached, or its entries change.

The refresh is a job like the others (lease, `_id` checkpoint, stored plans), so a restart resumes it. It
writes only the flags that are wrong and sends a `ProfileChanged` for each. Requests are idempotent: the job id
derives from the event that asked for it, so a redelivered event queues nothing twice.
"""

import uuid
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.jobs import JobRequested
from profilehub_shared.contracts.profiles import FieldChange, ProfileChanged
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.jobs import JobQueue

from .domain.suppression import NOTHING_LISTED, lookup_values, refreshed_flag
from .import_job import ImportDeps, progress, stored_events
from .scanning import Plan, Scan, begin, fail, finish, run_scan

REFRESH_IDS = uuid.UUID("9a3e1f5c-7b2d-4c1e-8f6a-2d4b6c8e0a13")


class SuppressionRefreshes:
    """Queues refreshes, and remembers per database which list its flags were last asked to follow."""

    def __init__(self, db: AsyncDatabase, queue: JobQueue) -> None:
        self.db, self.queue, self.marks = db, queue, db.suppression_marks

    async def request(self, database_id: str, list_id: str | None, cause: uuid.UUID) -> str:
        job_id = uuid.uuid5(REFRESH_IDS, f"{cause}:{database_id}").hex
        await self.queue.accept(JobRequested(job_id=job_id, kind="suppression_refresh", database_id=database_id))
        await self.marks.update_one({"_id": database_id}, {"$set": {"list_id": list_id}}, upsert=True)
        return job_id

    async def on_database(self, database: Database, cause: uuid.UUID) -> str | None:
        """A refresh when the attached list differs from the one the flags follow (none at first)."""
        mark = await self.marks.find_one({"_id": database.id})
        wanted = database.settings.suppression_list_id
        if (mark or {}).get("list_id") == wanted:
            return None
        return await self.request(database.id, wanted, cause)

    async def on_list(self, list_id: str, cause: uuid.UUID) -> list[str]:
        """A refresh of every database the changed list is attached to."""
        attached = self.db.databases.find({"settings.suppression_list_id": list_id}, {"_id": 1})
        return [await self.request(d["_id"], list_id, cause) async for d in attached]

    async def forget(self, database_id: str) -> None:
        await self.marks.delete_one({"_id": database_id})


def refresh_plan(db: Database, job_id: str, profiles: list[dict[str, Any]], listed: Any) -> Plan:
    writes, events = [], []
    for profile in profiles:
        flag = refreshed_flag(profile, listed)
        if flag is None:
            continue
        pid = profile["_id"]
        writes.append({"id": pid, "create": None, "set": [{"path": "suppressed", "value": flag}], "unset": []})
        change = FieldChange(field="suppressed", old=profile.get("suppressed"), new=flag)
        events.append(
            ProfileChanged(
                database_id=db.id, profile_id=pid, change="updated", source="suppression", job_id=job_id,
                changes=[change],
            )
        )  # fmt: skip
    counts = {"updated": len(writes), "unchanged": len(profiles) - len(writes)}
    return {"writes": writes, "events": stored_events(events), "rejections": [], "counts": counts}


async def run_suppression_refresh(deps: ImportDeps, job: JobRequested, keep_going: Any) -> None:
    """Run (or resume) a refresh of `suppressed` over the whole database, batch by batch."""
    state = await deps.checkpoints.state(job.job_id)
    if state and state["status"] != "running":
        await deps.publish(progress(job, state, state["status"]))
        return
    db = await deps.schemas.get(job.database_id)
    if db is None:
        return await fail(deps, job, "the database does not exist any more")
    list_id = db.settings.suppression_list_id  # as it is now: a later change queues its own refresh

    async def plan(profiles: list[dict[str, Any]]) -> Plan:
        values = lookup_values(profiles)
        listed = await deps.store.listed(list_id, values) if list_id else NOTHING_LISTED
        return refresh_plan(db, job.job_id, profiles, listed)

    scan = Scan(source_id=db.id, target_id=db.id, query={}, plan=plan)
    state = state or await begin(deps, job, scan)
    if await run_scan(deps, job, scan, state, keep_going):
        await finish(deps, job)
