"""The one place that wires the gateway. Run: `uvicorn gateway_service.app:create_app --factory`."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from profilehub_shared.contracts import ServiceHeartbeatRecorded
from profilehub_shared.heartbeat import heartbeat
from profilehub_shared.kafka import ensure_topics, make_broker, topics_of
from profilehub_shared.logs import configure_logging
from profilehub_shared.mongo import database, open_mongo

from . import health
from .settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the gateway from its settings (read from the environment when not given)."""
    settings = settings or Settings()
    configure_logging("gateway", settings.log_level)
    broker = make_broker(settings, "gateway")
    board = health.HeartbeatBoard()

    # No consumer group: every gateway replica sees every heartbeat.
    @broker.subscriber(ServiceHeartbeatRecorded.topic, auto_offset_reset="earliest")
    async def on_heartbeat(beat: ServiceHeartbeatRecorded) -> None:
        board.record(beat)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await ensure_topics(settings.kafka_bootstrap_servers, topics_of([ServiceHeartbeatRecorded]))
        async with AsyncExitStack() as stack:
            client = open_mongo(settings, "gateway")
            stack.push_async_callback(client.close)
            await broker.start()
            stack.push_async_callback(broker.stop)
            app.state.settings = settings
            app.state.broker = broker
            app.state.mongo_client = client
            app.state.db = database(client, settings)
            app.state.heartbeats = board
            await stack.enter_async_context(
                heartbeat(broker, client, "gateway", settings.heartbeat_interval_seconds)
            )
            yield

    app = FastAPI(
        title="Profilehub API",
        version="0.1.0",
        description="Profile databases, fields, profiles, imports, exports and history.",
        lifespan=lifespan,
    )
    app.include_router(health.router)
    return app
