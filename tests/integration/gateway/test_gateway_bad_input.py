"""Hostile and malformed requests get a clear 4xx in the one error shape, never a 500."""

import json
from typing import Any

import httpx
import pytest
from gateway_http import database_body, unique

HOSTILE_BODIES: list[tuple[str, Any]] = [
    ("a $where key", {**database_body("x"), "$where": "sleep(1000)"}),
    ("an operator as a value", database_body({"$gt": ""})),
    ("a dotted key", {**database_body("x"), "settings.name": "y"}),
    ("a wrong type", database_body("x", tags="not-a-list")),
    ("a number for a string", database_body(12345)),
    ("null", None),
    ("a list", [database_body("x")]),
    ("a huge name", database_body("n" * 1_000_000)),
    ("a bad email", database_body("x", email_settings={"from_name": "A", "from_email": "nope"})),
    ("an unknown language", database_body("x", subscription_manager={"title": "T", "language": "xx"})),
]


@pytest.mark.parametrize(("case", "body"), HOSTILE_BODIES, ids=[c for c, _ in HOSTILE_BODIES])
async def test_hostile_database_bodies_are_invalid(api: httpx.AsyncClient, case: str, body: Any) -> None:
    answer = await api.post("/api/v1/databases", json=body)
    assert answer.status_code == 422, answer.text[:500]
    error = answer.json()["error"]
    assert error["code"] == "invalid" and error["details"], case
    assert len(answer.content) < 10_000, "the error must not echo a huge input back"


@pytest.mark.parametrize(
    ("case", "content"),
    [
        ("broken JSON", b'{"name": '),
        ("not UTF-8", b'{"name": "\xff"}'),
        ("deeply nested", b"[" * 100_000 + b"]" * 100_000),
        ("empty", b""),
    ],
)
async def test_malformed_json_is_invalid(api: httpx.AsyncClient, case: str, content: bytes) -> None:
    answer = await api.post("/api/v1/databases", content=content, headers={"Content-Type": "application/json"})
    assert answer.status_code == 422, (case, answer.text[:300])
    assert answer.json()["error"]["code"] == "invalid"


async def test_hostile_field_definitions_and_changes_are_invalid(
    api: httpx.AsyncClient, database: dict[str, Any]
) -> None:
    url = f"/api/v1/databases/{database['id']}/fields"
    for body in (
        {"name": "$where", "type": "line"},
        {"name": "a.b", "type": "line"},
        {"name": "obj", "type": "object", "default": {"$where": 1}},
        {"name": "obj", "type": "object", "default": {"a.b": 1}},
        {"name": "x", "type": "no-such-type"},
        {"name": "x", "type": "line", "$where": "1"},
    ):
        answer = await api.post(url, json=body)
        assert answer.status_code == 422, (body, answer.text)
    assert (await api.patch(f"{url}/x", json={"$set": {"type": "line"}})).status_code == 422
    patch = await api.patch(f"/api/v1/databases/{database['id']}", json={"settings.name": "x"})
    assert patch.status_code == 422
    standard = await api.put(f"/api/v1/databases/{database['id']}/standard-fields/city", json={"default": {"$gt": 1}})
    assert standard.status_code == 422


async def test_bodies_over_the_limit_are_refused_before_reading(api: httpx.AsyncClient) -> None:
    huge = json.dumps(database_body(unique("x"), description="d" * (17 * 1024 * 1024))).encode()
    answer = await api.post("/api/v1/databases", content=huge, headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "too_large"


async def test_bad_query_parameters_are_invalid(api: httpx.AsyncClient) -> None:
    for params in ({"limit": "0"}, {"limit": "many"}, {"is_watchers": "perhaps"}, {"name": "n" * 500}):
        answer = await api.get("/api/v1/databases", params=params)
        assert answer.status_code == 422, params
        assert answer.json()["error"]["details"][0]["field"].startswith("query.")
