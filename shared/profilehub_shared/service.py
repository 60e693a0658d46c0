"""The lifecycle every Kafka service shares: topics, Mongo client, heartbeat, clean shutdown.

A service's `app.py` calls `kafka_service(...)` with its routers and a `wire` coroutine that puts its
collaborators (repositories, clocks …) into the FastStream context. Nothing connects at import time;
`faststream run <name>_service.app:create_app --factory` starts it and SIGTERM stops it cleanly.
"""

from collections.abc import Awaitable, Callable, Coroutine, Iterable
from contextlib import AsyncExitStack
from typing import Any

from faststream import ContextRepo, FastStream
from faststream.kafka import KafkaRouter
from faststream.specification import AsyncAPI
from pymongo.asynchronous.database import AsyncDatabase

from .contracts import Message, ServiceHeartbeatRecorded
from .heartbeat import background, heartbeat
from .kafka import ensure_topics, make_broker, topics_of
from .logs import configure_logging
from .mongo import database, open_mongo, ping
from .settings import ServiceSettings

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
    """Build a FastStream app: create its topics, open Mongo, wire collaborators, consume, beat.

    `workers` are long-running coroutines (job runners, schedulers) started after the broker and
    cancelled on shutdown, before the Mongo client closes.
    """
    configure_logging(name, settings.log_level)
    broker = make_broker(settings, name)
    for router in routers:
        broker.include_router(router)
    topics = topics_of([ServiceHeartbeatRecorded, *messages])
    resources = AsyncExitStack()
    app = FastStream(
        broker,
        specification=AsyncAPI(title=f"Profilehub {name}", version="1", description=description),
    )

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

    @app.after_startup
    async def start_heartbeat(context: ContextRepo) -> None:
        client = context.get("mongo_client")
        await resources.enter_async_context(heartbeat(broker, client, name, settings.heartbeat_interval_seconds))
        for worker in workers:
            await resources.enter_async_context(background(worker(context), f"{name}-worker"))

    @app.after_shutdown
    async def disconnect() -> None:
        await resources.aclose()

    return app
