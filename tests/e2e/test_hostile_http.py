"""Hostile HTTP input on the running system (`make run`, uvicorn in front): 4xx answers, nothing lost.

Issue 11: each of these was a plain-text 500 after which uvicorn reset the keep-alive connection, a 504 after
20 s, or (NaN with `empty: clear`) a 200 that erased the stored value.
"""

import asyncio
import json
from typing import Any
from urllib.parse import quote

import httpx

from tests.e2e.importing import create_database
from tests.e2e.system import RunningSystem

FIELDS = [{"name": "fl", "type": "float"}]


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, dict[str, str], bytes]:
    """One request and its whole answer on an open connection (the answers here carry a Content-Length)."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")  # IncompleteReadError if the server closed the connection
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines if line)}
    body = await reader.readexactly(int(headers["content-length"]))
    return int(status_line.split()[1]), headers, body


def request(method: str, target: str, token: str, body: bytes | None = None) -> bytes:
    lines = [f"{method} /api/v1{target} HTTP/1.1", "Host: gateway", f"Authorization: Bearer {token}"]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def deep_filter(depth: int) -> str:
    return '{"all":[' * depth + '{"field":"email","op":"eq","value":"x"}' + "]}" * depth


async def test_hostile_requests_get_4xx_json_on_one_keep_alive_connection(
    system: RunningSystem, admin_token: str, api: httpx.AsyncClient
) -> None:
    db_id = await create_database(api, FIELDS)
    hostile: list[tuple[str, str, bytes | None, int, str]] = [
        ("GET", f"/databases/{db_id}/profiles?filter={quote(deep_filter(500))}", None, 422, "too_deep"),
        ("GET", "/databases/a%00b", None, 422, "control_character"),
        ("GET", "/jobs/a%00b", None, 422, "control_character"),
        ("DELETE", "/tokens/a%00b", None, 422, "control_character"),
        ("GET", "/resources/a%00b", None, 422, "control_character"),
        ("GET", f"/databases/{db_id}/profiles/a%00b", None, 422, "control_character"),
        ("DELETE", f"/databases/{db_id}/profiles/a%00b", None, 422, "control_character"),
        ("POST", "/tokens", b'{"name": "a\\u0000b", "group": "g"}', 422, "nul_character"),
        ("POST", "/databases", json.dumps({"name": "a\x00b"}).encode(), 422, "nul_character"),
        ("GET", f"/databases/{db_id}/history?from={quote('9999-12-31T23:59:59-14:00')}", None, 422, "value_error"),
        ("GET", f"/databases/{db_id}/profiles?cursor=garbage", None, 422, "invalid_cursor"),
        ("GET", "/databases?cursor=garbage", None, 422, "invalid_cursor"),
        ("PUT", f"/databases/{db_id}/profiles", b'{"record": {"email": "n@shop.example", "fl": NaN}}', 422, ""),
        ("PUT", "/databases", None, 405, ""),
    ]
    big = json.dumps({"record": {"email": "big@shop.example", "first_name": "x" * 1_100_000}}).encode()
    hostile.append(("PUT", f"/databases/{db_id}/profiles", big, 413, "too_large"))

    reader, writer = await asyncio.open_connection("127.0.0.1", system.port)
    try:
        for method, target, body, status, code in hostile:
            got, headers, raw = await exchange(reader, writer, request(method, target, admin_token, body))
            assert got == status, (method, target[:80], raw[:300])
            assert headers["content-type"] == "application/json", (target[:80], headers)
            error = json.loads(raw)["error"]
            assert error["message"], (target[:80], error)
            if code:
                assert code in {error["code"], *(d["code"] for d in error["details"])}, (target[:80], error)
        live, _, _ = await exchange(reader, writer, b"GET /health/live HTTP/1.1\r\nHost: gateway\r\n\r\n")
        assert live == 200  # the same connection still serves: none of the answers above reset it
    finally:
        writer.close()
    found = (await api.get(f"/databases/{db_id}/profiles", params={"q": "email:big@shop.example"})).json()
    assert found["items"] == []  # the oversize record was never sent to the importer


async def profile_of(api: httpx.AsyncClient, db_id: str, email: str) -> dict[str, Any]:
    [profile] = (await api.get(f"/databases/{db_id}/profiles", params={"q": f"email:{email}"})).json()["items"]
    return dict(profile)


async def test_nan_and_infinity_never_erase_a_stored_value(api: httpx.AsyncClient) -> None:
    db_id = await create_database(api, FIELDS)
    url = f"/databases/{db_id}/profiles"
    stored = await api.put(url, json={"record": {"email": "fl@shop.example", "fl": 1.5}})
    assert stored.status_code == 200, stored.text
    for literal in ("NaN", "Infinity", "-Infinity", "1e400"):
        raw = f'{{"record": {{"email": "fl@shop.example", "fl": {literal}}}, "options": {{"empty": "clear"}}}}'
        answer = await api.put(url, content=raw.encode(), headers={"Content-Type": "application/json"})
        assert answer.status_code == 422, (literal, answer.text)
        assert answer.json()["error"]["details"][0]["field"] == "body.record.fl"
        assert (await profile_of(api, db_id, "fl@shop.example"))["fields"]["fl"] == 1.5, literal
    # What NaN used to become on its way to the importer: null with `empty: clear` does clear (so the test can fail).
    cleared = await api.put(
        url, json={"record": {"email": "fl@shop.example", "fl": None}, "options": {"empty": "clear"}}
    )
    assert cleared.status_code == 200 and cleared.json()["outcome"] == "updated", cleared.text
    assert "fl" not in (await profile_of(api, db_id, "fl@shop.example"))["fields"]


async def test_unknown_record_keys_are_reported_and_nothing_is_written(api: httpx.AsyncClient) -> None:
    db_id = await create_database(api, FIELDS)
    url = f"/databases/{db_id}/profiles"
    assert (await api.put(url, json={"record": {"email": "k@shop.example", "first_name": "Ann"}})).status_code == 200
    for key in ("$x", "a.b", "_id", "has_interactions", "frist_name"):
        answer = await api.put(url, json={"record": {"email": "k@shop.example", "first_name": "Bob", key: "v"}})
        assert answer.status_code == 422, (key, answer.text)
        [detail] = answer.json()["error"]["details"]
        assert (detail["field"], detail["code"]) == (f"record.{key}", "unknown_field"), detail
    assert (await profile_of(api, db_id, "k@shop.example"))["first_name"] == "Ann"
