"""Settings of the importer service (environment variables; see README "Configuration")."""

from pydantic import Field

from profilehub_shared.settings import ServiceSettings

from .files import MAX_ARCHIVE_BYTES, MAX_ARCHIVE_RATIO


class Settings(ServiceSettings):
    """The importer's settings."""

    job_lease_seconds: float = Field(30.0, gt=0, description="A job whose runner stops renewing is resumed after this")
    import_batch_rows: int = Field(
        5000, ge=1, le=10_000, description="Rows planned and written together (one matching query per batch)"
    )
    import_max_expanded_bytes: int = Field(
        MAX_ARCHIVE_BYTES, gt=0, description="Bytes an uploaded zip, tar.gz or XLSX may expand to (zip-bomb guard)"
    )
    import_max_expansion_ratio: int = Field(
        MAX_ARCHIVE_RATIO, gt=0, description="... and at most this many times its own size, plus 64 MiB"
    )
    suspension_check_seconds: float = Field(
        60.0, gt=0, description="How often ended subscription suspensions are looked for and resumed"
    )
