"""The one place that wires the importer service. Run: `faststream run importer_service.app:create_app --factory`."""

from faststream import FastStream
from profilehub_shared.service import kafka_service

from .handlers import router
from .settings import Settings


def create_app(settings: Settings | None = None) -> FastStream:
    """Build the importer service from its settings (read from the environment when not given)."""
    return kafka_service(
        "importer",
        settings or Settings(),
        routers=[router],
        messages=[],
        description="Profile writes: file imports, Kafka upserts, copy, bulk update, single upserts, ML scores.",
    )
