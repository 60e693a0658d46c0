"""The one place that wires the exporter service. Run: `faststream run exporter_service.app:create_app --factory`."""

import asyncio
import logging
from datetime import timedelta

from faststream import ContextRepo, FastStream
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.jobs import JobProgressed, JobRequested
from profilehub_shared.exporting import ResultFiles
from profilehub_shared.exporting.jobs import FileJob, FileJobs
from profilehub_shared.jobs import JobQueue
from profilehub_shared.schemas import Schemas
from profilehub_shared.service import kafka_service

from .exports import prepare_export
from .handlers import router
from .settings import Settings

log = logging.getLogger(__name__)
EXPIRY_SWEEP_SECONDS = 60


def create_app(settings: Settings | None = None) -> FastStream:
    """Build the exporter service from its settings (read from the environment when not given)."""
    settings = settings or Settings()

    async def wire(context: ContextRepo, db: AsyncDatabase) -> None:
        broker: KafkaBroker = context.get("broker")
        queue = JobQueue(db, settings.job_lease_seconds, "exporter_jobs")
        schemas = Schemas(db)

        async def publish(event: JobProgressed) -> None:
            await broker.publish(event, topic=JobProgressed.topic, key=event.job_id.encode())

        async def prepare(job: JobRequested) -> FileJob:
            return await prepare_export(db, schemas, job)

        results = ResultFiles(db, timedelta(hours=settings.export_expiry_hours))
        context.set_global("job_queue", queue)
        context.set_global("results", results)
        context.set_global("file_jobs", FileJobs(db, queue, results, publish, prepare, settings.export_progress_rows))

    return kafka_service(
        "exporter",
        settings,
        routers=[router],
        messages=[JobRequested, JobProgressed],
        wire=wire,
        workers=[run_exports, remove_expired_results],
        description="Profile export jobs: CSV, JSON Lines or XLSX files in GridFS, removed when they expire.",
    )


async def run_exports(context: ContextRepo) -> None:
    jobs: FileJobs = context.get("file_jobs")
    await jobs.run_forever()


async def remove_expired_results(context: ContextRepo) -> None:
    results: ResultFiles = context.get("results")
    while True:
        try:
            if removed := await results.remove_expired():
                log.info("removed %d expired export result(s)", removed)
        except Exception:  # the database is away for a moment: try again next sweep
            log.exception("could not remove expired export results")
        await asyncio.sleep(EXPIRY_SWEEP_SECONDS)
