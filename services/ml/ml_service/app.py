"""The one place that wires the ml service. Run: `faststream run ml_service.app:create_app --factory`."""

from faststream import FastStream

from profilehub_shared.service import kafka_service

from .handlers import router
from .settings import Settings


def create_app(settings: Settings | None = None) -> FastStream:
    """Build the ml service from its settings (read from the environment when not given)."""
    return kafka_service(
        "ml",
        settings or Settings(),
        routers=[router],
        messages=[],
        description="Best Send Time: scheduled and on-demand scoring.",
    )
