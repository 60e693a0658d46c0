"""Settings of the ml service (environment variables; see README "Configuration")."""

from profilehub_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The ml service's settings."""
