"""Kafka subscribers and publishers of the history service."""

import asyncio
import logging
from collections import defaultdict
from typing import Annotated, Any

from faststream import Context
from faststream.kafka import KafkaBroker, KafkaRouter
from pydantic import ValidationError, WithJsonSchema

from profilehub_shared.contracts.history import InteractionRejected
from profilehub_shared.contracts.interactions import InteractionRecorded
from profilehub_shared.contracts.jobs import JobProgressed, JobRequested
from profilehub_shared.contracts.profiles import ProfileChanged
from profilehub_shared.contracts.schema import DatabaseChanged
from profilehub_shared.jobs import JobQueue
from profilehub_shared.kafka import dead_letter, durable, inline_schema, records_of
from profilehub_shared.schema_cache import tombstone_aware

from .entries import change_entry, interaction_entry, read_interaction
from .store import HistoryStore

log = logging.getLogger(__name__)
router = KafkaRouter()
rejections = router.publisher(
    InteractionRejected.topic,
    schema=InteractionRejected,
    title="InteractionRejected",
    description="Interactions not kept (invalid, unknown database or profile), with the reason",
)
progress = router.publisher(
    JobProgressed.topic,
    schema=JobProgressed,
    title="JobProgressed (history)",
    description="Where each history export stands",
)


@router.subscriber(
    ProfileChanged.topic,
    **durable("history-changes"),
    batch=True,
    max_records=1000,
    decoder=records_of,
    title="ProfileChanged (history)",
    description="Every profile change is kept as profile_created / profile_updated / profile_deleted",
)
async def on_profile_changes(
    records: Annotated[list[Any], WithJsonSchema(inline_schema(ProfileChanged))],
    store: HistoryStore = Context(),
    broker: KafkaBroker = Context(),
) -> None:
    entries, poison = [], []
    for record in records:
        try:
            entries.append(change_entry(ProfileChanged.model_validate_json(record.value)))
        except ValidationError as exc:
            poison.append(dead_letter(broker, record, exc))
    await store.add(entries)
    await asyncio.gather(*poison)


def refusal(interaction: InteractionRecorded, code: str, reason: str) -> InteractionRejected:
    return InteractionRejected(interaction=interaction.model_dump(mode="json"), code=code, reason=reason)


async def sort_interactions(
    store: HistoryStore, records: list[Any]
) -> tuple[list[InteractionRecorded], list[InteractionRejected]]:
    """The batch's interactions to keep, and the ones refused with their reason."""
    kept: list[InteractionRecorded] = []
    refused: list[InteractionRejected] = []
    by_database: dict[str, list[InteractionRecorded]] = defaultdict(list)
    for record in records:
        parsed = read_interaction(record.value or b"")
        if isinstance(parsed, str):
            raw = (record.value or b"").decode("utf-8", errors="replace")[:10_000]
            refused.append(InteractionRejected(interaction={"raw": raw}, code="invalid", reason=parsed))
        else:
            by_database[parsed.database_id].append(parsed)
    databases = await store.known_databases(set(by_database))
    for database_id, interactions in by_database.items():
        if database_id not in databases:
            why = f"database {database_id!r} does not exist"
            refused += [refusal(i, "unknown_database", why) for i in interactions]
            continue
        profiles = await store.known_profiles(database_id, {i.profile_id for i in interactions})
        for i in interactions:
            if i.profile_id in profiles:
                kept.append(i)
            else:
                refused.append(refusal(i, "unknown_profile", f"profile {i.profile_id!r} is not in {database_id!r}"))
    return kept, refused


@router.subscriber(
    InteractionRecorded.topic,
    **durable("history-interactions"),
    batch=True,
    max_records=1000,
    decoder=records_of,
    title="InteractionRecorded (history)",
    description="Every interaction of a known profile is kept; others go to InteractionRejected with the reason",
)
async def on_interactions(
    records: Annotated[list[Any], WithJsonSchema(inline_schema(InteractionRecorded))],
    store: HistoryStore = Context(),
    broker: KafkaBroker = Context(),
) -> None:
    kept, refused = await sort_interactions(store, records)
    await store.add([interaction_entry(i) for i in kept])
    await asyncio.gather(
        *(broker.publish(r, topic=InteractionRejected.topic, key=str(r.event_id).encode()) for r in refused)
    )
    if refused:
        log.warning("%d interaction(s) refused, first: %s", len(refused), refused[0].reason)


@router.subscriber(
    DatabaseChanged.topic,
    **durable("history-schema"),
    decoder=tombstone_aware,
    title="DatabaseChanged (history)",
    description="The history of a deleted database is dropped with it",
)
async def on_database_changed(event: DatabaseChanged | None, store: HistoryStore = Context()) -> None:
    if event is not None and event.deleted:
        await store.drop_database(event.database_id)


@router.subscriber(
    JobRequested.topic,
    **durable("history-jobs"),
    title="JobRequested (history)",
    description="History export jobs: stored, then run by lease; other kinds are other services' jobs",
)
async def on_job_requested(job: JobRequested, queue: JobQueue = Context("job_queue")) -> None:
    if job.kind == "history_export":
        await queue.accept(job)
