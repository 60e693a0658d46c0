"""Field rules through the API on the running system: enum options in use, unique declared over duplicates,
case-blind emails (issue 14)."""

import httpx

from tests.e2e.importing import create_database, finished, start_import


async def put(api: httpx.AsyncClient, db_id: str, record: dict[str, object], **options: str) -> httpx.Response:
    return await api.put(f"/databases/{db_id}/profiles", json={"record": record, "options": options})


async def test_removing_an_enum_option_that_profiles_hold_is_refused_with_the_count(api: httpx.AsyncClient) -> None:
    db_id = await create_database(api, [{"name": "plan", "type": "enum", "options": ["free", "pro", "team"]}])
    for n, plan in enumerate(["pro", "pro", "free"]):
        assert (await put(api, db_id, {"email": f"e{n}@shop.example", "plan": plan})).status_code == 200
    refused = await api.patch(f"/databases/{db_id}/fields/plan", json={"options": ["free", "team"]})
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["details"][0]["code"] == "option_in_use"
    assert "2 profiles" in error["message"] and "'pro'" in error["message"]
    # An option nobody holds can go.
    dropped = await api.patch(f"/databases/{db_id}/fields/plan", json={"options": ["free", "pro"]})
    assert dropped.status_code == 200, dropped.text
    assert dropped.json()["options"] == ["free", "pro"]


async def test_declaring_unique_over_duplicates_is_refused_with_their_count(api: httpx.AsyncClient) -> None:
    db_id = await create_database(api, [{"name": "code", "type": "line"}])
    for n, code in enumerate(["C1", "C1", "C1", "C2"]):
        assert (await put(api, db_id, {"email": f"d{n}@shop.example", "code": code})).status_code == 200
    refused = await api.patch(f"/databases/{db_id}/fields/code", json={"unique": True})
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["details"][0]["code"] == "duplicate_values"
    assert "3 profiles" in refused.json()["error"]["message"]
    assert (await put(api, db_id, {"email": "d1@shop.example", "code": "C3"})).status_code == 200
    assert (await put(api, db_id, {"email": "d2@shop.example", "code": "C4"})).status_code == 200
    accepted = await api.patch(f"/databases/{db_id}/fields/code", json={"unique": True})
    assert accepted.status_code == 200, accepted.text


async def test_emails_are_matched_and_stored_case_blind(api: httpx.AsyncClient) -> None:
    db_id = await create_database(api, [{"name": "score", "type": "number"}])
    first = await put(api, db_id, {"email": "R1@X.Example", "score": 1})
    assert first.status_code == 200, first.text
    assert first.json()["profile"]["email"] == "r1@x.example"
    again = await put(api, db_id, {"email": "r1@x.example", "score": 2})
    assert again.json()["outcome"] == "updated"
    assert again.json()["profile"]["profile_id"] == first.json()["profile"]["profile_id"]
    job = await finished(api, (await start_import(api, db_id, "p.csv", b"email,score\nR1@x.EXAMPLE,3\n"))["id"])
    assert job["counts"]["updated"] == 1, job
    page = (await api.get(f"/databases/{db_id}/profiles", params={"q": "email:R1@X.EXAMPLE"})).json()
    assert [(p["email"], p["fields"]["score"]) for p in page["items"]] == [("r1@x.example", 3)]
