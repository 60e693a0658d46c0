"""The gateway's share of operations: HTTP metrics by route template, request ids on log lines, `/metrics`,
`/health/ready`, and tracing of requests when tracing is on."""

import time
import uuid
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from opentelemetry.sdk.trace import TracerProvider

from profilehub_shared.logs import bound
from profilehub_shared.metrics import HTTP_LATENCY, HTTP_REQUESTS, measure_lag
from profilehub_shared.mongo import ping
from profilehub_shared.ops import metrics_response

UNMATCHED = "<unmatched>"  # a path no route knows: one label, not one per path probed
REQUEST_ID = "x-request-id"

router = APIRouter(tags=["health"])


def route_template(scope: dict[str, Any]) -> str:
    """The matched route's path template, router prefixes included (`/api/v1/databases/{database_id}`)."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not template:
        return UNMATCHED
    # A route of an included router knows its path without the router's prefix; the prefix is the path's head.
    path, suffix = str(scope.get("path", "")).split("/"), template.split("/")
    head = path[: len(path) - len(suffix) + 1]
    return "/".join(head) + template if len(head) > 1 else template


class HttpMetrics:
    """ASGI middleware: counts every answer by method, route template and status, times it, and binds a
    `request_id` (the caller's `X-Request-ID`, or a new one, sent back in the answer) to its log lines."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        asked = dict(scope.get("headers") or []).get(REQUEST_ID.encode(), b"").decode("latin-1")[:64]
        request_id = asked if asked.isprintable() and asked else uuid.uuid4().hex
        status = 500

        async def observed_send(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (REQUEST_ID.encode(), request_id.encode("latin-1"))]
            await send(message)

        started = time.perf_counter()
        try:
            with bound(request_id=request_id):
                await self.app(scope, receive, observed_send)
        finally:
            route, method = route_template(scope), scope.get("method", "")
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_LATENCY.labels(method, route).observe(time.perf_counter() - started)


@router.get("/metrics", summary="Prometheus metrics of this gateway replica", include_in_schema=False)
async def metrics(request: Request) -> Response:
    broker = getattr(request.app.state, "broker", None)
    return await metrics_response(lambda: measure_lag([broker] if broker is not None else []))


@router.get("/health/ready", summary="This gateway replica can serve: Kafka and MongoDB answer")
async def ready(request: Request, response: Response) -> dict[str, Any]:
    state = request.app.state
    stopping = getattr(state, "stopping", False)
    kafka_ok = not stopping and await state.broker.ping(timeout=2.0)
    mongo_ok = not stopping and await ping(state.mongo_client)
    ok = kafka_ok and mongo_ok
    response.status_code = 200 if ok else 503
    return {
        "status": "stopping" if stopping else "ok" if ok else "degraded",
        "kafka": {"ok": kafka_ok},
        "mongo": {"ok": mongo_ok},
    }


def trace_requests(app: FastAPI, provider: TracerProvider | None) -> None:
    """A server span per request (when tracing is on); the Kafka middleware continues the trace in the command."""
    if provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls="/metrics,/health.*")
