"""Kafka subscribers and publishers of the exporter service."""

from faststream import Context
from faststream.kafka import KafkaRouter

from profilehub_shared.contracts.jobs import JobProgressed, JobRequested
from profilehub_shared.jobs import JobQueue
from profilehub_shared.kafka import durable

router = KafkaRouter()
progress = router.publisher(
    JobProgressed.topic,
    schema=JobProgressed,
    title="JobProgressed (exporter)",
    description="Where each export stands; the last has the file",
)


@router.subscriber(
    JobRequested.topic,
    **durable("exporter-jobs"),
    title="JobRequested (exporter)",
    description="Export jobs: stored, then run by lease; other kinds are other services' jobs",
)
async def on_job_requested(job: JobRequested, queue: JobQueue = Context("job_queue")) -> None:
    if job.kind == "export":
        await queue.accept(job)
