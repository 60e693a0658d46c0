"""One refresh of a database's Best Send Time: read its activity, score it, publish every profile's result,
clear the results profiles no longer earn, and record when it ran and when it is next due.

Each run starts over and publishes whole results, so a refresh interrupted by a restart is simply run again when
its lease runs out (the importer writes each `ml.bst` idempotently)."""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.jobs import JobProgressed, JobRequested
from profilehub_shared.contracts.ml import ProfileSendTime, SendTimesScored
from profilehub_shared.contracts.schema import ChangeSchema, RecordMlRefresh
from profilehub_shared.jobs import JobRefused, progressed
from profilehub_shared.schemas import Schemas

from .activity import DatabaseActivity, read_activity
from .bst.model import BstParameters, DatabaseBestSendTime, score_events
from .schedule import next_refresh_at
from .scores import stored

SCORES_PER_MESSAGE = 500  # about 150 kB of JSON: well under Kafka's 1 MB default
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
        now, phases = self.clock(), Phases()
        activity = await read_activity(self.mongo, db.id, now)
        phases.done("read")
        await self.publish(progressed(job, "running", 0, activity.profiles))
        result = await asyncio.to_thread(
            score_events, activity.events, activity.profile_ids, activity.zones, self.params, now
        )
        scores = await asyncio.to_thread(every_score, activity, result, now)
        phases.done("scored")
        batches = [scores[i : i + SCORES_PER_MESSAGE] for i in range(0, len(scores), SCORES_PER_MESSAGE)]
        await asyncio.gather(*(self.publish(SendTimesScored(database_id=db.id, scores=b)) for b in batches))
        phases.done("published")
        record = RecordMlRefresh(
            database_id=db.id,
            last_refresh_at=self.clock(),
            next_refresh_at=next_refresh_at(self.refresh_hour, now),
            best_hours=list(result.best_hours) if result.profiles else [],  # no evidence: no fallback to give
        )
        await self.publish(ChangeSchema(request_id=uuid.uuid5(RECORD_IDS, job.job_id), operation=record))
        own = len(result.profiles)
        fallback = activity.profiles - own if result.profiles else 0
        counts = {"updated": own + fallback, "unchanged": activity.profiles - own - fallback}
        best = ", ".join(f"{h:02d}" for h in result.best_hours) if result.profiles else "none yet"
        message = (
            f"{activity.read} events; {own} profiles scored from their own evidence, {fallback} from their zone's "
            f"or the database's (source: database); database best hours (local): {best}; {phases}"
        )
        return progressed(job, "done", activity.profiles, activity.profiles, counts=counts, message=message)


def every_score(activity: DatabaseActivity, result: DatabaseBestSendTime, now: datetime) -> list[ProfileSendTime]:
    """A score for every profile: its own, else (when anyone in the database has evidence) its zone's or the
    database's; with no evidence anywhere there is nothing to fall back on, and old scores are cleared."""
    scores: list[ProfileSendTime] = []
    for pid, zone in zip(activity.profile_ids, activity.zones, strict=True):
        estimate = result.profiles.get(pid) or (result.fallback(zone) if result.profiles else None)
        if estimate is not None:
            scores.append(ProfileSendTime(profile_id=pid, bst=stored(estimate, zone, now)))
        elif pid in activity.scored_before:
            scores.append(ProfileSendTime(profile_id=pid, bst=None))
    return scores


class Phases:
    """How long each phase of a refresh took (in the job's message: where the time goes)."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.took: dict[str, float] = {}

    def done(self, phase: str) -> None:
        now = time.perf_counter()
        self.took[phase], self.last = now - self.last, now

    def __str__(self) -> str:
        return ", ".join(f"{phase} in {seconds:.1f} s" for phase, seconds in self.took.items())
