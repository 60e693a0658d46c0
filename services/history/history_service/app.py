"""The one place that wires the history service. Run: `faststream run history_service.app:create_app --factory`."""

from datetime import timedelta

from faststream import ContextRepo, FastStream
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.history import InteractionRejected
from profilehub_shared.contracts.interactions import InteractionRecorded
from profilehub_shared.contracts.jobs import JobProgressed, JobRequested
from profilehub_shared.contracts.profiles import ProfileChanged
from profilehub_shared.contracts.schema import DatabaseChanged
from profilehub_shared.exporting import ResultFiles
from profilehub_shared.exporting.jobs import FileJob, FileJobs
from profilehub_shared.jobs import JobQueue
from profilehub_shared.schemas import Schemas
from profilehub_shared.service import kafka_service

from .exports import prepare_history_export
from .handlers import router
from .settings import Settings
from .store import HistoryStore


def create_app(settings: Settings | None = None) -> FastStream:
    """Build the history service from its settings (read from the environment when not given)."""
    settings = settings or Settings()

    async def wire(context: ContextRepo, db: AsyncDatabase) -> None:
        broker: KafkaBroker = context.get("broker")
        store, schemas = HistoryStore(db), Schemas(db)
        await store.create_indexes()
        queue = JobQueue(db, settings.job_lease_seconds, "history_jobs")

        async def publish(event: JobProgressed) -> None:
            await broker.publish(event, topic=JobProgressed.topic, key=event.job_id.encode())

        async def prepare(job: JobRequested) -> FileJob:
            return await prepare_history_export(db, schemas, job)

        results = ResultFiles(db, timedelta(hours=settings.export_expiry_hours))
        context.set_global("store", store)
        context.set_global("job_queue", queue)
        context.set_global("file_jobs", FileJobs(db, queue, results, publish, prepare, settings.export_progress_rows))

    return kafka_service(
        "history",
        settings,
        routers=[router],
        messages=[
            ProfileChanged,
            InteractionRecorded,
            InteractionRejected,
            DatabaseChanged,
            JobRequested,
            JobProgressed,
        ],
        wire=wire,
        workers=[run_history_exports],
        description="Profile history (changes and interactions) and history export jobs.",
    )


async def run_history_exports(context: ContextRepo) -> None:
    jobs: FileJobs = context.get("file_jobs")
    await jobs.run_forever()
