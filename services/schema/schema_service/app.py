"""The one place that wires the schema service. Run: `faststream run schema_service.app:create_app --factory`."""

from faststream import ContextRepo, FastStream
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.schema import (
    ChangeSchema,
    DatabaseChanged,
    SchemaChangeAnswered,
    SuppressionListChanged,
)
from profilehub_shared.kafka import Tombstones
from profilehub_shared.service import kafka_service

from .handlers import router
from .repository import MongoSchemaStore
from .settings import Settings


def create_app(settings: Settings | None = None) -> FastStream:
    """Build the schema service from its settings (read from the environment when not given)."""
    settings = settings or Settings()
    tombstones = Tombstones(settings.kafka_bootstrap_servers)

    async def wire(context: ContextRepo, db: AsyncDatabase) -> None:
        store = MongoSchemaStore(db)
        await store.create_indexes()
        await tombstones.start()
        context.set_global("store", store)
        context.set_global("tombstones", tombstones)

    app = kafka_service(
        "schema",
        settings,
        routers=[router],
        messages=[ChangeSchema, SchemaChangeAnswered, DatabaseChanged, SuppressionListChanged],
        wire=wire,
        description="Databases, fields, resources, suppression lists and promo pools: the one writer of schema state.",
    )
    app.after_shutdown(tombstones.stop)
    return app
