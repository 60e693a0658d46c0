"""One refresh of a database's Best Send Time: read its activity, score it, publish every profile's result,
clear the results profiles no longer earn, and record when it ran and when it is next due.

Each run starts over and publishes whole results, so a refresh interrupted by a restart is simply run again when
its lease runs out (the importer writes each `ml.bst` idempotently)."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.jobs import JobProgressed, JobRequested
from profilehub_shared.contracts.ml import SendTimeScored
from profilehub_shared.contracts.schema import ChangeSchema, RecordMlRefresh
from profilehub_shared.jobs import JobRefused, progressed
from profilehub_shared.schemas import Schemas

from .activity import read_activity
from .bst.model import BstParameters, best_send_times
from .schedule import next_refresh_at
from .scores import stored

PUBLISH_CHUNK = 2000
RECORD_IDS = uuid.UUID("3b1f0a2e-5c4d-4e6f-8a9b-0c1d2e3f4a5b")


@dataclass
class Refreshes:
    mongo: AsyncDatabase
    schemas: Schemas
    publish: Callable[[Any], Awaitable[None]]  # any event, to its topic
    refresh_hour: int
    params: BstParameters = field(default_factory=BstParameters)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def run(self, job: JobRequested) -> JobProgressed:
        db = await self.schemas.get(job.database_id)
        if db is None:
            raise JobRefused(f"database {job.database_id} does not exist")
        if not db.settings.ml_enabled:
            raise JobRefused(f"Best Send Time is not enabled for database {db.id} (settings.ml_enabled)")
        now = self.clock()
        activity = await read_activity(self.mongo, db.id, now)
        await self.publish(progressed(job, "running", 0, activity.profiles))
        result = await asyncio.to_thread(best_send_times, activity.activities, self.params)
        zones = {a.profile_id: a.timezone for a in activity.activities}
        scores = [
            SendTimeScored(database_id=db.id, profile_id=pid, bst=stored(estimate, zones[pid], now))
            for pid, estimate in result.profiles.items()
        ]
        scores += [
            SendTimeScored(database_id=db.id, profile_id=pid, bst=None)
            for pid in sorted(activity.scored_before - set(result.profiles))
        ]
        for start in range(0, len(scores), PUBLISH_CHUNK):
            await asyncio.gather(*(self.publish(s) for s in scores[start : start + PUBLISH_CHUNK]))
        record = RecordMlRefresh(
            database_id=db.id,
            last_refresh_at=self.clock(),
            next_refresh_at=next_refresh_at(self.refresh_hour, now),
            best_hours=list(result.best_hours) if activity.events else [],  # no events: no fallback to give
        )
        await self.publish(ChangeSchema(request_id=uuid.uuid5(RECORD_IDS, job.job_id), operation=record))
        counts = {"updated": len(result.profiles), "unchanged": activity.profiles - len(result.profiles)}
        best = ", ".join(f"{h:02d}" for h in result.best_hours) if activity.events else "none yet"
        message = f"{activity.events} events; database best hours (local): {best}"
        return progressed(job, "done", activity.profiles, activity.profiles, counts=counts, message=message)
