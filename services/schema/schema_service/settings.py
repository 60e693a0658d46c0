"""Settings of the schema service (environment variables; see README "Configuration")."""

from profilehub_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The schema service's settings."""
