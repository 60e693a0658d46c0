"""The one place that wires the exporter service. Run: `faststream run exporter_service.app:create_app --factory`."""

import asyncio
import logging

from faststream import ContextRepo, FastStream
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.jobs import JobProgressed, JobRequested
from profilehub_shared.exporting import ResultFiles
from profilehub_shared.exporting.jobs import run_file_jobs, wire_file_jobs
from profilehub_shared.service import kafka_service

from .exports import export_preparer
from .handlers import router
from .settings import Settings

log = logging.getLogger(__name__)
EXPIRY_SWEEP_SECONDS = 60


def create_app(settings: Settings | None = None) -> FastStream:
    """Build the exporter service from its settings (read from the environment when not given)."""
    settings = settings or Settings()

    async def wire(context: ContextRepo, db: AsyncDatabase) -> None:
        wire_file_jobs(context, db, "exporter_jobs", export_preparer(settings), settings)

    return kafka_service(
        "exporter",
        settings,
        routers=[router],
        messages=[JobRequested, JobProgressed],
        wire=wire,
        workers=[run_file_jobs, remove_expired_results],
        description="Profile export jobs: CSV, JSON Lines or XLSX files in GridFS, removed when they expire.",
    )


async def remove_expired_results(context: ContextRepo) -> None:
    results: ResultFiles = context.get("results")
    while True:
        try:
            if removed := await results.remove_expired():
                log.info("removed %d expired export result(s)", removed)
        except Exception:  # the database is away for a moment: try again next sweep
            log.exception("could not remove expired export results")
        await asyncio.sleep(EXPIRY_SWEEP_SECONDS)
