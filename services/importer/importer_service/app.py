"""The one place that wires the importer. Run: `faststream run importer_service.app:create_app --factory`."""

import asyncio
import logging

from faststream import ContextRepo, FastStream
from faststream.kafka import KafkaBroker
from gridfs import AsyncGridFSBucket
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts import Message
from profilehub_shared.contracts.interactions import InteractionRecorded
from profilehub_shared.contracts.jobs import ImportFileBatch, JobProgressed, JobRequested
from profilehub_shared.contracts.ml import SendTimeScored, SendTimesScored
from profilehub_shared.contracts.profiles import (
    DeleteProfile,
    ProfileChanged,
    ProfileUpsertRejected,
    ProfileUpsertWarned,
    ProfileWriteAnswered,
    UpsertProfile,
)
from profilehub_shared.contracts.schema import DatabaseChanged, SuppressionListChanged
from profilehub_shared.contracts.subscription_manager import SubscriberChangeRequested
from profilehub_shared.geo import locator
from profilehub_shared.jobs import JobQueue
from profilehub_shared.keyed_batches import partitions_of, publish_keyed
from profilehub_shared.schemas import Schemas
from profilehub_shared.service import kafka_service

from .activity import ActivityLedger
from .checkpoints import Checkpoints
from .downloads import sweep_downloads
from .handlers import router
from .import_job import ArchiveLimits, ImportDeps
from .job_files import JobFiles
from .repository import ProfileStore
from .runner import run_jobs_forever
from .settings import Settings
from .subscriber_changes import router as subscriber_router
from .suppression_job import SuppressionRefreshes
from .suspensions import resume_suspensions_forever

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastStream:
    """Build the importer from its settings (read from the environment when not given)."""
    settings = settings or Settings()

    async def wire(context: ContextRepo, db: AsyncDatabase) -> None:
        broker: KafkaBroker = context.get("broker")
        store, schemas, checkpoints = ProfileStore(db), Schemas(db), Checkpoints(db)
        await checkpoints.create_indexes()
        await store.unique.create_indexes()
        async for known in db.databases.find({}, {"_id": 1}):  # data of before case-blind emails: once each
            await store.lower_case_emails(known["_id"])
        if settings.geoip_database:  # a wrong path stops the start, rather than every detect_geo import later
            log.info("detect_geo reads %s", locator(settings.geoip_database).source)
        activity = ActivityLedger(db)
        await activity.create_indexes()
        context.set_global("activity", activity)

        async def publish(event: Message) -> None:
            key: str = getattr(event, "profile_id", None) or getattr(event, "job_id", None) or ""
            await broker.publish(event, topic=event.topic, key=key.encode())

        async def publish_changes(events: list[dict[str, str]]) -> None:
            await publish_keyed(broker, ProfileChanged.topic, [(e["key"], e["json"]) for e in events])

        async def share_batches(requests: list[ImportFileBatch]) -> None:
            """The requests spread over the partitions in turn, so that every replica's workers get some."""
            known = await partitions_of(broker, ImportFileBatch.topic)
            partitions: list[int | None] = [*known] if known else [None]
            for start in range(0, len(requests), 100):
                await asyncio.gather(
                    *(
                        broker.publish(
                            r, topic=r.topic, key=r.job.job_id.encode(), partition=partitions[n % len(partitions)]
                        )
                        for n, r in enumerate(requests[start : start + 100], start)
                    )
                )

        if removed := await asyncio.to_thread(sweep_downloads):
            log.info("removed %d copies of uploads left by importers that stopped mid-job", removed)
        context.set_global("job_files", JobFiles())

        context.set_global("publish_change", publish)
        context.set_global("store", store)
        context.set_global("schemas", schemas)
        queue = JobQueue(db, settings.job_lease_seconds)
        context.set_global("job_queue", queue)
        context.set_global("refreshes", SuppressionRefreshes(db, queue))
        context.set_global(
            "import_deps",
            ImportDeps(
                store=store,
                schemas=schemas,
                checkpoints=checkpoints,
                reports=AsyncGridFSBucket(db, "reports"),
                publish=publish,
                publish_changes=publish_changes,
                share_batches=share_batches,
                batch_rows=settings.import_batch_rows,
                lease_seconds=2 * settings.job_lease_seconds,
                limits=ArchiveLimits(settings.import_max_expanded_bytes, settings.import_max_expansion_ratio),
            ),
        )

    return kafka_service(
        "importer",
        settings,
        routers=[router, subscriber_router],
        messages=[
            DatabaseChanged,
            SuppressionListChanged,
            UpsertProfile,
            ProfileUpsertRejected,
            ProfileUpsertWarned,
            ProfileChanged,
            JobRequested,
            JobProgressed,
            ImportFileBatch,
            DeleteProfile,
            ProfileWriteAnswered,
            InteractionRecorded,
            SendTimeScored,
            SubscriberChangeRequested,
            SendTimesScored,
        ],
        wire=wire,
        workers=[run_jobs_forever, resume_suspensions_forever],
        description="Profile writes: file imports, Kafka upserts, copy, bulk update, ML scores, suppression flags, "
        "subscription-manager changes.",
    )
