"""Why the schema service refuses a change. No HTTP codes here; the gateway maps the `code`."""

from typing import Any

from profilehub_shared.contracts.schema import SchemaError


class SchemaRefused(Exception):
    code = "invalid"

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []

    def as_error(self) -> SchemaError:
        return SchemaError(code=self.code, message=self.message, details=self.details)


class InvalidChange(SchemaRefused):
    code = "invalid"


class NotFound(SchemaRefused):
    code = "not_found"


class Conflict(SchemaRefused):
    code = "conflict"


class FieldTypeLocked(SchemaRefused):
    code = "type_locked"


class DatabaseHasInteractions(SchemaRefused):
    code = "has_interactions"
