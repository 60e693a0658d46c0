"""The one place that wires the history service. Run: `faststream run history_service.app:create_app --factory`."""

from faststream import ContextRepo, FastStream
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.history import InteractionRejected
from profilehub_shared.contracts.interactions import InteractionRecorded
from profilehub_shared.contracts.jobs import JobProgressed, JobRequested
from profilehub_shared.contracts.profiles import ProfileChanged
from profilehub_shared.contracts.schema import DatabaseChanged
from profilehub_shared.exporting.jobs import run_file_jobs, wire_file_jobs
from profilehub_shared.service import kafka_service

from .exports import prepare_history_export
from .handlers import router
from .settings import Settings
from .store import HistoryStore


def create_app(settings: Settings | None = None) -> FastStream:
    """Build the history service from its settings (read from the environment when not given)."""
    settings = settings or Settings()

    async def wire(context: ContextRepo, db: AsyncDatabase) -> None:
        store = HistoryStore(db)
        await store.create_indexes()
        context.set_global("store", store)
        wire_file_jobs(context, db, "history_jobs", prepare_history_export, settings)

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
        workers=[run_file_jobs],
        description="Profile history (changes and interactions) and history export jobs.",
    )
