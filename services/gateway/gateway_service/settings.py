"""Settings of the gateway (environment variables; see README "Configuration")."""

from profilehub_shared.settings import ServiceSettings
from pydantic import Field


class Settings(ServiceSettings):
    """The gateway's settings."""

    http_host: str = Field("127.0.0.1", description="Address the HTTP API listens on")
    http_port: int = Field(8080, description="Port the HTTP API listens on")
