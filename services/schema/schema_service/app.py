"""The one place that wires the schema service. Run: `faststream run schema_service.app:create_app --factory`."""

from faststream import FastStream
from profilehub_shared.service import kafka_service

from .handlers import router
from .settings import Settings


def create_app(settings: Settings | None = None) -> FastStream:
    """Build the schema service from its settings (read from the environment when not given)."""
    return kafka_service(
        "schema",
        settings or Settings(),
        routers=[router],
        messages=[],
        description="Databases, fields, resources, suppression lists and promo pools: the one writer of schema state.",
    )
