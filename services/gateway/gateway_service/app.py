"""The one place that wires the gateway. Run: `uvicorn gateway_service.app:create_app --factory`.

Nothing connects when the app is created: Kafka topics, the broker and MongoDB are opened in the lifespan.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from pymongo import ASCENDING
from pymongo.errors import OperationFailure

from profilehub_shared.contracts import ServiceHeartbeatRecorded
from profilehub_shared.contracts.jobs import JobProgressed, JobRequested
from profilehub_shared.contracts.profiles import DeleteProfile, ProfileWriteAnswered, UpsertProfile
from profilehub_shared.contracts.schema import ChangeSchema, DatabaseChanged, SchemaChangeAnswered
from profilehub_shared.contracts.subscription_manager import SubscriberChangeRequested
from profilehub_shared.heartbeat import heartbeat
from profilehub_shared.kafka import ensure_topics, make_broker, topics_of
from profilehub_shared.logs import configure_logging
from profilehub_shared.mongo import database, open_mongo
from profilehub_shared.runtime import settle_garbage_collector
from profilehub_shared.tracing import flush_traces, tracer_provider

from . import api, api_docs, documented, errors, health, jobs, messages, observability, subscription_manager
from .cursors import CursorSigner
from .json_input import StrictJsonBodies
from .last_resort import LastResort
from .limits import BodySizeLimit
from .profile_client import ProfileClient
from .schema_client import SchemaClient
from .settings import Settings, load_settings
from .uploads import remove_ended_uploads

log = logging.getLogger(__name__)

DESCRIPTION = """Profile databases, fields, resources, suppression lists and promo pools.

Every call carries `Authorization: Bearer <token>`: the admin token (`PROFILEHUB_ADMIN_TOKEN`) or a group token
the admin created. A group token sees only its group's objects. Errors have one shape:
`{"error": {"code", "message", "details": [{"field", "value", "code", "message"}]}}`."""


async def token_names_index(db: Any) -> None:
    """Token names are unique; tokens named alike before that rule keep working, with a warning to rename."""
    try:
        await db.tokens.create_index([("name", ASCENDING)], unique=True)
    except OperationFailure as exc:
        log.warning("token names are not unique yet (%s): revoke or recreate the duplicates", exc)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the gateway from its settings (read from the environment when not given)."""
    settings = settings or load_settings()
    configure_logging("gateway", settings.log_level, settings.log_format)
    tracing = tracer_provider("gateway", settings)
    broker = make_broker(settings, "gateway", tracing)
    board = health.HeartbeatBoard()
    schema = SchemaClient(broker, settings.schema_reply_timeout_seconds)
    profiles = ProfileClient(broker, settings.schema_reply_timeout_seconds)
    broker.include_router(jobs.router)

    # No consumer group: every gateway replica sees every heartbeat.
    @broker.subscriber(ServiceHeartbeatRecorded.topic, auto_offset_reset="earliest")
    async def on_heartbeat(beat: ServiceHeartbeatRecorded) -> None:
        board.record(beat)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        topics = topics_of(
            [
                ServiceHeartbeatRecorded,
                ChangeSchema,
                SchemaChangeAnswered,
                DatabaseChanged,
                JobRequested,
                JobProgressed,
                UpsertProfile,
                DeleteProfile,
                ProfileWriteAnswered,
                SubscriberChangeRequested,
            ]
        )
        await ensure_topics(settings.kafka_bootstrap_servers, topics)
        async with AsyncExitStack() as stack:
            client = open_mongo(settings, "gateway")
            stack.push_async_callback(client.close)
            db = database(client, settings)
            await db.tokens.create_index([("hash", ASCENDING)], unique=True)
            await db.jobs.create_index([("file_id", ASCENDING)])
            await remove_ended_uploads(db)  # what a crash left between a job's end and its upload's removal
            await token_names_index(db)
            broker.context.set_global("db", db)  # for the JobProgressed subscriber
            await broker.start()
            stack.push_async_callback(broker.stop)
            await schema.ready()
            await profiles.ready()
            app.state.settings = settings
            app.state.broker = broker
            app.state.mongo_client = client
            app.state.db = db
            app.state.schema = schema
            app.state.profiles = profiles
            app.state.heartbeats = board
            stack.callback(flush_traces, "gateway")
            await stack.enter_async_context(heartbeat(broker, client, "gateway", settings.heartbeat_interval_seconds))
            settle_garbage_collector()
            yield
            app.state.stopping = True  # /health/ready answers 503 from here on

    app = FastAPI(
        title="Profilehub API",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=lambda route: route.name,  # operation ids: list_databases, add_field, …
        docs_url=None,  # api_docs serves /docs and /redoc with their assets from the gateway itself
        redoc_url=None,
    )
    app.state.settings = settings  # auth reads it; available before the lifespan too
    app.state.cursors = CursorSigner.for_secret(settings.profilehub_admin_token.get_secret_value())
    # Outermost last: HttpMetrics → LastResort → BodySizeLimit → StrictJsonBodies → the routes.
    app.add_middleware(StrictJsonBodies)
    app.add_middleware(BodySizeLimit, limit=settings.max_body_bytes, upload_limit=settings.max_upload_bytes)
    app.add_middleware(LastResort)
    app.add_middleware(observability.HttpMetrics)
    errors.install(app)
    messages.install(app)
    app.include_router(health.router)
    app.include_router(observability.router)
    app.include_router(api.router)
    subscription_manager.install(app, settings)
    documented.install(app)
    api_docs.install(app)
    observability.trace_requests(app, tracing)
    return app
