"""Tracing: one trace from an HTTP request through the Kafka command to the schema service's handler and back.

The gateway and the schema service run in this process on the real broker and database; their spans are collected
by an in-memory exporter instead of an OTLP collector.
"""

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from gateway_http import ADMIN_TOKEN, bearer, database_body, unique
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from gateway_service.app import create_app as create_gateway
from gateway_service.settings import Settings as GatewaySettings
from profilehub_shared import tracing
from profilehub_shared.contracts.schema import ChangeSchema, SchemaChangeAnswered
from profilehub_shared.settings import ServiceSettings
from schema_service.app import create_app as create_schema
from schema_service.settings import Settings as SchemaSettings
from tests.services import running


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.embedded = provider
    try:
        yield exporter
    finally:
        tracing.embedded = None


@pytest.fixture(scope="module")
async def traced_api(settings: ServiceSettings, spans: InMemorySpanExporter) -> AsyncIterator[httpx.AsyncClient]:
    schema = create_schema(SchemaSettings(**settings.model_dump()))
    gateway = create_gateway(GatewaySettings(**settings.model_dump(), profilehub_admin_token=ADMIN_TOKEN))
    async with running(schema), gateway.router.lifespan_context(gateway):
        transport = httpx.ASGITransport(app=gateway)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://gateway", headers=bearer(ADMIN_TOKEN), timeout=60
        ) as client:
            yield client


def destination(span: ReadableSpan) -> str:
    """The topic a span is about: published to (`messaging.destination.name`) or consumed from."""
    attributes = span.attributes or {}
    return str(attributes.get("messaging.destination.name") or attributes.get("messaging.destination_publish.name"))


async def test_one_trace_goes_from_the_http_request_through_the_command_to_the_handler_and_back(
    traced_api: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    spans.clear()
    answer = await traced_api.post("/api/v1/databases", json=database_body(unique("traced")))
    assert answer.status_code == 201, answer.text

    finished = spans.get_finished_spans()
    [request] = [s for s in finished if s.kind == SpanKind.SERVER and s.parent is None]
    assert (request.attributes or {}).get("http.route") == "/api/v1/databases"
    trace = [s for s in finished if s.context.trace_id == request.context.trace_id]
    kinds = {(s.kind, destination(s)) for s in trace}
    assert (SpanKind.PRODUCER, ChangeSchema.topic) in kinds, kinds  # the gateway sends the command
    assert (SpanKind.CONSUMER, ChangeSchema.topic) in kinds, kinds  # the schema service handles it
    assert (SpanKind.PRODUCER, SchemaChangeAnswered.topic) in kinds, kinds  # and answers
    assert (SpanKind.CONSUMER, SchemaChangeAnswered.topic) in kinds, kinds  # which the gateway receives
    handled = [s for s in trace if s.kind == SpanKind.CONSUMER and destination(s) == ChangeSchema.topic]
    assert all(s.parent is not None for s in handled)  # continued from the message headers, not a new trace
