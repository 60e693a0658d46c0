"""Settings every service shares, read from the environment (see README "Configuration")."""

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from .contracts.namespace import KafkaNamespace


class ServiceSettings(KafkaNamespace):
    """Connection and runtime settings common to every service (with the topic and group prefixes)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    kafka_bootstrap_servers: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers, comma-separated")
    mongo_url: str = Field("mongodb://127.0.0.1:27017/", description="MongoDB connection URL")
    mongo_db: str = Field("profilehub", description="MongoDB database name (Latin letters only for FerretDB)")
    # Offsets are committed after the write they cover: the write must outlive a crash of the database first.
    mongo_write_concern: str = Field(
        "majority",
        pattern=r"^(majority|[0-9]+)$",
        description="Write concern `w` of every write: majority (default: acknowledged once a majority of the replica "
        "set has it) or a number of members",
    )
    mongo_journal: bool = Field(True, description="Acknowledge a write only once it is in the on-disk journal (j)")
    log_level: str = Field("INFO", description="Python log level")
    log_format: Literal["json", "text"] = Field(
        "json", description="json: one JSON object per line (for log collectors); text: plain lines for humans"
    )
    ops_host: str = Field("0.0.0.0", description="Address the ops HTTP server (metrics, health) listens on")
    ops_port: int = Field(
        0,
        ge=0,
        le=65535,
        description="Port of the ops HTTP server of a worker service: /metrics, /health/live, /health/ready "
        "(0: a free port, named in the log line `ops server listening`; containers use 9100)",
    )
    otel_exporter_otlp_endpoint: str = Field(
        "",
        description="OpenTelemetry: send traces over OTLP/HTTP to this collector (e.g. http://collector:4318); "
        "empty: tracing is off",
    )
    shutdown_grace_seconds: float = Field(
        5.0, gt=0, le=8, description="On SIGTERM, how long a handler in the middle of a batch may take to finish it"
    )
    heartbeat_interval_seconds: float = Field(5.0, gt=0, description="How often a service reports it is alive")
    topic_partitions: int = Field(3, ge=1, description="Partitions of the topics a service creates")
    max_delivery_attempts: int = Field(
        5, ge=1, description="Deliveries of a failing message before it goes to the dead-letter topic"
    )
    # Subscription manager (gateway page and API, exporter's `subscription_manager_url` column): no default secret.
    subscription_manager_secret: SecretStr | None = Field(
        None, min_length=16, description="HMAC secret of subscription-manager links; unset: no links can be minted"
    )
    subscription_manager_base_url: str | None = Field(
        None, max_length=500, description="Public URL of the gateway that links point at, e.g. https://subs.example"
    )
    subscription_link_days: float = Field(30.0, gt=0, le=3650, description="How long a minted link stays valid")
