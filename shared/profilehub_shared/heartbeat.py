"""Every service instance reports it is alive on a topic; the gateway's /health reads them."""

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Coroutine
from typing import Any

from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient

from .contracts import ServiceHeartbeatRecorded
from .mongo import ping

log = logging.getLogger(__name__)


def instance_id(service: str) -> str:
    return f"{service}@{socket.gethostname()}:{os.getpid()}"


async def beat_forever(broker: KafkaBroker, client: AsyncMongoClient, service: str, interval: float) -> None:
    """Publish a heartbeat every `interval` seconds until cancelled; a failed publish is retried next tick."""
    me = instance_id(service)
    while True:
        beat = ServiceHeartbeatRecorded(
            service=service,
            instance_id=me,
            kafka_ok=True,
            mongo_ok=await ping(client),
            interval_seconds=interval,
        )
        try:
            await broker.publish(beat, topic=ServiceHeartbeatRecorded.topic, key=me.encode())
        except Exception as exc:  # Kafka down: the missing heartbeat is itself the signal
            log.warning("heartbeat not published: %r", exc)
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def background(coro: Coroutine[Any, Any, None], name: str) -> AsyncIterator[asyncio.Task[None]]:
    """Run `coro` as a task for the duration of the block; a crash of the task is logged, not swallowed."""
    task = asyncio.create_task(coro, name=name)
    task.add_done_callback(_log_crash)
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _log_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background task %s died", task.get_name(), exc_info=task.exception())


def heartbeat(
    broker: KafkaBroker, client: AsyncMongoClient, service: str, interval: float
) -> contextlib.AbstractAsyncContextManager[asyncio.Task[None]]:
    """Publish heartbeats for the duration of the block."""
    return background(beat_forever(broker, client, service, interval), f"{service}-heartbeat")
