"""The one place that wires the ml service. Run: `faststream run ml_service.app:create_app --factory`."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from faststream import ContextRepo, FastStream
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts import Message
from profilehub_shared.contracts.jobs import JobProgressed, JobRequested
from profilehub_shared.contracts.ml import SendTimesScored
from profilehub_shared.contracts.schema import ChangeSchema, DatabaseChanged
from profilehub_shared.jobs import JobQueue, JobRunner
from profilehub_shared.schemas import Schemas
from profilehub_shared.service import kafka_service

from .handlers import router
from .refresh import Refreshes
from .schedule import daily_trigger, last_refresh_due, scheduled_job_id
from .settings import Settings

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastStream:
    """Build the ml service from its settings (read from the environment when not given)."""
    settings = settings or Settings()

    async def wire(context: ContextRepo, db: AsyncDatabase) -> None:
        broker: KafkaBroker = context.get("broker")
        queue = JobQueue(db, settings.job_lease_seconds, "ml_jobs")

        async def publish(event: Message) -> None:
            key = getattr(event, "profile_id", None) or getattr(event, "job_id", None) or ""
            if isinstance(event, SendTimesScored):  # one database's batches in order, on one partition
                key = event.database_id
            await broker.publish(event, topic=event.topic, key=key.encode())

        refreshes = Refreshes(db, Schemas(db), publish, settings.ml_refresh_time_hours)
        context.set_global("job_queue", queue)
        context.set_global("runner", JobRunner(queue, publish, partial(leased, queue, refreshes.run)))

    return kafka_service(
        "ml",
        settings,
        routers=[router],
        messages=[JobRequested, JobProgressed, SendTimesScored, ChangeSchema, DatabaseChanged],
        wire=wire,
        workers=[run_refreshes, schedule_refreshes],
        description="Best Send Time: daily and on-demand refreshes of each profile's best hours and weekdays.",
    )


async def leased(queue: JobQueue, work: Callable[[JobRequested], Awaitable[JobProgressed]], job: JobRequested) -> Any:
    """Run a refresh while renewing its lease (a third of the lease at a time): a refresh longer than the lease is
    not taken by another replica meanwhile; one whose replica died is, once the lease runs out."""

    async def keep() -> None:
        while True:
            await asyncio.sleep(queue.lease.total_seconds() / 3)
            if not await queue.renew(job.job_id):
                log.warning("refresh %s was taken by another replica", job.job_id)

    keeper = asyncio.create_task(keep())
    try:
        return await work(job)
    finally:
        keeper.cancel()


async def run_refreshes(context: ContextRepo) -> None:
    runner: JobRunner = context.get("runner")
    await runner.run_forever()


async def queue_due_refreshes(db: AsyncDatabase, queue: JobQueue, hour: int) -> int:
    """Queue the refresh of every database with Best Send Time on, for the latest firing (idempotent by job id)."""
    fire = last_refresh_due(hour, datetime.now(UTC))
    queued = 0
    async for doc in db.databases.find({"settings.ml_enabled": True}, {"_id": 1}):
        job = JobRequested(job_id=scheduled_job_id(doc["_id"], fire), kind="ml_refresh", database_id=doc["_id"])
        await queue.accept(job)
        queued += 1
    return queued


async def schedule_refreshes(context: ContextRepo) -> None:
    """Daily at ML_REFRESH_TIME_HOURS (UTC). On start, the latest firing is queued too: a replica that was down
    then still refreshes, and one that was up finds the job queued already."""
    db: AsyncDatabase = context.get("db")
    queue: JobQueue = context.get("job_queue")
    hour = context.get("settings").ml_refresh_time_hours

    async def fire() -> None:
        log.info("daily refresh: %d database(s) queued", await queue_due_refreshes(db, queue, hour))

    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(fire, daily_trigger(hour), coalesce=True, misfire_grace_time=3600)
    scheduler.start()
    try:
        await fire()
        await asyncio.Event().wait()
    finally:
        scheduler.shutdown(wait=False)
