"""Kafka subscribers and publishers of the history service."""

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from functools import partial
from typing import Annotated, Any

from faststream import Context
from faststream.kafka import KafkaBroker, KafkaRouter
from pydantic import ValidationError, WithJsonSchema

from profilehub_shared.contracts.history import InteractionRejected
from profilehub_shared.contracts.interactions import InteractionRecorded
from profilehub_shared.contracts.jobs import JobProgressed, JobRequested
from profilehub_shared.contracts.profiles import ProfileChanged
from profilehub_shared.contracts.schema import DatabaseChanged
from profilehub_shared.delivery import apply_batch, consumed_record, describe
from profilehub_shared.jobs import JobQueue
from profilehub_shared.kafka import dead_letter, durable, inline_schema, records_of
from profilehub_shared.schema_cache import tombstone_aware
from profilehub_shared.settings import ServiceSettings

from .entries import change_entry, interaction_entry, read_interaction
from .store import HistoryStore

log = logging.getLogger(__name__)
router = KafkaRouter()
MAX_SHOWN_BYTES = 64 * 1024
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
    settings: ServiceSettings = Context(),
) -> None:
    async def keep(batch: Sequence[Any]) -> None:
        entries, poison = [], []
        for record in batch:
            try:
                entries.append(change_entry(ProfileChanged.model_validate_json(record.value or b"")))
            except ValidationError as exc:
                poison.append(dead_letter(broker, record, exc))
        await store.add(entries)
        await asyncio.gather(*poison)

    await apply_batch(records, keep, partial(dead_letter, broker), settings.max_delivery_attempts)


def refusal(interaction: InteractionRecorded, record: Any, code: str, reason: str) -> InteractionRejected:
    return InteractionRejected(
        interaction=shown(interaction), code=code, reason=reason, consumed=consumed_record(record)
    )


def shown(interaction: InteractionRecorded) -> dict[str, Any]:
    """The interaction as a rejection shows it: whole, unless its payload is too large to travel twice."""
    whole = interaction.model_dump(mode="json")
    if len(record_json(whole)) <= MAX_SHOWN_BYTES:
        return whole
    return {**whole, "payload": {"omitted": "over 64 KiB; see consumed.value_base64"}}


def record_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


async def sort_interactions(
    store: HistoryStore, records: list[Any]
) -> tuple[list[InteractionRecorded], list[InteractionRejected]]:
    """The batch's interactions to keep, and the ones refused with their reason."""
    kept: list[InteractionRecorded] = []
    refused: list[InteractionRejected] = []
    by_database: dict[str, list[tuple[InteractionRecorded, Any]]] = defaultdict(list)
    for record in records:
        parsed = read_interaction(record.value or b"")
        if isinstance(parsed, str):
            consumed = consumed_record(record)
            raw = {"raw": consumed.value_preview}
            refused.append(InteractionRejected(interaction=raw, code="invalid", reason=parsed, consumed=consumed))
        else:
            by_database[parsed.database_id].append((parsed, record))
    databases = await store.known_databases(set(by_database))
    for database_id, interactions in by_database.items():
        if database_id not in databases:
            why = f"database {database_id!r} does not exist"
            refused += [refusal(i, r, "unknown_database", why) for i, r in interactions]
            continue
        profiles = await store.known_profiles(database_id, {i.profile_id for i, _ in interactions})
        for i, r in interactions:
            if i.profile_id in profiles:
                kept.append(i)
            else:
                refused.append(refusal(i, r, "unknown_profile", f"profile {i.profile_id!r} is not in {database_id!r}"))
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
    settings: ServiceSettings = Context(),
) -> None:
    async def keep(batch: Sequence[Any]) -> None:
        kept, refused = await sort_interactions(store, list(batch))
        await store.add([interaction_entry(i) for i in kept])
        await asyncio.gather(*(publish_refusal(broker, r) for r in refused))
        if refused:
            log.warning("%d interaction(s) refused, first: %s", len(refused), refused[0].reason)

    async def unprocessable(record: Any, exc: BaseException, attempts: int) -> None:
        why = f"failed {attempts} attempt(s) to store it: {describe(exc)}"
        consumed = consumed_record(record)
        parsed = read_interaction(record.value or b"")
        shown_as = shown(parsed) if isinstance(parsed, InteractionRecorded) else {"raw": consumed.value_preview}
        await publish_refusal(
            broker, InteractionRejected(interaction=shown_as, code="unprocessable", reason=why, consumed=consumed)
        )

    await apply_batch(records, keep, unprocessable, settings.max_delivery_attempts)


async def publish_refusal(broker: KafkaBroker, refused: InteractionRejected) -> None:
    key = refused.consumed.key if refused.consumed is not None else None
    await broker.publish(refused, topic=refused.topic, key=(key or str(refused.event_id)).encode())


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
