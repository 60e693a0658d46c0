"""Settings of the gateway (environment variables; see README "Configuration")."""

from pydantic import Field

from profilehub_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The gateway's settings."""

    http_host: str = Field("127.0.0.1", description="Address the HTTP API listens on")
    http_port: int = Field(8080, description="Port the HTTP API listens on")
