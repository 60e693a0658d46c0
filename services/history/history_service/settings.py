"""Settings of the history service (environment variables; see README "Configuration")."""

from profilehub_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The history service's settings."""
