"""Settings of the importer service (environment variables; see README "Configuration")."""

from pydantic import Field

from profilehub_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The importer's settings."""

    job_lease_seconds: float = Field(30.0, gt=0, description="A job whose runner stops renewing is resumed after this")
    import_batch_rows: int = Field(
        5000, ge=1, le=10_000, description="Rows planned and written together (one matching query per batch)"
    )
