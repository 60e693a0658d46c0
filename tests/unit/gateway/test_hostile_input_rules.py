"""The gateway's guards against hostile input, as pure rules: strict JSON, signed cursors, record keys, last resort."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway_service.cursors import CursorSigner
from gateway_service.errors import ApiError
from gateway_service.json_input import MAX_DEPTH, parse_json
from gateway_service.last_resort import LastResort
from gateway_service.messages import check_fits
from profilehub_shared.contracts.profiles import UpsertProfile


def refusal(raw: str | bytes, field: str = "options") -> dict[str, Any]:
    with pytest.raises(ApiError) as caught:
        parse_json(raw, field)
    assert caught.value.status == 422 and caught.value.code == "invalid"
    return dict(caught.value.details[0])


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 500, 1000, 100_000])
def test_import_options_nested_deep_are_refused_naming_the_field(depth: int) -> None:
    detail = refusal('{"a":' * depth + "1" + "}" * depth)
    assert detail == {
        "field": "options",
        "value": "'…'",
        "code": "too_deep",
        "message": "JSON nested more than 32 levels",
    }


def test_json_nested_up_to_the_limit_is_read() -> None:
    depth = MAX_DEPTH - 1
    assert parse_json("[" * depth + "1" + "]" * depth, "body") is not None


@pytest.mark.parametrize(
    ("raw", "field", "code"),
    [
        ('{"mapping": {"a": NaN}}', "options.mapping.a", "not_a_finite_number"),
        ('{"x": [1, Infinity]}', "options.x[1]", "not_a_finite_number"),
        ('{"x": -Infinity}', "options.x", "not_a_finite_number"),
        ('{"x": 1e400}', "options.x", "not_a_finite_number"),
        ('{"x": "a\\u0000b"}', "options.x", "nul_character"),
        ('{"a\\u0000": 1}', "options", "nul_character"),
        ('{"x": "\\udc00"}', "options.x", "invalid_unicode"),
        ('{"x": 1', "options", "json_invalid"),
        (b'{"x": "\xff"}', "options", "json_invalid"),
        ("1" * 5000, "options", "json_invalid"),
    ],
)
def test_what_json_may_not_hold_is_named_with_its_path(raw: str | bytes, field: str, code: str) -> None:
    detail = refusal(raw)
    assert (detail["field"], detail["code"]) == (field, code), detail
    assert detail["message"] and len(detail["value"]) <= 110


def test_every_problem_is_listed_in_document_order() -> None:
    with pytest.raises(ApiError) as caught:
        parse_json('{"a": NaN, "b": "\\u0000", "c": [Infinity]}', "body")
    assert [d["field"] for d in caught.value.details] == ["body.a", "body.b", "body.c[0]"]
    assert caught.value.message == "body.a: NaN and Infinity are not numbers the API stores"


def test_valid_json_is_read_as_json() -> None:
    assert parse_json('{"a": [1, 2.5, "x", true, null], "b": {"c": "Bjørn"}}', "body") == {
        "a": [1, 2.5, "x", True, None],
        "b": {"c": "Bjørn"},
    }


SIGNER = CursorSigner.for_secret("an-admin-token-of-this-deployment")


def test_a_cursor_reads_back_only_on_its_own_listing() -> None:
    cursor = SIGNER.sign("profiles:db1", "a1b2c3")
    assert cursor is not None and SIGNER.read("profiles:db1", cursor) == "a1b2c3"
    assert SIGNER.sign("profiles:db1", None) is None and SIGNER.read("profiles:db1", None) is None
    tampered = cursor[:-1] + ("A" if cursor[-1] != "A" else "B")
    forged = SIGNER.sign("profiles:db1", "a1b2c4")
    assert forged is not None
    for bad in ("garbage", "", ".", tampered, forged.split(".")[0] + "." + cursor.split(".")[1], "a1b2c3", "%%.%%"):
        with pytest.raises(ApiError) as caught:
            SIGNER.read("profiles:db1", bad)
        assert caught.value.details[0]["code"] == "invalid_cursor", bad
    for other in ("profiles:db2", "databases"):
        with pytest.raises(ApiError):
            SIGNER.read(other, cursor)
    with pytest.raises(ApiError):
        CursorSigner.for_secret("another-deployment-token").read("profiles:db1", cursor)


def test_a_command_is_refused_before_it_outgrows_one_kafka_message() -> None:
    def upsert(size: int) -> UpsertProfile:
        return UpsertProfile(database_id="db1", record={"email": "a@shop.example", "first_name": "x" * size})

    check_fits(upsert(900_000), "body.record")
    with pytest.raises(ApiError) as caught:
        check_fits(upsert(1_000_000), "body.record")
    assert caught.value.status == 413 and caught.value.details[0]["field"] == "body.record"
    assert "1,000,000-byte limit" in caught.value.message


def failing_app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(LastResort)  # as the gateway has it: inside Starlette's own error middleware

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("nobody foresaw this")

    return app


async def test_an_unforeseen_error_is_a_json_500_and_is_not_raised_on() -> None:
    # raise_app_exceptions: were the error re-raised (what makes uvicorn reset the connection), this would raise.
    transport = httpx.ASGITransport(app=failing_app(), raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.get("/boom")
    assert answer.status_code == 500 and answer.headers["content-type"] == "application/json"
    error = answer.json()["error"]
    assert error["code"] == "internal" and "incident" in error["message"] and "RuntimeError" in error["message"]
    assert "nobody foresaw" not in error["message"]  # the text of an internal error stays in the log
