"""Settings of the history service (environment variables; see README "Configuration")."""

from pydantic import Field

from profilehub_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The history service's settings."""

    job_lease_seconds: float = Field(30.0, gt=0, description="An export whose runner stopped renewing restarts then")
    export_expiry_hours: float = Field(72.0, gt=0, description="Export results are deleted this long after they end")
    export_progress_rows: int = Field(5000, ge=100, description="Rows between two progress events")
