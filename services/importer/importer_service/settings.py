"""Settings of the importer service (environment variables; see README "Configuration")."""

from profilehub_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The importer service's settings."""
