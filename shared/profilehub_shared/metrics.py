"""The Prometheus series every service exports (README "Operating Profilehub" lists them; deploy/grafana uses them).

Kafka traffic is counted by FastStream's Prometheus middleware (`profilehub_kafka_*`: received, processed by
status, handler latency, published, per topic); the rest is Profilehub's own (`profilehub_*`): HTTP requests,
rejected and dead-lettered records, consumer lag, jobs, rows. Everything is in the process's default registry,
served on `/metrics` (the gateway's HTTP port, the ops port of every other service).
"""

import asyncio
import time
from collections.abc import Iterable
from typing import Any

from aiokafka.errors import KafkaError
from faststream import BaseMiddleware
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import REGISTRY, Counter, Gauge, Histogram

from .contracts.dead_letter import MessageDeadLettered
from .contracts.jobs import JobProgressed

KAFKA_PREFIX = "profilehub_kafka"
FINAL_STATUSES = frozenset({"done", "failed", "cancelled"})
IMPORTING_KINDS = frozenset({"import", "copy"})
EXPORTING_KINDS = frozenset({"export", "history_export"})

HTTP_REQUESTS = Counter(
    "profilehub_http_requests_total",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "profilehub_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
MESSAGES_REJECTED = Counter(
    "profilehub_messages_rejected_total",
    "Consumed records refused on a public rejection topic (profiles.upsert-rejected.v1, interactions.rejected.v1), "
    "by the rejection topic and code",
    ["topic", "code"],
)
MESSAGES_DEAD_LETTERED = Counter(
    "profilehub_messages_dead_lettered_total",
    "Consumed records parked on <topic>.dlq, by the topic they came from and code",
    ["topic", "code"],
)
CONSUMER_LAG = Gauge(
    "profilehub_kafka_consumer_lag",
    "Records on a partition not yet consumed by this instance's consumer group (high watermark - position)",
    ["group", "topic", "partition"],
)
JOBS = Counter("profilehub_jobs_total", "Jobs ended by this instance, by kind and final status", ["kind", "status"])
JOB_DURATION = Histogram(
    "profilehub_job_duration_seconds",
    "From a job's first progress in this instance to its end, by kind and final status",
    ["kind", "status"],
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600),
)
ROWS_IMPORTED = Counter(
    "profilehub_rows_imported_total",
    "Profile rows written (created, updated or unchanged), by source: import, copy, stream",
    ["source"],
)
ROWS_REJECTED = Counter(
    "profilehub_rows_rejected_total", "Profile rows refused with a reason, by source: import, copy, stream", ["source"]
)
ROWS_EXPORTED = Counter("profilehub_rows_exported_total", "Rows written to export files, by kind", ["kind"])
IMPORT_BATCHES = Counter(
    "profilehub_import_batches_total",
    "Batches of file imports this instance took, by stage: read (by the field rules, side by side with the other "
    "replicas) and applied (planned and written, one replica at a time a job, in file order)",
    ["stage"],
)
IMPORT_BATCH_STEPS = Histogram(
    "profilehub_import_batch_step_seconds",
    "Time of each step of a file import's batch: read (by the field rules), wait (for the job's turn), plan, "
    "store_plan, write (the profiles), publish (the change events), report (its report lines), advance (the "
    "checkpoint); its sum's rate is how busy a step keeps this instance",
    ["step"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

# Every series name, as a scrape shows it; the dashboard test checks each panel uses only these.
SERIES = (
    "profilehub_http_requests_total",
    "profilehub_http_request_duration_seconds",
    "profilehub_messages_rejected_total",
    "profilehub_messages_dead_lettered_total",
    "profilehub_kafka_consumer_lag",
    "profilehub_jobs_total",
    "profilehub_job_duration_seconds",
    "profilehub_rows_imported_total",
    "profilehub_rows_rejected_total",
    "profilehub_rows_exported_total",
    "profilehub_import_batches_total",
    "profilehub_import_batch_step_seconds",
    f"{KAFKA_PREFIX}_received_messages_total",
    f"{KAFKA_PREFIX}_received_messages_size_bytes",
    f"{KAFKA_PREFIX}_received_messages_in_process",
    f"{KAFKA_PREFIX}_received_processed_messages_total",
    f"{KAFKA_PREFIX}_received_processed_messages_duration_seconds",
    f"{KAFKA_PREFIX}_received_processed_messages_exceptions_total",
    f"{KAFKA_PREFIX}_published_messages_total",
    f"{KAFKA_PREFIX}_published_messages_duration_seconds",
    f"{KAFKA_PREFIX}_published_messages_exceptions_total",
)


def kafka_metrics(service: str) -> KafkaPrometheusMiddleware:
    """FastStream's middleware: every subscriber and publisher of the broker, labelled by topic."""
    return KafkaPrometheusMiddleware(registry=REGISTRY, app_name=service, metrics_prefix=KAFKA_PREFIX)


def rows_imported(source: str, count: int) -> None:
    if count > 0:
        ROWS_IMPORTED.labels(source).inc(count)


class JobTally:
    """Turns a job's progress events (cumulative counts) into job and row counters."""

    def __init__(self) -> None:
        self.started: dict[str, float] = {}
        self.seen: dict[str, tuple[int, int, int]] = {}  # job id -> (written, rejected, processed) counted so far

    def progressed(self, event: JobProgressed) -> None:
        self.started.setdefault(event.job_id, time.monotonic())
        counts = event.counts
        now = (counts.created + counts.updated + counts.unchanged, counts.rejected, counts.processed)
        before = self.seen.get(event.job_id, (0, 0, 0))
        if event.kind in IMPORTING_KINDS:
            rows_imported(event.kind, now[0] - before[0])
            if now[1] > before[1]:
                ROWS_REJECTED.labels(event.kind).inc(now[1] - before[1])
        elif event.kind in EXPORTING_KINDS and now[2] > before[2]:
            ROWS_EXPORTED.labels(event.kind).inc(now[2] - before[2])
        self.seen[event.job_id] = tuple(max(a, b) for a, b in zip(now, before, strict=True))  # type: ignore[assignment]
        if event.status in FINAL_STATUSES:
            JOBS.labels(event.kind, event.status).inc()
            JOB_DURATION.labels(event.kind, event.status).observe(time.monotonic() - self.started.pop(event.job_id))
            self.seen.pop(event.job_id, None)


TALLY = JobTally()


class BusinessMetrics(BaseMiddleware):
    """Counts what a service publishes that means something to an operator: job progress, rejections, dead letters.

    One place for every service: the publish of a `JobProgressed`, a rejection or a `MessageDeadLettered` is what
    makes the event happen, whichever module sends it.
    """

    async def publish_scope(self, call_next: Any, cmd: Any) -> Any:
        result = await call_next(cmd)
        body = cmd.body
        if isinstance(body, JobProgressed):
            TALLY.progressed(body)
        elif isinstance(body, MessageDeadLettered):
            MESSAGES_DEAD_LETTERED.labels(body.original_topic, body.code).inc()
        elif cmd.destination.endswith(("upsert-rejected.v1", "interactions.rejected.v1")):
            code = getattr(body, "code", "") or "rejected"
            MESSAGES_REJECTED.labels(cmd.destination, code).inc()
            if cmd.destination.endswith("upsert-rejected.v1"):
                ROWS_REJECTED.labels("stream").inc()
        return result


async def measure_lag(brokers: Iterable[KafkaBroker]) -> None:
    """Set the consumer-lag gauges from each group subscriber's assigned partitions (called at scrape time)."""
    CONSUMER_LAG.clear()  # partitions another replica took since the last scrape are not this one's to report
    for broker in brokers:
        for subscriber in broker.subscribers:
            # A subscriber with max_workers has one consumer a worker, each with partitions of its own.
            for consumer in getattr(subscriber, "consumer_subgroup", None) or [getattr(subscriber, "consumer", None)]:
                await measure_consumer_lag(consumer)


async def measure_consumer_lag(consumer: Any) -> None:
    group = getattr(consumer, "_group_id", None)
    if consumer is None or not group:
        return
    for tp in consumer.assignment():
        try:
            high = consumer.highwater(tp)
            position = await asyncio.wait_for(consumer.position(tp), 1.0)
        except (AssertionError, KafkaError, TimeoutError):  # revoked meanwhile, or no position yet
            continue
        if high is not None:
            CONSUMER_LAG.labels(group, tp.topic, str(tp.partition)).set(max(0, high - position))
