"""Databases and fields through the HTTP API, with the schema service behind it."""

from typing import Any

import httpx
from gateway_http import database_body, unique
from pymongo.asynchronous.database import AsyncDatabase

ONE_FIELD_OF_EACH_TYPE: list[dict[str, Any]] = [
    {"name": "visits", "type": "number", "default": 0, "unique": True},
    {"name": "score", "type": "float", "default": 1.5},
    {"name": "nickname", "type": "line", "title": "Nick", "max_length": 100},
    {"name": "last_order", "type": "date", "default": "2019-08-22T00:00:00.000Z"},
    {"name": "vip", "type": "boolean", "default": False, "show_in_subscription_manager": True},
    {"name": "plan", "type": "enum", "options": ["free", "pro"], "default": "free", "required": True},
    {"name": "last_ip", "type": "ip"},
    {"name": "interests", "type": "tags", "default": ["news"]},
    {"name": "address", "type": "object", "default": {"city": "Riga", "geo": {"lat": 56.9}}},
    {"name": "orders", "type": "object_array", "peer_keys": True},
]


async def add_field(api: httpx.AsyncClient, database_id: str, field: dict[str, Any]) -> httpx.Response:
    return await api.post(f"/api/v1/databases/{database_id}/fields", json=field)


async def test_a_database_holds_one_field_of_each_type_and_clones_its_structure(
    api: httpx.AsyncClient, database: dict[str, Any], mongo: AsyncDatabase
) -> None:
    db_id = database["id"]
    for field in ONE_FIELD_OF_EACH_TYPE:
        added = await add_field(api, db_id, field)
        assert added.status_code == 201, added.text
        assert added.json()["name"] == field["name"] and added.json()["type"] == field["type"]
    standard = await api.put(f"/api/v1/databases/{db_id}/standard-fields/gender", json={"default": "female"})
    assert standard.status_code == 200, standard.text

    fields = (await api.get(f"/api/v1/databases/{db_id}/fields")).json()
    assert [f["type"] for f in fields["custom"]] == [f["type"] for f in ONE_FIELD_OF_EACH_TYPE]
    assert {f["name"] for f in fields["standard"]} >= {"email", "phones", "timezone"}
    gender = next(f for f in fields["standard"] if f["name"] == "gender")
    assert gender["settings"]["default"] == "female"
    assert next(f for f in fields["custom"] if f["name"] == "last_order")["default"].startswith("2019-08-22T00:00")

    clone_name = unique("clone")
    cloned = await api.post(f"/api/v1/databases/{db_id}/clone", json={"name": clone_name})
    assert cloned.status_code == 201, cloned.text
    clone = cloned.json()
    assert clone["id"] != db_id and clone["settings"]["name"] == clone_name
    assert clone["custom_fields"] == fields["custom"]
    assert clone["standard_fields"] == {"gender": gender["settings"]}
    assert await mongo[f"profiles_{clone['id']}"].count_documents({}) == 0
    got = (await api.get(f"/api/v1/databases/{clone['id']}")).json()
    assert got.pop("profile_count") is None  # no importer here to start its counter
    assert got == clone


async def test_a_field_changes_until_profiles_hold_values_then_its_type_is_locked(
    api: httpx.AsyncClient, database: dict[str, Any], mongo: AsyncDatabase
) -> None:
    db_id = database["id"]
    assert (await add_field(api, db_id, {"name": "plan", "type": "enum", "options": ["free", "pro"]})).is_success
    url = f"/api/v1/databases/{db_id}/fields/plan"

    changed = await api.patch(url, json={"title": "Plan", "options": ["free", "pro", "team"]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "Plan" and changed.json()["options"] == ["free", "pro", "team"]

    retyped = await api.patch(url, json={"type": "line", "options": []})
    assert retyped.status_code == 200, retyped.text
    assert retyped.json()["type"] == "line"

    await mongo[f"profiles_{db_id}"].insert_one({"_id": "p1", "fields": {"plan": "pro"}})
    locked = await api.patch(url, json={"type": "number"})
    assert locked.status_code == 409, locked.text
    error = locked.json()["error"]
    assert error["code"] == "type_locked" and "1 profiles hold values" in error["message"]
    assert error["details"][0]["field"] == "type"

    assert (await api.patch(url, json={"title": "Still fine"})).status_code == 200
    removed = await api.delete(url)
    assert removed.status_code == 204
    assert (await api.delete(url)).status_code == 404


async def test_a_database_whose_profiles_had_interactions_is_kept_until_they_are_gone(
    api: httpx.AsyncClient, database: dict[str, Any], mongo: AsyncDatabase
) -> None:
    db_id = database["id"]
    profiles = mongo[f"profiles_{db_id}"]
    await profiles.insert_many(
        [{"_id": "quiet", "has_interactions": False}, {"_id": "clicked", "has_interactions": True}]
    )

    refused = await api.delete(f"/api/v1/databases/{db_id}")
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "has_interactions"
    assert "1 profiles have interactions" in error["message"] and "delete those profiles first" in error["message"]

    await profiles.delete_one({"_id": "clicked"})
    assert (await api.delete(f"/api/v1/databases/{db_id}")).status_code == 204
    assert (await api.get(f"/api/v1/databases/{db_id}")).status_code == 404


async def test_duplicate_names_are_conflicts(api: httpx.AsyncClient, database: dict[str, Any]) -> None:
    again = await api.post("/api/v1/databases", json=database_body(database["settings"]["name"]))
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"

    assert (await add_field(api, database["id"], {"name": "plan", "type": "line"})).status_code == 201
    # (An identical definition sent again is answered as a redelivery by the schema service, hence another type.)
    duplicate = await add_field(api, database["id"], {"name": "plan", "type": "number"})
    assert duplicate.status_code == 409 and "already exists" in duplicate.json()["error"]["message"]

    clone = await api.post(f"/api/v1/databases/{database['id']}/clone", json={"name": database["settings"]["name"]})
    assert clone.status_code == 409


async def test_bad_field_definitions_are_refused_with_field_details(
    api: httpx.AsyncClient, database: dict[str, Any]
) -> None:
    bad_name = await add_field(api, database["id"], {"name": "9lives", "type": "line"})
    assert bad_name.status_code == 422
    assert {"field": "name", "code": "invalid_name"}.items() <= bad_name.json()["error"]["details"][0].items()

    shadow = await add_field(api, database["id"], {"name": "email", "type": "line"})
    assert shadow.status_code == 422 and shadow.json()["error"]["details"][0]["code"] == "reserved_name"

    bad_default = await add_field(
        api, database["id"], {"name": "plan", "type": "enum", "options": ["a"], "default": "z"}
    )
    assert bad_default.status_code == 422
    detail = bad_default.json()["error"]["details"][0]
    assert detail["field"] == "default" and detail["code"] == "invalid_default" and "'z'" in detail["value"]

    bad_change = await api.patch(f"/api/v1/databases/{database['id']}/fields/nothing", json={"title": "x"})
    assert bad_change.status_code == 404

    bad_standard = await api.put(f"/api/v1/databases/{database['id']}/standard-fields/email", json={"default": "nope"})
    assert bad_standard.status_code == 422 and bad_standard.json()["error"]["details"][0]["field"] == "email.default"


async def test_databases_are_listed_by_filters_and_paged(api: httpx.AsyncClient) -> None:
    tag = unique("tag")
    names = [unique("listed") for _ in range(3)]
    for i, name in enumerate(names):
        body = database_body(name, tags=[tag], is_watchers=i == 0)
        assert (await api.post("/api/v1/databases", json=body)).status_code == 201

    seen: list[str] = []
    cursor = None
    while True:
        params = {"tag": tag, "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await api.get("/api/v1/databases", params=params)).json()
        seen += [d["settings"]["name"] for d in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(names)

    watchers = (await api.get("/api/v1/databases", params={"tag": tag, "is_watchers": True})).json()["items"]
    assert [d["settings"]["name"] for d in watchers] == [names[0]]
    by_name = (await api.get("/api/v1/databases", params={"name": names[1][-8:].upper()})).json()["items"]
    assert [d["settings"]["name"] for d in by_name] == [names[1]]
    hostile = await api.get("/api/v1/databases", params={"name": ".*", "tag": tag})
    assert hostile.status_code == 200 and hostile.json()["items"] == []


async def test_settings_are_patched_key_by_key(api: httpx.AsyncClient, database: dict[str, Any]) -> None:
    url = f"/api/v1/databases/{database['id']}"
    patched = await api.patch(url, json={"description": "Spring sale", "tags": ["sale"]})
    assert patched.status_code == 200, patched.text
    settings = patched.json()["settings"]
    assert settings["description"] == "Spring sale" and settings["tags"] == ["sale"]
    assert settings["name"] == database["settings"]["name"] and patched.json()["version"] == database["version"] + 1

    missing_list = await api.patch(url, json={"suppression_list_id": "nope"})
    assert (
        missing_list.status_code == 422 and missing_list.json()["error"]["details"][0]["field"] == "suppression_list_id"
    )
