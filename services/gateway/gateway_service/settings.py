"""Settings of the gateway (environment variables; see README "Configuration")."""

from pydantic import Field, SecretStr, ValidationError

from profilehub_shared.settings import ServiceSettings


class ConfigurationError(RuntimeError):
    """The gateway cannot start with this environment; the message says what to set."""


class Settings(ServiceSettings):
    """The gateway's settings."""

    http_host: str = Field("127.0.0.1", description="Address the HTTP API listens on")
    http_port: int = Field(8080, description="Port the HTTP API listens on")
    profilehub_admin_token: SecretStr = Field(
        min_length=16, description="The admin token (env PROFILEHUB_ADMIN_TOKEN); required, no default"
    )
    schema_reply_timeout_seconds: float = Field(
        20.0, gt=0, description="How long a write waits for the schema service's answer before HTTP 504"
    )
    count_timeout_seconds: float = Field(
        10.0, gt=0, description="Longest a filtered profile count may run before HTTP 503 count_timeout"
    )
    max_body_bytes: int = Field(16 * 1024 * 1024, ge=1024, description="Largest request body accepted (HTTP 413)")
    max_upload_bytes: int = Field(
        4 * 1024**3, ge=1024, description="Largest import file accepted (HTTP 413); stored in GridFS in chunks"
    )


def load_settings() -> Settings:
    """Settings from the environment, or a ConfigurationError naming each variable that is missing or wrong."""
    try:
        return Settings()  # pydantic-settings fills the required token from the env
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        raise ConfigurationError(
            f"gateway settings are incomplete: {problems}. PROFILEHUB_ADMIN_TOKEN must be set to a secret of at "
            "least 16 characters (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`); "
            "there is no default."
        ) from None
