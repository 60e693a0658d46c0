"""Settings of the exporter service (environment variables; see README "Configuration")."""

from pydantic import Field

from profilehub_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The exporter service's settings."""

    job_lease_seconds: float = Field(
        30.0, gt=0, description="An export whose runner stops renewing restarts after this"
    )
    export_expiry_hours: float = Field(72.0, gt=0, description="Export results are deleted this long after they end")
    export_progress_rows: int = Field(5000, ge=100, description="Rows between two progress events")
