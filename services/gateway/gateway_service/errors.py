"""One error shape for every refusal: `{"error": {"code", "message", "details"}}`, with the HTTP status mapped here."""

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from profilehub_shared.contracts.schema import SchemaError
from profilehub_shared.fields.errors import short_repr

log = logging.getLogger(__name__)

SCHEMA_STATUS = {"invalid": 422, "not_found": 404, "conflict": 409, "type_locked": 409, "has_interactions": 409}
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    504: "timeout",
}


class ErrorInfo(BaseModel):
    """Why a request was refused."""

    code: str = Field(description="Stable machine-readable code: invalid, not_found, conflict, type_locked, …")
    message: str = Field(description="What went wrong, for people")
    details: list[dict[str, Any]] = Field(
        default_factory=list, description="Per-field errors: field, value, code, message"
    )


class ErrorBody(BaseModel):
    """The body of every 4xx/5xx answer of the API."""

    error: ErrorInfo


class ApiError(Exception):
    """A refusal the API reports to its caller."""

    def __init__(self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or []

    @classmethod
    def from_schema(cls, error: SchemaError) -> "ApiError":
        return cls(SCHEMA_STATUS.get(error.code, 422), error.code, error.message, list(error.details))


def not_found(what: str, object_id: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} {object_id!r} does not exist")


def validation_details(errors: Any) -> list[dict[str, Any]]:
    """Pydantic errors as field details; values are cut short so a huge input is never echoed back."""
    details = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        message = err.get("msg", "invalid value")
        if err.get("type") == "json_invalid":  # FastAPI puts the character position where a field name would be
            message = f"invalid JSON at character {loc[-1]}: {err.get('ctx', {}).get('error', message)}"
            loc = []
        elif loc[:1] == ["body"]:
            loc = loc[1:]
        details.append(
            {
                "field": ".".join(loc) or "body",
                "value": short_repr(err.get("input")),
                "code": err.get("type", "invalid"),
                "message": message,
            }
        )
    return details


def error_response(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> JSONResponse:
    body = ErrorBody(error=ErrorInfo(code=code, message=message, details=details or []))
    return JSONResponse(body.model_dump(mode="json"), status_code=status)


async def on_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.details)


async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = validation_details(exc.errors())
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5])
    return error_response(422, "invalid", f"invalid request: {summary}", details)


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail, default=str)
    if exc.status_code == 400:  # FastAPI could not parse the body (not UTF-8, nested too deep): bad input as any
        detail = {"field": "body", "value": "", "code": "unparsable_body", "message": "not UTF-8 JSON, or too deep"}
        return error_response(
            422, "invalid", f"{message}: send UTF-8 JSON nested at most a few hundred levels", [detail]
        )
    return error_response(exc.status_code, HTTP_CODES.get(exc.status_code, "error"), message)


def install(app: FastAPI) -> None:
    """Render every refusal in the one error shape."""
    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)


MEANINGS = {
    401: "Missing, unknown or revoked token",
    403: "Needs the admin token",
    404: "No such object (or it belongs to another group)",
    409: "Conflicts with the current state",
    413: "Request body too large",
    415: "Unsupported content type",
    422: "Invalid input, with per-field details",
    504: "The schema service did not answer in time",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """For `responses=`: documents the error shape in OpenAPI (and replaces FastAPI's default 422 schema)."""
    return {status: {"model": ErrorBody, "description": MEANINGS.get(status, "Error")} for status in statuses}
