"""Settings of the exporter service (environment variables; see README "Configuration")."""

from profilehub_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The exporter service's settings."""
