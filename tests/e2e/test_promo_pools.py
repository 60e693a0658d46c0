"""Promo pools that count: assigned and unused right after a bulk update, running out reported, unused codes
removed, a pool renamed (issue 14)."""

import uuid

import httpx

from tests.e2e.importing import create_database, finished, start_import


async def new_pool(api: httpx.AsyncClient, codes: list[str]) -> str:
    created = await api.post("/promo-pools", json={"name": f"pool-{uuid.uuid4().hex[:8]}"})
    assert created.status_code == 201, created.text
    pool_id: str = created.json()["id"]
    added = await api.post(f"/promo-pools/{pool_id}/codes", json={"codes": codes})
    assert added.status_code == 200, added.text
    return pool_id


async def attach(api: httpx.AsyncClient, db_id: str, pool_id: str) -> dict[str, object]:
    body = {"action": {"type": "attach_promo", "pool_id": pool_id}}
    started = await api.post(f"/databases/{db_id}/bulk-update", json=body)
    assert started.status_code == 202, started.text
    return await finished(api, started.json()["id"])


async def test_a_pool_counts_what_it_gave_and_says_when_it_ran_out(api: httpx.AsyncClient) -> None:
    db_id = await create_database(api, [])
    rows = "email\n" + "".join(f"p{n}@shop.example\n" for n in range(10))
    assert (await finished(api, (await start_import(api, db_id, "p.csv", rows.encode()))["id"]))["status"] == "done"
    pool_id = await new_pool(api, [f"C{n}" for n in range(8)])

    job = await attach(api, db_id, pool_id)
    assert job["status"] == "done", job
    counts = job["counts"]
    assert isinstance(counts, dict)
    assert (counts["updated"], counts["no_code_left"]) == (8, 2), job
    assert "2 profiles" in str(job["message"]) and "no unused code" in str(job["message"])
    pool = (await api.get(f"/promo-pools/{pool_id}")).json()
    assert pool["counts"] == {"unused": 0, "assigned": 8}
    listed = (await api.get("/promo-pools", params={"limit": 1000})).json()["items"]
    assert next(p for p in listed if p["id"] == pool_id)["counts"] == {"unused": 0, "assigned": 8}

    # More codes: the two left out get theirs on the next run, and the rest stay unused.
    await api.post(f"/promo-pools/{pool_id}/codes", json={"codes": ["D1", "D2", "D3", "D4"]})
    again = await attach(api, db_id, pool_id)
    assert (again["counts"]["updated"], again["counts"]["no_code_left"]) == (2, 0), again  # type: ignore[index]
    assert (await api.get(f"/promo-pools/{pool_id}")).json()["counts"] == {"unused": 2, "assigned": 10}

    # Unused codes can be removed (named, or all of them); assigned ones stay and are counted as kept.
    assigned = (await api.get(f"/promo-pools/{pool_id}/codes", params={"state": "assigned", "limit": 1})).json()
    some = [assigned["items"][0]["code"], "NOPE"]
    unused = (await api.get(f"/promo-pools/{pool_id}/codes", params={"state": "unused"})).json()["items"]
    removed = await api.post(f"/promo-pools/{pool_id}/codes/remove", json={"codes": [unused[0]["code"], *some]})
    assert removed.status_code == 200, removed.text
    assert removed.json()["counts"] == {"removed": 1, "assigned": 1, "missing": 1}
    assert removed.json()["promo_pool"]["counts"] == {"unused": 1, "assigned": 10}
    everything = await api.post(f"/promo-pools/{pool_id}/codes/remove", json={"all_unused": True})
    assert everything.json()["counts"] == {"removed": 1, "assigned": 0, "missing": 0}, everything.text
    assert (await api.get(f"/promo-pools/{pool_id}")).json()["counts"] == {"unused": 0, "assigned": 10}


async def test_a_pool_can_be_renamed_but_not_to_a_name_in_use(api: httpx.AsyncClient) -> None:
    first, second = await new_pool(api, ["A"]), await new_pool(api, ["B"])
    new_name = f"renamed-{uuid.uuid4().hex[:8]}"
    renamed = await api.patch(f"/promo-pools/{first}", json={"name": new_name})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == new_name
    assert (await api.get(f"/promo-pools/{first}")).json()["name"] == new_name
    taken = await api.patch(f"/promo-pools/{second}", json={"name": new_name})
    assert taken.status_code == 409, taken.text
    assert (await api.patch(f"/promo-pools/{second}", json={"name": ""})).status_code == 422
