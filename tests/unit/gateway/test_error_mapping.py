"""Refusals map to HTTP statuses and render in the one error shape, whatever their source."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from gateway_service import errors
from gateway_service.errors import ApiError
from profilehub_shared.contracts.schema import SchemaError


@pytest.mark.parametrize(
    ("code", "status"),
    [("invalid", 422), ("not_found", 404), ("conflict", 409), ("type_locked", 409), ("has_interactions", 409)],
)
def test_schema_error_codes_map_to_http_statuses(code: str, status: int) -> None:
    error = SchemaError(code=code, message="why", details=[{"field": "f"}])
    api_error = ApiError.from_schema(error)
    assert (api_error.status, api_error.code, api_error.message, api_error.details) == (
        status,
        code,
        "why",
        [{"field": "f"}],
    )


def test_validation_details_name_the_field_and_cut_the_value_short() -> None:
    details = errors.validation_details(
        [
            {"type": "string_too_long", "loc": ("body", "settings", "name"), "msg": "too long", "input": "x" * 10_000},
            {
                "type": "json_invalid",
                "loc": ("body", 9),
                "msg": "JSON decode error",
                "input": {},
                "ctx": {"error": "oops"},
            },
            {"type": "int_parsing", "loc": ("query", "limit"), "msg": "not an int", "input": "many"},
        ]
    )
    assert details[0]["field"] == "settings.name" and len(details[0]["value"]) <= 100
    assert details[1]["field"] == "body" and details[1]["message"] == "invalid JSON at character 9: oops"
    assert details[2]["field"] == "query.limit" and details[2]["value"] == "'many'"


class Thing(BaseModel):
    name: str


def app_refusing() -> FastAPI:
    app = FastAPI()
    errors.install(app)

    @app.post("/things")
    async def make(thing: Thing) -> dict[str, Any]:
        raise ApiError(409, "conflict", f"{thing.name} exists", [{"field": "name"}])

    return app


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b'{"name": "a"}', 409, "conflict"),
        (b'{"name": 1}', 422, "invalid"),
        (b"{", 422, "invalid"),
        (b"[" * 50_000 + b"]" * 50_000, 422, "invalid"),
    ],
)
async def test_every_refusal_has_the_error_shape(content: bytes, status: int, code: str) -> None:
    transport = httpx.ASGITransport(app=app_refusing())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.post("/things", content=content, headers={"Content-Type": "application/json"})
        missing = await client.get("/nowhere")
    assert answer.status_code == status
    assert set(answer.json()) == {"error"} and answer.json()["error"]["code"] == code
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
