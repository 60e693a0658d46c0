"""Settings of the ml service (environment variables; see README "Configuration")."""

from pydantic import Field

from profilehub_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The ml service's settings."""

    ml_refresh_time_hours: int = Field(0, ge=0, le=23, description="UTC hour of the daily Best Send Time refresh")
    job_lease_seconds: float = Field(30.0, gt=0, description="A refresh whose runner stopped renewing restarts then")
