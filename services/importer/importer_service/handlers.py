"""Kafka subscribers and publishers of the importer service."""

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Annotated, Any

from faststream import Context
from faststream.kafka import KafkaBroker, KafkaRouter
from pydantic import ValidationError, WithJsonSchema

from profilehub_shared.contracts.interactions import InteractionRecorded
from profilehub_shared.contracts.jobs import ImportFileBatch, JobRequested
from profilehub_shared.contracts.ml import BestSendTime, SendTimeScored, SendTimesScored
from profilehub_shared.contracts.profiles import (
    DeleteProfile,
    ProfileChanged,
    ProfileUpsertRejected,
    ProfileUpsertWarned,
    ProfileWriteAnswered,
    UpsertProfile,
)
from profilehub_shared.contracts.schema import DatabaseChanged, SuppressionListChanged
from profilehub_shared.delivery import apply_batch
from profilehub_shared.jobs import JobQueue
from profilehub_shared.kafka import dead_letter, durable, inline_schema, records_of
from profilehub_shared.keyed_batches import publish_keyed
from profilehub_shared.metrics import rows_imported
from profilehub_shared.schema_cache import tombstone_aware
from profilehub_shared.schemas import Schemas
from profilehub_shared.settings import ServiceSettings

from .activity import ActivityLedger, Happened, happened_of
from .batch_sharing import take_batch
from .import_job import ImportDeps
from .job_files import JobFiles
from .repository import ProfileStore
from .runner import RUNS
from .stream import unprocessable, write_stream_batch
from .suppression_job import SuppressionRefreshes

log = logging.getLogger(__name__)
router = KafkaRouter()
BATCH_WORKERS = 2  # batches of imports a replica takes at once: one read while another is applied
# Upserts taken at once (what the broker has, up to this): a batch's writes are a few commands side by side, and
# its round trips (the lookup, the counter's two notes, the events' publish) are shared by more records. B2 at
# 1,000: 6,578 / 6,659 messages/s; at 5,000: 7,629 / 8,214. A lone upsert is not held back: it is a batch of one.
UPSERTS_AT_ONCE = 5000
changes = router.publisher(
    ProfileChanged.topic,
    schema=ProfileChanged,
    title="ProfileChanged",
    description="Every created, updated or deleted profile, with old → new values",
)
rejections = router.publisher(
    ProfileUpsertRejected.topic,
    schema=ProfileUpsertRejected,
    title="ProfileUpsertRejected",
    description="Upserts that were not applied, with every reason",
)
warned_upserts = router.publisher(
    ProfileUpsertWarned.topic,
    schema=ProfileUpsertWarned,
    title="ProfileUpsertWarned",
    description="Stream upserts applied without some of their keys, which are not fields of the database",
)


@router.subscriber(
    DatabaseChanged.topic,
    **durable("importer-schema"),
    decoder=tombstone_aware,
    title="DatabaseChanged (importer)",
    description="Drops the profiles of deleted databases and the values of removed fields; "
    "re-flags `suppressed` when the attached suppression list changes",
)
async def on_database_changed(
    event: DatabaseChanged | None, store: ProfileStore = Context(), refreshes: SuppressionRefreshes = Context()
) -> None:
    if event is None:  # the tombstone that follows a delete; the delete itself was handled
        return
    if event.deleted:
        await store.drop_database(event.database_id)
        await refreshes.forget(event.database_id)
    elif event.database is not None:
        await store.prepare(event.database)
        if event.removed_fields:
            await store.drop_fields(event.database_id, event.removed_fields)
        await refreshes.on_database(event.database, event.event_id)


@router.subscriber(
    SuppressionListChanged.topic,
    **durable("importer-suppression"),
    title="SuppressionListChanged (importer)",
    description="Queues a refresh of `suppressed` for every database the changed list is attached to",
)
async def on_suppression_list_changed(
    event: SuppressionListChanged, refreshes: SuppressionRefreshes = Context()
) -> None:
    jobs = await refreshes.on_list(event.list_id, event.event_id)
    log.info("suppression list %s changed: %d database(s) to re-flag", event.list_id, len(jobs))


@router.subscriber(
    UpsertProfile.topic,
    **durable("importer-upserts"),
    batch=True,
    max_records=UPSERTS_AT_ONCE,
    decoder=records_of,
    title="UpsertProfile",
    description="One profile per message from upstream systems; written in batches, in order. A record that "
    "cannot be written is refused on ProfileUpsertRejected with its reason; it never holds up the others",
)
async def on_upsert_batch(
    records: Annotated[list[Any], WithJsonSchema(inline_schema(UpsertProfile))],
    broker: KafkaBroker = Context(),
    store: ProfileStore = Context(),
    schemas: Schemas = Context(),
    settings: ServiceSettings = Context(),
) -> None:
    async def write(batch: Sequence[Any]) -> None:
        results, refused, answers = await write_stream_batch(store, schemas, batch)
        # Events written before a redelivery (maybe never published: again, with the same event id), then the new.
        changes = [(pid, event) for r in results for pid, event in r.republish.items()]
        changes += [(e["key"], e["json"]) for r in results for e in r.events]
        sends = [publish_keyed(broker, ProfileChanged.topic, changes)]
        sends += [publish_rejection(broker, r) for r in refused]
        sends += [publish_warning(broker, w) for r in results for w in r.warnings]
        sends += [broker.publish(a, topic=a.topic, key=a.request_id.encode()) for a in answers]
        await asyncio.gather(*sends)  # concurrently, so the producer batches them; all acknowledged before the commit
        rows_imported("stream", len(batch) - len(refused))

    async def refuse(record: Any, exc: BaseException, attempts: int) -> None:
        await publish_rejection(broker, unprocessable(record, exc, attempts))

    await apply_batch(records, write, refuse, settings.max_delivery_attempts)


async def publish_warning(broker: KafkaBroker, warning: ProfileUpsertWarned) -> None:
    key = warning.consumed.key if warning.consumed is not None else warning.database_id
    await broker.publish(warning, topic=warning.topic, key=(key or "").encode())


async def publish_rejection(broker: KafkaBroker, refused: ProfileUpsertRejected) -> None:
    key = refused.consumed.key if refused.consumed is not None else refused.database_id
    await broker.publish(refused, topic=refused.topic, key=(key or "").encode())


@router.subscriber(
    DeleteProfile.topic,
    **durable("importer-deletes"),
    title="DeleteProfile",
    description="Deletes one profile; answered on ProfileWriteAnswered when asked",
)
async def on_delete_profile(
    command: DeleteProfile, broker: KafkaBroker = Context(), store: ProfileStore = Context()
) -> None:
    deleted = await store.delete(command.database_id, command.profile_id)
    if deleted:
        event = ProfileChanged(
            database_id=command.database_id,
            profile_id=command.profile_id,
            change="deleted",
            source="import_api",
            changes=[],
        )
        await broker.publish(event, topic=ProfileChanged.topic, key=command.profile_id.encode())
    if command.request_id is not None:
        answer = ProfileWriteAnswered(
            request_id=command.request_id, profile_id=command.profile_id, outcome="deleted" if deleted else "not_found"
        )
        await broker.publish(answer, topic=ProfileWriteAnswered.topic, key=command.request_id.encode())


@router.subscriber(
    InteractionRecorded.topic,
    **durable("importer-interactions"),
    batch=True,
    max_records=1000,
    decoder=records_of,
    title="InteractionRecorded (importer)",
    description="The first interaction of a profile sets its has_interactions (which guards database deletion); "
    "each counts once (by event id) in the profile's activity: last time and count per family",
)
async def on_interactions(
    records: Annotated[list[Any], WithJsonSchema(inline_schema(InteractionRecorded))],
    broker: KafkaBroker = Context(),
    store: ProfileStore = Context(),
    activity: ActivityLedger = Context(),
    schemas: Schemas = Context(),
    settings: ServiceSettings = Context(),
) -> None:
    # Idempotent: only profiles not yet marked change, one update per database and batch, and activity counts each
    # event id once. Invalid interactions and unknown profiles are the history service's to report
    # (interactions.rejected.v1); here they change nothing.
    # An unknown database is skipped: an update there would create its collection on FerretDB.
    async def mark(batch: Sequence[Any]) -> None:
        by_database: dict[str, set[str]] = defaultdict(set)
        happened: dict[str, list[Happened]] = defaultdict(list)
        for record in batch:
            try:
                interaction = InteractionRecorded.model_validate_json(record.value or b"")
            except ValidationError:
                continue
            by_database[interaction.database_id].add(interaction.profile_id)
            if (counted := happened_of(interaction)) is not None:
                happened[interaction.database_id].append(counted)
        for database_id, profile_ids in by_database.items():
            if await schemas.get(database_id) is None:
                log.warning("%d interaction(s) name unknown database %s", len(profile_ids), database_id)
                continue
            await store.mark_interacted(database_id, sorted(profile_ids))
            await activity.record(database_id, happened[database_id])

    await apply_batch(records, mark, partial(dead_letter, broker), settings.max_delivery_attempts)


@router.subscriber(
    SendTimeScored.topic,
    **durable("importer-send-times"),
    batch=True,
    max_records=1000,
    decoder=records_of,
    title="SendTimeScored (importer)",
    description="Writes the profile's ml.bst (best send time), which profile filters and exports read",
)
async def on_send_times_scored(
    records: Annotated[list[Any], WithJsonSchema(inline_schema(SendTimeScored))],
    broker: KafkaBroker = Context(),
    store: ProfileStore = Context(),
    schemas: Schemas = Context(),
    settings: ServiceSettings = Context(),
) -> None:
    # One score per message; a batch is written with a few update commands per database.
    def scores(record: Any) -> Iterator[tuple[str, str, BestSendTime | None]]:
        scored = SendTimeScored.model_validate_json(record.value or b"")
        yield scored.database_id, scored.profile_id, scored.bst

    await apply_batch(
        records,
        partial(write_scores, scores, broker, store, schemas),
        partial(dead_letter, broker),
        settings.max_delivery_attempts,
    )


@router.subscriber(
    SendTimesScored.topic,
    **durable("importer-send-times-bulk"),
    batch=True,
    max_records=20,
    decoder=records_of,
    title="SendTimesScored (importer)",
    description="Writes many profiles' ml.bst at once: how a Best Send Time refresh publishes its scores",
)
async def on_send_times_scored_in_bulk(
    records: Annotated[list[Any], WithJsonSchema(inline_schema(SendTimesScored))],
    broker: KafkaBroker = Context(),
    store: ProfileStore = Context(),
    schemas: Schemas = Context(),
    settings: ServiceSettings = Context(),
) -> None:
    def scores(record: Any) -> Iterator[tuple[str, str, BestSendTime | None]]:
        scored = SendTimesScored.model_validate_json(record.value or b"")
        for one in scored.scores:
            yield scored.database_id, one.profile_id, one.bst

    await apply_batch(
        records,
        partial(write_scores, scores, broker, store, schemas),
        partial(dead_letter, broker),
        settings.max_delivery_attempts,
    )


async def write_scores(
    scores: Callable[[Any], Iterator[tuple[str, str, BestSendTime | None]]],
    broker: KafkaBroker,
    store: ProfileStore,
    schemas: Schemas,
    batch: Sequence[Any],
) -> None:
    """Write the scores a batch of records carries, the latest per profile; a record that is no valid score message
    is dead-lettered (after the others are written)."""
    latest: dict[str, dict[str, dict[str, Any] | None]] = defaultdict(dict)
    poison = []
    for record in batch:
        try:
            read = list(scores(record))
        except ValidationError as exc:
            poison.append(dead_letter(broker, record, exc))
            continue
        for database_id, profile_id, bst in read:
            latest[database_id][profile_id] = bst.model_dump(exclude_none=True) if bst is not None else None
    await write_send_times(latest, store, schemas)
    await asyncio.gather(*poison)


async def write_send_times(
    latest: dict[str, dict[str, dict[str, Any] | None]], store: ProfileStore, schemas: Schemas
) -> None:
    """Write each database's latest scores (None clears one) in bulk; scores of unknown databases or profiles are
    counted in the log (a database or profile deleted just after its refresh read it)."""
    for database_id, scores in latest.items():
        if await schemas.get(database_id) is None:  # scored just before its database was deleted
            log.warning("%d send-time score(s) name unknown database %s", len(scores), database_id)
            continue
        missing = len(scores) - await store.set_best_send_times(database_id, scores)
        if missing:
            log.warning("%d send-time score(s) name unknown profiles of %s", missing, database_id)


@router.subscriber(
    JobRequested.topic,
    **durable("importer-jobs"),
    title="JobRequested (importer)",
    description="Import, copy and bulk-update jobs: stored, then run by lease (see job_queue)",
)
async def on_job_requested(job: JobRequested, queue: JobQueue = Context("job_queue")) -> None:
    if job.kind in RUNS:  # other kinds (exports, ML) are other services' jobs
        await queue.accept(job)


@router.subscriber(
    ImportFileBatch.topic,
    **durable("importer-import-batches"),
    max_workers=BATCH_WORKERS,
    title="ImportFileBatch (importer)",
    description="One batch of a running file import, taken by any replica: read here, applied in file order "
    "(see batch_sharing)",
)
async def on_import_file_batch(
    request: ImportFileBatch, deps: ImportDeps = Context("import_deps"), files: JobFiles = Context("job_files")
) -> None:
    await take_batch(deps, files, request)
