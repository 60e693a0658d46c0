"""Tokens and access groups (SPEC §7): 401 without a token, 403 for admin-only calls, 404 across groups."""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from gateway_http import bearer, database_body, unique

TokenFactory = Callable[[str], Awaitable[str]]


async def test_calls_without_a_known_token_are_unauthorized(api: httpx.AsyncClient) -> None:
    for headers in ({"Authorization": ""}, bearer("not-a-token"), {"Authorization": "Basic YTpi"}):
        answer = await api.get("/api/v1/databases", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.json()["error"]["code"] == "unauthorized"
        assert answer.headers["WWW-Authenticate"] == 'Bearer realm="profilehub"'  # RFC 9110 §11.6.1
    assert (await api.get("/health/live", headers={"Authorization": ""})).status_code == 200


async def test_tokens_are_admin_only_shown_once_and_revocable(api: httpx.AsyncClient) -> None:
    created = await api.post("/api/v1/tokens", json={"name": "crm", "group": unique("team")})
    assert created.status_code == 201, created.text
    token = created.json()
    secret = bearer(token["token"])

    forbidden = await api.post("/api/v1/tokens", json={"name": "x", "group": "y"}, headers=secret)
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "forbidden"
    assert (await api.get("/api/v1/tokens", headers=secret)).status_code == 403
    assert (await api.delete(f"/api/v1/tokens/{token['id']}", headers=secret)).status_code == 403

    listed = {t["id"]: t for t in (await api.get("/api/v1/tokens")).json()}
    assert listed[token["id"]] == {k: token[k] for k in ("id", "name", "group", "created_at")}
    assert (await api.get("/api/v1/databases", headers=secret)).status_code == 200

    assert (await api.delete(f"/api/v1/tokens/{token['id']}")).status_code == 204
    assert (await api.get("/api/v1/databases", headers=secret)).status_code == 401
    assert (await api.delete(f"/api/v1/tokens/{token['id']}")).status_code == 404


async def test_each_group_sees_and_changes_only_its_own_objects(
    api: httpx.AsyncClient, group_token: TokenFactory
) -> None:
    red_group, blue_group = unique("red"), unique("blue")
    red, blue = bearer(await group_token(red_group)), bearer(await group_token(blue_group))

    # What a group token creates gets its group, whatever the body says.
    made = await api.post("/api/v1/databases", json=database_body(unique("red-db"), group=blue_group), headers=red)
    assert made.status_code == 201, made.text
    red_db: dict[str, Any] = made.json()
    assert red_db["settings"]["group"] == red_group
    blue_db = (await api.post("/api/v1/databases", json=database_body(unique("blue-db")), headers=blue)).json()
    admin_db = (await api.post("/api/v1/databases", json=database_body(unique("admin-db"), group=blue_group))).json()
    assert admin_db["settings"]["group"] == blue_group  # the admin may set any group

    red_list = (await api.get("/api/v1/databases", headers=red)).json()["items"]
    assert [d["id"] for d in red_list] == [red_db["id"]]
    blue_ids = {d["id"] for d in (await api.get("/api/v1/databases", headers=blue)).json()["items"]}
    assert blue_ids == {blue_db["id"], admin_db["id"]}
    assert (await api.get("/api/v1/databases", params={"group": blue_group}, headers=red)).json()["items"] == []
    admin_ids = {d["id"] for d in (await api.get("/api/v1/databases", params={"limit": 1000})).json()["items"]}
    assert {red_db["id"], blue_db["id"], admin_db["id"]} <= admin_ids

    other = f"/api/v1/databases/{blue_db['id']}"
    assert (await api.get(other, headers=red)).status_code == 404
    assert (await api.patch(other, json={"description": "mine now"}, headers=red)).status_code == 404
    assert (await api.get(f"{other}/fields", headers=red)).status_code == 404
    assert (await api.post(f"{other}/fields", json={"name": "x", "type": "line"}, headers=red)).status_code == 404
    assert (await api.post(f"{other}/clone", json={"name": unique("stolen")}, headers=red)).status_code == 404
    assert (await api.delete(other, headers=red)).status_code == 404
    assert (await api.get(other, headers=blue)).status_code == 200

    moved = await api.patch(f"/api/v1/databases/{red_db['id']}", json={"group": blue_group}, headers=red)
    assert moved.status_code == 200 and moved.json()["settings"]["group"] == red_group


async def test_account_objects_are_scoped_by_group(api: httpx.AsyncClient, group_token: TokenFactory) -> None:
    red_group, blue_group = unique("red"), unique("blue")
    red, blue = bearer(await group_token(red_group)), bearer(await group_token(blue_group))
    blue_list = (await api.post("/api/v1/suppression-lists", json={"name": unique("bl")}, headers=blue)).json()
    assert blue_list["group"] == blue_group
    blue_pool = (await api.post("/api/v1/promo-pools", json={"name": unique("bp")}, headers=blue)).json()
    body = {"name": unique("res"), "channels": ["email"]}
    blue_resource = (await api.post("/api/v1/resources", json=body, headers=blue)).json()

    for path in (
        f"suppression-lists/{blue_list['id']}",
        f"promo-pools/{blue_pool['id']}",
        f"resources/{blue_resource['id']}",
    ):
        assert (await api.get(f"/api/v1/{path}", headers=red)).status_code == 404, path
        assert (await api.get(f"/api/v1/{path}", headers=blue)).status_code == 200, path
    for collection in ("suppression-lists", "promo-pools", "resources"):
        assert (await api.get(f"/api/v1/{collection}", headers=red)).json()["items"] == []
        assert len((await api.get(f"/api/v1/{collection}", headers=blue)).json()["items"]) == 1
    entries = {"action": "add", "emails": ["a@b.example"]}
    assert (
        await api.post(f"/api/v1/suppression-lists/{blue_list['id']}/entries", json=entries, headers=red)
    ).status_code == 404

    # Another group's list cannot be attached either: it looks absent.
    body = database_body(unique("red-db"), suppression_list_id=blue_list["id"], resource_ids=[blue_resource["id"]])
    attached = await api.post("/api/v1/databases", json=body, headers=red)
    assert attached.status_code == 422 and attached.json()["error"]["details"][0]["field"] == "suppression_list_id"
    assert (await api.post("/api/v1/databases", json=body, headers=blue)).status_code == 201
