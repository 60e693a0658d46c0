"""Hostile HTTP input (issue 11) answers a 4xx naming field, value and reason: never a 500, a reset or a 504.

The gateway and the schema service run on the real broker and database; requests go through the ASGI app, where
an unexpected exception would surface in the test instead of being hidden behind a 500.
"""

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from gateway_http import database_body, unique

API = "/api/v1"


def only_detail(answer: httpx.Response) -> dict[str, Any]:
    error = answer.json()["error"]
    assert len(error["details"]) >= 1, error
    return dict(error["details"][0])


async def test_nul_in_any_path_id_is_a_422_naming_the_parameter(
    api: httpx.AsyncClient, database: dict[str, Any]
) -> None:
    db_id = database["id"]
    for method, path, name in [
        ("GET", "/databases/a%00b", "database_id"),
        ("PATCH", "/databases/a%00b", "database_id"),
        ("DELETE", "/databases/a%00b", "database_id"),
        ("GET", "/jobs/a%00b", "job_id"),
        ("POST", "/jobs/a%00b/cancel", "job_id"),
        ("DELETE", "/tokens/a%00b", "token_id"),
        ("GET", "/resources/a%00b", "resource_id"),
        ("GET", f"/databases/{db_id}/profiles/a%00b", "profile_id"),
        ("DELETE", f"/databases/{db_id}/profiles/a%00b", "profile_id"),
        ("GET", f"/databases/{db_id}/profiles/a%00b/history", "profile_id"),
        ("DELETE", f"/databases/{db_id}/fields/a%00b", "name"),
        ("GET", "/promo-pools/a%01b", "pool_id"),
    ]:
        body = {} if method == "PATCH" else None
        answer = await api.request(method, API + path, json=body)
        assert answer.status_code == 422, (method, path, answer.text)
        detail = only_detail(answer)
        assert detail["field"] == f"path.{name}" and detail["code"] == "control_character", detail
        assert "\\x00" in detail["value"] or "\\x01" in detail["value"], detail
        assert "control character" in detail["message"]


async def test_a_profile_id_longer_than_any_is_not_found(api: httpx.AsyncClient, database: dict[str, Any]) -> None:
    url = f"{API}/databases/{database['id']}/profiles/{'p' * 65}"
    for method in ("GET", "DELETE"):
        answer = await api.request(method, url)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found", (method, answer.text)


async def test_nul_in_a_query_parameter_is_a_422(api: httpx.AsyncClient, database: dict[str, Any]) -> None:
    for path, params in [
        ("/databases", {"name": "a\x00b"}),
        ("/databases", {"tag": "\x00"}),
        (f"/databases/{database['id']}/profiles", {"q": "email:a\x00b"}),
    ]:
        answer = await api.get(API + path, params=params)
        assert answer.status_code == 422, (path, answer.text)
        [name] = params
        assert only_detail(answer)["field"] == f"query.{name}"


async def test_nul_anywhere_in_a_json_body_is_refused_at_once_not_after_a_timeout(
    api: httpx.AsyncClient, database: dict[str, Any]
) -> None:
    named = await api.post(f"{API}/databases", json=database_body("a\x00b"))
    assert named.status_code == 422, named.text
    assert only_detail(named) == {
        "field": "body.name",
        "value": "'a\\x00b'",
        "code": "nul_character",
        "message": "text may not contain NUL (U+0000)",
    }
    token = await api.post(f"{API}/tokens", json={"name": "crm\x00", "group": "g"})
    assert token.status_code == 422 and only_detail(token)["field"] == "body.name", token.text
    key = await api.put(f"{API}/databases/{database['id']}/profiles", json={"record": {"a\x00": 1}})
    assert key.status_code == 422 and only_detail(key)["field"] == "body.record", key.text
    lone = await api.post(
        f"{API}/databases", content=b'{"name": "\\ud800"}', headers={"Content-Type": "application/json"}
    )
    assert lone.status_code == 422 and only_detail(lone)["code"] == "invalid_unicode", lone.text


def nested_filter(depth: int) -> str:
    return '{"all":[' * depth + '{"field":"email","op":"eq","value":"x"}' + "]}" * depth


@pytest.mark.parametrize("depth", [40, 500, 1500])
async def test_a_deeply_nested_filter_is_a_422(api: httpx.AsyncClient, database: dict[str, Any], depth: int) -> None:
    url = f"{API}/databases/{database['id']}/profiles"
    answer = await api.get(url, params={"filter": nested_filter(depth)})
    assert answer.status_code == 422, answer.text[:300]
    detail = only_detail(answer)
    assert (detail["field"], detail["code"]) == ("query.filter", "too_deep"), detail
    assert "nested more than 32 levels" in detail["message"]
    searched = await api.post(
        f"{url}/search", content=f'{{"filter": {nested_filter(depth)}}}', headers={"Content-Type": "application/json"}
    )
    assert searched.status_code == 422 and only_detail(searched)["code"] == "too_deep", searched.text[:300]


async def test_nan_and_infinity_are_refused_with_the_field_named(
    api: httpx.AsyncClient, database: dict[str, Any]
) -> None:
    url = f"{API}/databases/{database['id']}/profiles"
    for literal in ("NaN", "Infinity", "-Infinity", "1e400"):
        raw = f'{{"record": {{"email": "n@shop.example", "fl": {literal}}}, "options": {{"empty": "clear"}}}}'
        answer = await api.put(url, content=raw.encode(), headers={"Content-Type": "application/json"})
        assert answer.status_code == 422, (literal, answer.text)
        detail = only_detail(answer)
        assert (detail["field"], detail["code"]) == ("body.record.fl", "not_a_finite_number"), detail
        assert literal in detail["value"] or "inf" in detail["value"]
    in_filter = await api.get(url, params={"filter": '{"field": "fl", "op": "gt", "value": NaN}'})
    assert in_filter.status_code == 422 and only_detail(in_filter)["field"] == "query.filter.value", in_filter.text


async def test_unknown_record_keys_are_a_422_naming_each(api: httpx.AsyncClient, database: dict[str, Any]) -> None:
    db_id = database["id"]
    assert (await api.post(f"{API}/databases/{db_id}/fields", json={"name": "plan", "type": "line"})).status_code == 201
    record = {"email": "k@shop.example", "plan": "pro", "$x": 1, "a.b": 2, "_id": "z", "has_interactions": True}
    answer = await api.put(f"{API}/databases/{db_id}/profiles", json={"record": record | {"frist_name": "Ann"}})
    assert answer.status_code == 422, answer.text
    details = {d["field"]: d for d in answer.json()["error"]["details"]}
    assert set(details) == {"record.$x", "record.a.b", "record._id", "record.has_interactions", "record.frist_name"}
    assert {d["code"] for d in details.values()} == {"unknown_field"}
    assert "did you mean 'first_name'" in details["record.frist_name"]["message"]
    assert "system field" in details["record.has_interactions"]["message"]
    assert "frist_name" in answer.json()["error"]["message"]


async def test_a_command_over_kafkas_message_size_is_a_413(api: httpx.AsyncClient, database: dict[str, Any]) -> None:
    record = {"email": "big@shop.example", "first_name": "x" * 1_100_000}
    answer = await api.put(f"{API}/databases/{database['id']}/profiles", json={"record": record})
    assert answer.status_code == 413, answer.text[:300]
    error = answer.json()["error"]
    assert error["code"] == "too_large" and "1,000,000-byte limit" in error["message"], error
    assert only_detail(answer)["field"] == "body.record"


async def test_out_of_range_dates_are_a_422(api: httpx.AsyncClient, database: dict[str, Any]) -> None:
    url = f"{API}/databases/{database['id']}/history"
    for name, value in [("from", "9999-12-31T23:59:59-14:00"), ("to", "0001-01-01T00:00:00+14:00")]:
        answer = await api.get(url, params={name: value})
        assert answer.status_code == 422, answer.text
        detail = only_detail(answer)
        assert detail["field"] == f"query.{name}" and "out of range" in detail["message"], detail
    export = await api.post(f"{url}/exports", json={"format": "csv", "from": "9999-12-31T23:59:59-14:00"})
    assert export.status_code == 422 and "out of range" in export.text, export.text


@pytest.fixture
async def many_databases(api: httpx.AsyncClient) -> AsyncIterator[str]:
    tag = unique("paged")
    for _ in range(3):
        created = await api.post(f"{API}/databases", json=database_body(unique("db"), tags=[tag]))
        assert created.status_code == 201
    yield tag


async def test_tampered_and_garbage_cursors_are_a_422(
    api: httpx.AsyncClient, database: dict[str, Any], many_databases: str
) -> None:
    first = (await api.get(f"{API}/databases", params={"tag": many_databases, "limit": 1})).json()
    cursor = first["next_cursor"]
    rest = (await api.get(f"{API}/databases", params={"tag": many_databases, "limit": 5, "cursor": cursor})).json()
    assert len(rest["items"]) == 2
    tampered = cursor[:-1] + ("A" if cursor[-1] != "A" else "B")
    profiles = f"{API}/databases/{database['id']}/profiles"
    for url, bad in [
        (f"{API}/databases", "garbage"),
        (f"{API}/databases", tampered),
        (f"{API}/databases", first["items"][0]["id"]),
        (profiles, "garbage"),
        (profiles, "ffffffffffffffffffffffffffffffff"),
        (profiles, cursor),  # a cursor of another listing
        (f"{API}/resources", cursor),
    ]:
        answer = await api.get(url, params={"cursor": bad})
        assert answer.status_code == 422, (url, bad, answer.text)
        assert only_detail(answer)["field"] == "query.cursor" and only_detail(answer)["code"] == "invalid_cursor"
    searched = await api.post(f"{profiles}/search", json={"cursor": "garbage"})
    assert searched.status_code == 422 and only_detail(searched)["field"] == "body.cursor", searched.text


async def test_a_chunked_body_over_the_limit_is_a_413(api: httpx.AsyncClient, database: dict[str, Any]) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"codes": ["'
        for _ in range(17):
            yield b"A" * (1024 * 1024)
        yield b'"]}'

    pool = (await api.post(f"{API}/promo-pools", json={"name": unique("pool")})).json()
    for content_type in ("application/json", "text/plain"):
        answer = await api.post(
            f"{API}/promo-pools/{pool['id']}/codes", content=chunks(), headers={"Content-Type": content_type}
        )
        assert answer.status_code == 413, (content_type, answer.text[:300])
        assert answer.json()["error"]["code"] == "too_large"
    created = await api.post(f"{API}/databases", content=chunks(), headers={"Content-Type": "application/json"})
    assert created.status_code == 413, created.text[:300]


async def test_duplicate_token_names_are_a_409(api: httpx.AsyncClient) -> None:
    name = unique("crm")
    assert (await api.post(f"{API}/tokens", json={"name": name, "group": "a"})).status_code == 201
    again = await api.post(f"{API}/tokens", json={"name": name, "group": "b"})
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "conflict" and name in again.json()["error"]["message"]


async def test_every_405_carries_an_allow_header(api: httpx.AsyncClient, database: dict[str, Any]) -> None:
    for method, path, allowed in [
        ("PUT", "/databases", {"GET", "HEAD", "POST"}),
        ("POST", f"/databases/{database['id']}", {"GET", "HEAD", "PATCH", "DELETE"}),
        ("DELETE", f"/databases/{database['id']}/profiles", {"GET", "HEAD", "PUT"}),
        ("GET", "/tokens/x", {"DELETE"}),
        ("PATCH", "/jobs/x/cancel", {"POST"}),
    ]:
        answer = await api.request(method, API + path)
        assert answer.status_code == 405, (method, path)
        assert {m.strip() for m in answer.headers["allow"].split(",")} == allowed, (path, answer.headers)
        assert answer.json()["error"]["code"] == "method_not_allowed"
        assert "allowed" in answer.json()["error"]["message"]
    assert (await api.put("/health/live")).headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize("value", [0, 1, "true", "yes", None, [], {}])
async def test_non_boolean_flags_are_refused_not_coerced(
    api: httpx.AsyncClient, database: dict[str, Any], value: Any
) -> None:
    url = f"{API}/databases/{database['id']}"
    patched = await api.patch(url, json={"ml_enabled": value})
    assert patched.status_code == 422, (value, patched.text)
    assert only_detail(patched)["field"] == "ml_enabled" and only_detail(patched)["code"] == "bool_type"
    created = await api.post(f"{API}/databases", json=database_body(unique("db"), is_watchers=value))
    assert created.status_code == 422 and only_detail(created)["field"] == "is_watchers", created.text
    field = await api.post(f"{url}/fields", json={"name": "plan", "type": "line", "unique": value})
    assert field.status_code == 422 and only_detail(field)["field"] == "unique", field.text
    standard = await api.put(f"{url}/standard-fields/city", json={"required": value})
    assert standard.status_code == 422 and only_detail(standard)["field"] == "required", standard.text
    assert (await api.get(url)).json()["settings"]["ml_enabled"] is False


async def test_promo_code_bodies_with_nul_are_a_422(api: httpx.AsyncClient) -> None:
    pool = (await api.post(f"{API}/promo-pools", json={"name": unique("pool")})).json()
    url = f"{API}/promo-pools/{pool['id']}/codes"
    for content, content_type in [
        (b"\x00", "application/json"),
        (b"\x00", "text/plain"),
        (b"A1\nB\x002\n", "text/plain"),
        (json.dumps({"codes": ["A\x00"]}).encode(), "application/json"),
        (b"", "application/json"),
    ]:
        answer = await api.post(url, content=content, headers={"Content-Type": content_type})
        assert answer.status_code == 422, (content, content_type, answer.text)
        assert answer.json()["error"]["details"], answer.text
    assert (await api.get(url)).json()["items"] == []
