"""`suppressed` on profiles follows the database's suppression list: on write, and when the list changes."""

import asyncio
import uuid
from typing import Any

import httpx

from tests.e2e.importing import create_database, finished, start_import

PROFILES = (
    "email;phones\n"
    "ann@shop.example;\n"  # listed email
    "bob@spam-mail.com;\n"  # listed domain
    "cid@shop.example;+14155552671\n"  # listed phone
    "dan@shop.example;\n"  # not listed
)


async def flags(api: httpx.AsyncClient, db_id: str) -> dict[str, bool]:
    page = (await api.get(f"/databases/{db_id}/profiles", params={"limit": 100})).json()
    return {p["email"]: p.get("suppressed") for p in page["items"]}


async def suppressed_emails(api: httpx.AsyncClient, db_id: str, flag: bool) -> list[str]:
    query = {"filter": {"all": [{"field": "suppressed", "op": "eq", "value": flag}]}, "limit": 100}
    answer = await api.post(f"/databases/{db_id}/profiles/search", json=query)
    assert answer.status_code == 200, answer.text
    return sorted(p["email"] for p in answer.json()["items"])


async def eventually(check: Any, expected: Any, timeout: float = 60) -> None:
    """The refresh is a background job: poll until `check()` gives `expected`, or fail with the last value."""
    last = None
    async with asyncio.timeout(timeout):
        while (last := await check()) != expected:
            await asyncio.sleep(0.3)
    assert last == expected


async def change_entries(api: httpx.AsyncClient, list_id: str, **body: Any) -> dict[str, Any]:
    answer = await api.post(f"/suppression-lists/{list_id}/entries", json=body)
    assert answer.status_code == 200, answer.text
    counts: dict[str, Any] = answer.json()["counts"]
    return counts


async def test_suppressed_follows_the_attached_list(api: httpx.AsyncClient) -> None:
    listing = await api.post("/suppression-lists", json={"name": f"blocked-{uuid.uuid4().hex[:8]}"})
    assert listing.status_code == 201, listing.text
    list_id = listing.json()["id"]
    await change_entries(
        api, list_id, action="add", emails=["Ann@Shop.example"], domains=["spam-mail.com"], phones=["+1 415 555 2671"]
    )
    db_id = await create_database(api, [])
    attached = await api.patch(f"/databases/{db_id}", json={"suppression_list_id": list_id})
    assert attached.status_code == 200, attached.text

    job = await finished(api, (await start_import(api, db_id, "p.csv", PROFILES.encode()))["id"])
    assert job["counts"]["created"] == 4, job
    everyone = {"ann@shop.example", "bob@spam-mail.com", "cid@shop.example", "dan@shop.example"}
    # Decided on write, from the entries of the attached list.
    assert await flags(api, db_id) == {e: e != "dan@shop.example" for e in everyone}
    assert await suppressed_emails(api, db_id, True) == sorted(everyone - {"dan@shop.example"})
    assert await suppressed_emails(api, db_id, False) == ["dan@shop.example"]

    # New and removed entries re-flag the profiles already there.
    await change_entries(api, list_id, action="add", emails=["dan@shop.example"])
    await eventually(lambda: suppressed_emails(api, db_id, False), [])
    await change_entries(api, list_id, action="remove", domains=["spam-mail.com"], phones=["+14155552671"])
    await eventually(lambda: suppressed_emails(api, db_id, False), ["bob@spam-mail.com", "cid@shop.example"])

    # Each flip is a profile change like any other: it shows in the profile's updated flag, then detaching clears all.
    detached = await api.patch(f"/databases/{db_id}", json={"suppression_list_id": None})
    assert detached.status_code == 200, detached.text
    await eventually(lambda: suppressed_emails(api, db_id, True), [])
    assert set((await flags(api, db_id)).values()) == {False}

    # Attaching it again flags the listed ones again.
    again = await api.patch(f"/databases/{db_id}", json={"suppression_list_id": list_id})
    assert again.status_code == 200, again.text
    await eventually(lambda: suppressed_emails(api, db_id, True), ["ann@shop.example", "dan@shop.example"])


async def test_jobs_the_services_start_are_listed_with_the_others(api: httpx.AsyncClient) -> None:
    listing = await api.post("/suppression-lists", json={"name": f"jobs-{uuid.uuid4().hex[:8]}"})
    list_id = listing.json()["id"]
    db_id = await create_database(api, [])
    job = await finished(api, (await start_import(api, db_id, "p.csv", PROFILES.encode()))["id"])
    await api.patch(f"/databases/{db_id}", json={"suppression_list_id": list_id})  # the importer re-flags by itself
    await change_entries(api, list_id, action="add", emails=["dan@shop.example"])

    async def refreshes_done() -> list[dict[str, Any]]:
        page = (await api.get(f"/databases/{db_id}/jobs", params={"kind": "suppression_refresh"})).json()
        return page["items"] if len(page["items"]) == 2 and {j["status"] for j in page["items"]} == {"done"} else []

    async with asyncio.timeout(60):
        while not (refreshes := await refreshes_done()):
            await asyncio.sleep(0.3)
    assert {j["counts"]["processed"] for j in refreshes} == {4}
    # Only dan's flag changes, by whichever refresh runs after his entry landed.
    assert sum(j["counts"]["updated"] for j in refreshes) == 1

    first = (await api.get(f"/databases/{db_id}/jobs", params={"limit": 2})).json()
    rest = (await api.get(f"/databases/{db_id}/jobs", params={"limit": 2, "cursor": first["next_cursor"]})).json()
    listed = [j["id"] for j in first["items"] + rest["items"]]
    assert len(listed) == 3 and listed[-1] == job["id"]  # newest first: the import came first
    assert (await api.get(f"/databases/{db_id}/jobs", params={"cursor": "nonsense"})).status_code == 422
