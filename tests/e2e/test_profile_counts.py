"""A database shows its exact profile count, and a filter's count is answered (issue 14)."""

import httpx

from tests.e2e.importing import create_database, finished, start_import


async def test_a_database_counts_its_profiles_and_a_filter_counts_its_matches(api: httpx.AsyncClient) -> None:
    db_id = await create_database(api, [{"name": "score", "type": "number"}])
    rows = "email,score\n" + "".join(f"c{n}@shop.example,{n}\n" for n in range(12)) + "c0@shop.example,0\n"
    job = await finished(api, (await start_import(api, db_id, "p.csv", rows.encode()))["id"])
    assert job["counts"]["created"] == 12, job
    assert (await api.get(f"/databases/{db_id}")).json()["profile_count"] == 12
    # The same file again creates nothing, and counts nothing twice.
    await finished(api, (await start_import(api, db_id, "p.csv", rows.encode()))["id"])
    put = await api.put(f"/databases/{db_id}/profiles", json={"record": {"email": "new@shop.example", "score": 99}})
    assert put.status_code == 200, put.text
    victim = (await api.get(f"/databases/{db_id}/profiles", params={"q": "email:c3@shop.example"})).json()["items"][0]
    assert (await api.delete(f"/databases/{db_id}/profiles/{victim['profile_id']}")).status_code == 204
    assert (await api.delete(f"/databases/{db_id}/profiles/{victim['profile_id']}")).status_code == 404

    async def count() -> int:
        return int((await api.get(f"/databases/{db_id}")).json()["profile_count"])

    assert await count() == 12
    everyone = await api.post(f"/databases/{db_id}/profiles/count", json={})
    assert everyone.json() == {"count": 12, "method": "counter"}, everyone.text
    high = {"filter": {"field": "score", "op": "gte", "value": 8}}
    assert (await api.post(f"/databases/{db_id}/profiles/count", json=high)).json() == {"count": 5, "method": "query"}
    quick = await api.post(f"/databases/{db_id}/profiles/count", json={"q": "email:C5@shop.example"})
    assert quick.json()["count"] == 1
    bad = await api.post(
        f"/databases/{db_id}/profiles/count", json={"filter": {"field": "nope", "op": "eq", "value": 1}}
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "nope"

    bulk = await api.post(
        f"/databases/{db_id}/bulk-update", json={"filter": high["filter"], "action": {"type": "delete"}}
    )
    assert (await finished(api, bulk.json()["id"]))["counts"]["deleted"] == 5
    assert await count() == 7
