"""A local, always-fresh copy of every database's schema, fed by the compacted `DatabaseChanged` topic.

Every replica of every service that needs schemas reads the whole topic from the start without a
consumer group, so a service that starts after a change still learns the current state.
"""

import logging
from typing import Any

from faststream.kafka import KafkaMessage, KafkaRouter
from faststream.message import StreamMessage

from .contracts.schema import DatabaseChanged
from .contracts.schema_state import Database
from .kafka import strict_json

log = logging.getLogger(__name__)


async def tombstone_aware(msg: StreamMessage[Any]) -> Any:
    """A compaction tombstone (null value) decodes to None; anything else must be JSON."""
    if not msg.body:
        return None
    return await strict_json(msg)


class SchemaCache:
    """Databases by id, as last announced by the schema service."""

    def __init__(self) -> None:
        self.databases: dict[str, Database] = {}

    def apply(self, database_id: str, event: DatabaseChanged | None) -> None:
        if event is None or event.deleted or event.database is None:
            self.databases.pop(database_id, None)
            return
        known = self.databases.get(database_id)
        if known is None or known.version <= event.database.version:
            self.databases[database_id] = event.database

    def get(self, database_id: str) -> Database | None:
        return self.databases.get(database_id)

    def subscribe(self, router: KafkaRouter) -> None:
        """Register the subscriber that keeps this cache fresh on `router`."""

        @router.subscriber(
            DatabaseChanged.topic,
            auto_offset_reset="earliest",
            decoder=tombstone_aware,
            title="SchemaCache",
            description="Keeps a local copy of every database's schema (no consumer group: every replica reads all)",
        )
        async def on_database_changed(event: DatabaseChanged | None, message: KafkaMessage) -> None:
            key = message.raw_message.key  # type: ignore[union-attr]
            database_id = event.database_id if event is not None else (key or b"").decode()
            self.apply(database_id, event)
