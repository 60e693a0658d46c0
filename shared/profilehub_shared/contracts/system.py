"""Messages about the running system itself."""

from pydantic import Field

from .base import Event, topic_name


class ServiceHeartbeatRecorded(Event):
    """A service instance says it is alive and how its dependencies look from where it runs."""

    topic = topic_name("system", "service-heartbeat-recorded")
    retention_ms = 15 * 60 * 1000  # only the latest beats matter

    service: str = Field(description="Service name: gateway, schema, importer, exporter, history or ml")
    instance_id: str = Field(description="Unique id of the running process")
    kafka_ok: bool = Field(description="The instance reached Kafka (it published this heartbeat)")
    mongo_ok: bool = Field(description="The instance's last MongoDB ping succeeded")
    interval_seconds: float = Field(description="Heartbeat period; missing two in a row means the instance is gone")


class HealthProbeRequested(Event):
    """Used by tests and health checks to prove a topic round-trip works end to end."""

    topic = topic_name("system", "health-probe-requested")

    probe_id: str = Field(description="Natural id of the probe; handlers write it idempotently")
    note: str = Field("", description="Free text carried through")
