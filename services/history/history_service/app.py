"""The one place that wires the history service. Run: `faststream run history_service.app:create_app --factory`."""

from faststream import FastStream

from profilehub_shared.service import kafka_service

from .handlers import router
from .settings import Settings


def create_app(settings: Settings | None = None) -> FastStream:
    """Build the history service from its settings (read from the environment when not given)."""
    return kafka_service(
        "history",
        settings or Settings(),
        routers=[router],
        messages=[],
        description="Profile history (changes and interactions), history export jobs, has_interactions flags.",
    )
