"""The ops HTTP server of a worker service, on `OPS_PORT`: `/metrics`, `/health/live`, `/health/ready`.

It runs in the service's own event loop (uvicorn, without signal handlers of its own: FastStream owns SIGTERM).
`/health/ready` answers 200 while the broker and the database answer, and 503 from the moment shutdown begins, so
that Kubernetes takes the pod out of rotation before it stops consuming.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[dict[str, bool]]]
BeforeScrape = Callable[[], Awaitable[None]]


async def metrics_response(before_scrape: BeforeScrape | None = None) -> Response:
    """The Prometheus text exposition of this process's registry."""
    if before_scrape is not None:
        await before_scrape()
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


class Readiness:
    """Ready while every check passes and shutdown has not begun."""

    def __init__(self, check: Check) -> None:
        self.check = check
        self.stopping = False

    async def answer(self) -> JSONResponse:
        if self.stopping:
            return JSONResponse({"status": "stopping"}, status_code=503)
        try:
            async with asyncio.timeout(5):
                parts = await self.check()
        except Exception as exc:
            return JSONResponse({"status": "degraded", "error": repr(exc)[:500]}, status_code=503)
        ok = all(parts.values())
        body = {"status": "ok" if ok else "degraded", **{k: {"ok": v} for k, v in parts.items()}}
        return JSONResponse(body, status_code=200 if ok else 503)


def ops_app(readiness: Readiness, before_scrape: BeforeScrape | None = None) -> Starlette:
    async def metrics(request: Request) -> Response:
        return await metrics_response(before_scrape)

    async def live(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def ready(request: Request) -> Response:
        return await readiness.answer()

    return Starlette(
        routes=[Route("/metrics", metrics), Route("/health/live", live), Route("/health/ready", ready)],
    )


class _QuietServer(uvicorn.Server):
    """uvicorn without its signal handlers: the service's own shutdown stops it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class OpsServer:
    def __init__(self, service: str, host: str, port: int, readiness: Readiness, before_scrape: Any = None) -> None:
        config = uvicorn.Config(
            ops_app(readiness, before_scrape),
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            lifespan="off",
        )
        self.service = service
        self.server = _QuietServer(config)
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> int:
        """Listen; returns the port (the one the OS chose when `port` is 0)."""
        self.task = asyncio.create_task(self.server.serve(), name="ops-server")
        while not self.server.started:
            if self.task.done():
                self.task.result()  # the port is taken: say so
                raise RuntimeError("the ops server stopped before it started")
            await asyncio.sleep(0.01)
        port = int(self.server.servers[0].sockets[0].getsockname()[1])
        log.info(
            "ops server listening on port %d (/metrics, /health/live, /health/ready)", port, extra={"ops_port": port}
        )
        return port

    async def stop(self) -> None:
        if self.task is None:
            return
        self.server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self.task, 3)
