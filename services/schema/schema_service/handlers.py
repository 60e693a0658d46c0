"""Kafka subscribers and publishers of the schema service: parse → operation → store → publish."""

from faststream import Context
from faststream.kafka import KafkaBroker, KafkaRouter

from profilehub_shared.contracts.schema import (
    ChangeSchema,
    DatabaseChanged,
    SchemaChangeAnswered,
    SuppressionListChanged,
)
from profilehub_shared.kafka import Tombstones, durable

from .errors import SchemaRefused
from .operations import OPERATIONS, Outcome, answer_of
from .repository import MongoSchemaStore

router = KafkaRouter()
snapshots = router.publisher(
    DatabaseChanged.topic,
    schema=DatabaseChanged,
    title="DatabaseChanged",
    description="Full snapshot of a database after every change; tombstone on delete",
)
list_changes = router.publisher(
    SuppressionListChanged.topic,
    schema=SuppressionListChanged,
    title="SuppressionListChanged",
    description="Entries added to or removed from a suppression list; the importer re-flags attached databases",
)
answers = router.publisher(
    SchemaChangeAnswered.topic,
    schema=SchemaChangeAnswered,
    title="SchemaChangeAnswered",
    description="The outcome of each ChangeSchema request",
)


async def announce(broker: KafkaBroker, tombstones: Tombstones, outcome: Outcome) -> None:
    """Publish the new state of every database the operation touched (before answering the caller)."""
    for db in outcome.changed:
        event = DatabaseChanged(database_id=db.id, database=db, removed_fields=outcome.removed_fields)
        await broker.publish(event, topic=DatabaseChanged.topic, key=db.id.encode())
    for database_id in outcome.deleted:
        event = DatabaseChanged(database_id=database_id, deleted=True)
        await broker.publish(event, topic=DatabaseChanged.topic, key=database_id.encode())
        await tombstones.forget(DatabaseChanged.topic, database_id)
    for changed in outcome.lists_changed:
        await broker.publish(changed, topic=SuppressionListChanged.topic, key=changed.list_id.encode())


@router.subscriber(
    ChangeSchema.topic,
    **durable("schema"),
    title="ChangeSchema",
    description="Schema changes asked for by the gateway; answered on SchemaChangeAnswered",
)
async def on_change_schema(
    command: ChangeSchema,
    broker: KafkaBroker = Context(),
    store: MongoSchemaStore = Context(),
    tombstones: Tombstones = Context(),
) -> None:
    answer = await store.answer(str(command.request_id))
    if answer is None:  # not a redelivery of a request already answered
        try:
            outcome = await OPERATIONS[command.operation.op](store, command.operation, command.request_id)
        except SchemaRefused as refused:
            answer = SchemaChangeAnswered(request_id=command.request_id, error=refused.as_error())
        else:
            await announce(broker, tombstones, outcome)
            answer = answer_of(command.request_id, outcome)
        await store.remember_answer(answer)
    await broker.publish(answer, topic=SchemaChangeAnswered.topic, key=str(command.request_id).encode())
