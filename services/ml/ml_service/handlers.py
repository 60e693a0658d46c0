"""Kafka subscribers and publishers of the ml service."""

import uuid
from datetime import UTC, datetime

from faststream import Context
from faststream.kafka import KafkaBroker, KafkaRouter

from profilehub_shared.contracts.jobs import JobProgressed, JobRequested
from profilehub_shared.contracts.ml import SendTimesScored
from profilehub_shared.contracts.schema import ChangeSchema, DatabaseChanged, RecordMlRefresh
from profilehub_shared.jobs import JobQueue
from profilehub_shared.kafka import durable
from profilehub_shared.schema_cache import tombstone_aware

from .schedule import next_refresh_at
from .settings import Settings

router = KafkaRouter()
scores = router.publisher(
    SendTimesScored.topic,
    schema=SendTimesScored,
    title="SendTimesScored",
    description="Every profile's best send time, up to 1,000 profiles a message (None clears one)",
)
records = router.publisher(
    ChangeSchema.topic,
    schema=ChangeSchema,
    title="ChangeSchema (ml)",
    description="RecordMlRefresh: last and next refresh of a database",
)
progress = router.publisher(
    JobProgressed.topic, schema=JobProgressed, title="JobProgressed (ml)", description="Where each refresh stands"
)
SCHEDULE_IDS = uuid.UUID("7d2c4b6a-1e3f-4a5b-9c8d-0e1f2a3b4c5d")


@router.subscriber(
    JobRequested.topic,
    **durable("ml-jobs"),
    title="JobRequested (ml)",
    description="On-demand Best Send Time refreshes: stored, then run by lease",
)
async def on_job_requested(job: JobRequested, queue: JobQueue = Context("job_queue")) -> None:
    if job.kind == "ml_refresh":
        await queue.accept(job)


@router.subscriber(
    DatabaseChanged.topic,
    **durable("ml-schema"),
    decoder=tombstone_aware,
    title="DatabaseChanged (ml)",
    description="A database that turns Best Send Time on is given its next refresh time",
)
async def on_database_changed(
    event: DatabaseChanged | None, broker: KafkaBroker = Context(), settings: Settings = Context()
) -> None:
    if event is None or event.database is None:
        return
    db = event.database
    if not db.settings.ml_enabled or db.ml.next_refresh_at is not None:
        return
    due = next_refresh_at(settings.ml_refresh_time_hours, datetime.now(UTC))
    record = RecordMlRefresh(database_id=db.id, next_refresh_at=due)
    command = ChangeSchema(request_id=uuid.uuid5(SCHEDULE_IDS, str(event.event_id)), operation=record)
    await broker.publish(command, topic=ChangeSchema.topic, key=db.id.encode())
