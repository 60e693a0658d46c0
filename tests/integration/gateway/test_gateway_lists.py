"""Suppression lists, promo pools and resources through the HTTP API."""

import httpx
from gateway_http import database_body, unique


async def test_suppression_entries_are_added_counted_and_listed(api: httpx.AsyncClient) -> None:
    created = await api.post("/api/v1/suppression-lists", json={"name": unique("blocked")})
    assert created.status_code == 201, created.text
    list_id = created.json()["id"]
    url = f"/api/v1/suppression-lists/{list_id}/entries"
    body = {
        "action": "add",
        "emails": ["Ann@Example.COM", "bob@example.com", "not-an-email", "ann@example.com"],
        "phones": ["+1 415 555 2671"],
        "domains": ["Spam.example", "@junk.example"],
    }
    added = await api.post(url, json=body)
    assert added.status_code == 200, added.text
    counts = added.json()["counts"]
    assert counts["added"] == 5
    assert [i["value"] for i in counts["invalid"]] == ["'not-an-email'"]
    assert added.json()["suppression_list"]["counts"] == {"email": 2, "phone": 1, "domain": 2}

    again = (await api.post(url, json={"action": "add", "emails": ["bob@example.com"]})).json()["counts"]
    assert again["added"] == 0 and again["duplicates"] == 1

    emails = (await api.get(url, params={"kind": "email"})).json()
    assert sorted(e["value"] for e in emails["items"]) == ["ann@example.com", "bob@example.com"]
    first = (await api.get(url, params={"limit": 3})).json()
    rest = (await api.get(url, params={"limit": 3, "cursor": first["next_cursor"]})).json()
    assert len(first["items"]) == 3 and len(rest["items"]) == 2 and rest["next_cursor"] is None
    assert (await api.get(url, params={"cursor": "zzz"})).status_code == 422

    removed = (await api.post(url, json={"action": "remove", "domains": ["spam.example"]})).json()
    assert removed["counts"]["removed"] == 1

    db = await api.post("/api/v1/databases", json=database_body(unique("uses-list"), suppression_list_id=list_id))
    assert db.status_code == 201, db.text
    in_use = await api.delete(f"/api/v1/suppression-lists/{list_id}")
    assert in_use.status_code == 409 and "detach it first" in in_use.json()["error"]["message"]


async def test_promo_codes_upload_as_json_or_text_and_count_duplicates(api: httpx.AsyncClient) -> None:
    pool = (await api.post("/api/v1/promo-pools", json={"name": unique("spring")})).json()
    url = f"/api/v1/promo-pools/{pool['id']}/codes"

    as_json = await api.post(url, json={"codes": ["A1", "A2", "A2", "A3"]})
    assert as_json.status_code == 200, as_json.text
    assert as_json.json()["counts"]["added"] == 3 and as_json.json()["counts"]["duplicates"] == 1

    text = "A3\nB1\r\n\n  B2  \nB1\n"
    as_text = await api.post(url, content=text.encode(), headers={"Content-Type": "text/plain; charset=utf-8"})
    assert as_text.status_code == 200, as_text.text
    assert as_text.json()["counts"]["added"] == 2 and as_text.json()["counts"]["duplicates"] == 2
    assert as_text.json()["promo_pool"]["counts"] == {"unused": 5, "assigned": 0}

    unused = (await api.get(url, params={"state": "unused", "limit": 1000})).json()["items"]
    assert sorted(c["code"] for c in unused) == ["A1", "A2", "A3", "B1", "B2"]
    assert (await api.get(url, params={"state": "assigned"})).json()["items"] == []

    too_long = await api.post(url, content=("x" * 201).encode(), headers={"Content-Type": "text/plain"})
    assert too_long.status_code == 422 and too_long.json()["error"]["details"][0]["field"] == "codes.0"
    not_utf8 = await api.post(url, content=b"\xff\xfe\xfa", headers={"Content-Type": "text/plain"})
    assert not_utf8.status_code == 422
    xml = await api.post(url, content=b"<codes/>", headers={"Content-Type": "application/xml"})
    assert xml.status_code == 415

    assert (await api.delete(f"/api/v1/promo-pools/{pool['id']}")).status_code == 204
    assert (await api.get(f"/api/v1/promo-pools/{pool['id']}")).status_code == 404


async def test_resources_are_created_and_deleted(api: httpx.AsyncClient) -> None:
    created = await api.post("/api/v1/resources", json={"name": unique("news"), "channels": ["email", "sms"]})
    assert created.status_code == 201, created.text
    resource = created.json()
    assert (await api.get(f"/api/v1/resources/{resource['id']}")).json() == resource
    no_channels = await api.post("/api/v1/resources", json={"name": unique("x"), "channels": []})
    assert no_channels.status_code == 422
    assert (await api.delete(f"/api/v1/resources/{resource['id']}")).status_code == 204
    assert (await api.get(f"/api/v1/resources/{resource['id']}")).status_code == 404
