"""The one place that wires the exporter service. Run: `faststream run exporter_service.app:create_app --factory`."""

from faststream import FastStream

from profilehub_shared.service import kafka_service

from .handlers import router
from .settings import Settings


def create_app(settings: Settings | None = None) -> FastStream:
    """Build the exporter service from its settings (read from the environment when not given)."""
    return kafka_service(
        "exporter",
        settings or Settings(),
        routers=[router],
        messages=[],
        description="Profile export jobs.",
    )
