"""One error shape for every refusal: `{"error": {"code", "message", "details"}}`, with the HTTP status mapped here."""

import json
import logging
import re
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
    500: "internal",
    503: "unavailable",
    504: "timeout",
}
METHOD_ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


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


class ApiError(StarletteHTTPException):
    """A refusal the API reports to its caller.

    An HTTPException, so that FastAPI lets it through when it is raised while the body is read (a body over the
    size limit, JSON the gateway refuses) instead of turning it into a bare 400.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, message, headers)
        self.status, self.code, self.message, self.details = status, code, message, details or []

    def __str__(self) -> str:
        return self.message

    @classmethod
    def from_schema(cls, error: SchemaError) -> "ApiError":
        return cls(SCHEMA_STATUS.get(error.code, 422), error.code, error.message, list(error.details))


def not_found(what: str, object_id: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} {object_id!r} does not exist")


def invalid(field: str, value: Any, code: str, message: str) -> ApiError:
    """A 422 about one input: its field, its value (cut short), the reason."""
    return ApiError(
        422,
        "invalid",
        f"{field}: {message}",
        [{"field": field, "value": short_repr(value), "code": code, "message": message}],
    )


def validation_details(errors: Any) -> list[dict[str, Any]]:
    """Pydantic errors as field details; values are cut short so a huge input is never echoed back."""
    details = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        message = err.get("msg", "invalid value")
        if err.get("type") == "json_invalid":  # FastAPI puts the character position where a field name would be
            where = f" at character {loc[-1]}" if loc[-1:] and loc[-1] != "body" else ""
            message = f"invalid JSON{where}: {err.get('ctx', {}).get('error', message)}"
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


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(error=ErrorInfo(code=code, message=message, details=details or []))
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def path_methods(app: FastAPI) -> list[tuple[re.Pattern[str], set[str]]]:
    """Each path of the API (from its OpenAPI document, which lists every route) and the methods it answers."""
    table = []
    for template, operations in app.openapi()["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$")
        methods = {m.upper() for m in operations if m.upper() in METHOD_ORDER}
        table.append((pattern, methods | ({"HEAD"} if "GET" in methods else set())))
    return table


def allowed_methods(request: Request, fallback: str) -> str:
    """Every method some route answers at this path (RFC 9110: a 405 lists them all in `Allow`)."""
    app = request.app
    if getattr(app.state, "path_methods", None) is None:
        app.state.path_methods = path_methods(app)
    methods: set[str] = set()
    for pattern, answered in app.state.path_methods:
        if pattern.match(request.url.path):
            methods |= answered
    return ", ".join(m for m in METHOD_ORDER if m in methods) or fallback


async def on_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.details, dict(exc.headers or {}) or None)


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
    if exc.status_code == 405:
        allowed = allowed_methods(request, (exc.headers or {}).get("Allow", ""))
        message = f"{request.method} is not allowed here; allowed: {allowed}"
        return error_response(405, "method_not_allowed", message, headers={"Allow": allowed})
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, HTTP_CODES.get(exc.status_code, "error"), message, headers=headers)


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
    413: "Request body too large, or the command it makes exceeds the Kafka message limit (1 MiB)",
    415: "Unsupported content type",
    422: "Invalid input, with per-field details",
    503: "A count did not finish within COUNT_TIMEOUT_SECONDS (code count_timeout); narrow the filter",
    504: "The schema service did not answer in time",
}


HEADERS = {
    401: {"WWW-Authenticate": {"description": "The scheme to authenticate with", "schema": {"type": "string"}}},
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """For `responses=`: documents the error shape in OpenAPI (and replaces FastAPI's default 422 schema)."""
    return {
        status: {"model": ErrorBody, "description": MEANINGS.get(status, "Error")}
        | ({"headers": HEADERS[status]} if status in HEADERS else {})
        for status in statuses
    }
