"""OpenTelemetry tracing, off by default.

On when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (spans go over OTLP/HTTP to `<endpoint>/v1/traces`), or when the program
that embeds a service has installed an SDK tracer provider of its own (a test with an in-memory exporter). Then
every Kafka subscriber and publisher gets FastStream's `KafkaTelemetryMiddleware` (the trace context travels in
the message headers) and the gateway's FastAPI app is instrumented, so one trace goes from an HTTP request through
the Kafka command to the handler that applies it.
"""

import logging

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from .settings import ServiceSettings

log = logging.getLogger(__name__)

_installed: dict[str, TracerProvider] = {}
# Set by a program that builds services in its own process (a test with an in-memory exporter), before it builds them.
embedded: TracerProvider | None = None


def tracer_provider(service: str, settings: ServiceSettings) -> TracerProvider | None:
    """The provider this service traces with, or None when tracing is off."""
    if embedded is not None:
        return embedded
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current  # installed by the embedding program, or by an earlier service of this process
    endpoint = settings.otel_exporter_otlp_endpoint.rstrip("/")
    if not endpoint:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(resource=Resource.create({"service.name": f"profilehub-{service}"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces")))
    trace.set_tracer_provider(provider)
    _installed[service] = provider
    log.info("tracing on: spans go to %s/v1/traces", endpoint)
    return provider


def flush_traces(service: str) -> None:
    """Send what is buffered before the process ends (the provider this module installed, if any)."""
    provider = _installed.pop(service, None)
    if provider is not None:
        provider.shutdown()
