"""The lifecycle every Kafka service shares: topics, Mongo client, heartbeat, ops HTTP, clean shutdown.

A service's `app.py` calls `kafka_service(...)` with its routers and a `wire` coroutine that puts its
collaborators (repositories, clocks …) into the FastStream context. Nothing connects at import time;
`faststream run <name>_service.app:create_app --factory` starts it and SIGTERM stops it cleanly.
"""

import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from contextlib import AsyncExitStack
from typing import Any

from faststream import ContextRepo, FastStream
from faststream.kafka import KafkaRouter
from faststream.specification import AsyncAPI
from pymongo.asynchronous.database import AsyncDatabase

from .contracts import Message, ServiceHeartbeatRecorded
from .heartbeat import background, heartbeat
from .kafka import ensure_topics, make_broker, stop_consuming, topics_of
from .logs import configure_logging
from .metrics import measure_lag
from .mongo import database, open_mongo, ping
from .ops import OpsServer, Readiness
from .runtime import settle_garbage_collector
from .settings import ServiceSettings
from .tracing import flush_traces, tracer_provider

log = logging.getLogger(__name__)

Wire = Callable[[ContextRepo, AsyncDatabase], Awaitable[None]]
Worker = Callable[[ContextRepo], Coroutine[Any, Any, None]]


async def _no_wiring(context: ContextRepo, db: AsyncDatabase) -> None:
    return None


def kafka_service(
    name: str,
    settings: ServiceSettings,
    routers: Iterable[KafkaRouter],
    messages: Iterable[type[Message]],
    wire: Wire = _no_wiring,
    description: str = "",
    workers: Iterable[Worker] = (),
) -> FastStream:
    """Build a FastStream app: create its topics, open Mongo, wire collaborators, consume, beat, serve ops HTTP.

    `workers` are long-running coroutines (job runners, schedulers) started after the broker. On SIGTERM, in this
    order: readiness turns 503; the workers are cancelled (a job in hand gives its lease back); the heartbeat stops;
    the subscribers stop taking records and a handler in the middle of a batch gets `shutdown_grace_seconds` to end
    it (else it is cancelled and its offsets stay uncommitted: the batch comes again); the clients close.
    """
    configure_logging(name, settings.log_level, settings.log_format)
    broker = make_broker(settings, name, tracer_provider(name, settings))
    for router in routers:
        broker.include_router(router)
    topics = topics_of([ServiceHeartbeatRecorded, *messages])
    resources = AsyncExitStack()  # closed last: the Mongo client, the ops server
    working = AsyncExitStack()  # closed first: heartbeat and workers
    app = FastStream(
        broker,
        logger=logging.getLogger("faststream"),
        specification=AsyncAPI(title=f"Profilehub {name}", version="1", description=description),
    )

    async def reachable() -> dict[str, bool]:
        client = app.context.get("mongo_client")
        return {"kafka": await broker.ping(timeout=2.0), "mongo": client is not None and await ping(client)}

    readiness = Readiness(reachable)

    async def before_scrape() -> None:
        await measure_lag([broker])

    ops = OpsServer(name, settings.ops_host, settings.ops_port, readiness, before_scrape)

    @app.on_startup
    async def connect(context: ContextRepo) -> None:
        await ensure_topics(settings.kafka_bootstrap_servers, topics)
        client = open_mongo(settings, name)
        resources.push_async_callback(client.close)
        if not await ping(client):
            raise RuntimeError(f"MongoDB at {settings.mongo_url} does not answer")
        db = database(client, settings)
        context.set_global("settings", settings)
        context.set_global("broker", broker)
        context.set_global("mongo_client", client)
        context.set_global("db", db)
        await wire(context, db)
        await ops.start()
        resources.push_async_callback(ops.stop)
        settle_garbage_collector()

    @app.after_startup
    async def start_heartbeat(context: ContextRepo) -> None:
        client = context.get("mongo_client")
        await working.enter_async_context(heartbeat(broker, client, name, settings.heartbeat_interval_seconds))
        for worker in workers:
            await working.enter_async_context(background(worker(context), f"{name}-worker"))

    @app.on_shutdown
    async def stop_working() -> None:
        log.info("stopping: readiness off, workers and heartbeat stopping, then the consumers")
        readiness.stopping = True
        await working.aclose()
        await stop_consuming(broker)  # the producer stays open for the batches being finished

    @app.after_shutdown
    async def disconnect() -> None:
        await resources.aclose()
        flush_traces(name)
        log.info("stopped")

    return app
