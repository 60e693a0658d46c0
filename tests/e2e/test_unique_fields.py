"""A field declared `unique` holds each value on one profile at most, whatever writes it, concurrently too
(issue 14: two profiles were both stored with `code = C1`)."""

import asyncio
import csv
import io
import uuid
from typing import Any

import httpx
from faststream.kafka import KafkaBroker

from profilehub_shared.contracts.profiles import ProfileUpsertRejected, UpsertProfile
from profilehub_shared.settings import ServiceSettings
from tests.e2e.importing import create_database, finished, start_import
from tests.e2e.upstream import parked

UNIQUE_CODE = [{"name": "code", "type": "line", "unique": True}, {"name": "score", "type": "number"}]


async def holders(api: httpx.AsyncClient, db_id: str, code: str) -> list[str]:
    page = (await api.get(f"/databases/{db_id}/profiles", params={"q": f"code:{code}", "limit": 100})).json()
    return sorted(p["email"] for p in page["items"])


async def report(api: httpx.AsyncClient, job: dict[str, Any]) -> list[dict[str, str]]:
    answer = await api.get(job["error_report_url"].removeprefix("/api/v1"))
    assert answer.status_code == 200, answer.text
    return list(csv.DictReader(io.StringIO(answer.text)))


async def put(api: httpx.AsyncClient, db_id: str, record: dict[str, Any]) -> httpx.Response:
    return await api.put(f"/databases/{db_id}/profiles", json={"record": record})


async def test_concurrent_writes_of_one_unique_value_leave_it_on_one_profile(api: httpx.AsyncClient) -> None:
    db_id = await create_database(api, UNIQUE_CODE)
    rows = "email,code\n" + "".join(f"file{n}@shop.example,C1\n" for n in range(5))
    job_started = start_import(api, db_id, "dup.csv", rows.encode())
    puts = [put(api, db_id, {"email": f"api{n}@shop.example", "code": "C1"}) for n in range(6)]
    started, *answers = await asyncio.gather(job_started, *puts)
    job = await finished(api, started["id"])
    assert await holders(api, db_id, "C1") in [[f"file{n}@shop.example"] for n in range(5)] + [
        [f"api{n}@shop.example"] for n in range(6)
    ]
    accepted = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code != 200]
    assert len(accepted) + job["counts"]["created"] == 1, (job, [a.text for a in answers])
    assert job["counts"]["rejected"] == 5 - job["counts"]["created"]
    for answer in refused:
        assert answer.status_code == 422
        [detail] = answer.json()["error"]["details"]
        assert (detail["field"], detail["value"], detail["code"]) == ("code", "'C1'", "duplicate_unique")
        assert "C1" in detail["message"]
    if job["counts"]["rejected"]:
        assert {(r["field"], r["code"]) for r in await report(api, job)} == {("code", "duplicate_unique")}


async def test_an_update_may_keep_its_own_value_and_a_freed_value_can_be_taken(api: httpx.AsyncClient) -> None:
    db_id = await create_database(api, UNIQUE_CODE)
    assert (await put(api, db_id, {"email": "a@shop.example", "code": "K1"})).status_code == 200
    again = await put(api, db_id, {"email": "a@shop.example", "code": "K1", "score": 2})
    assert again.status_code == 200 and again.json()["outcome"] == "updated", again.text
    assert (await put(api, db_id, {"email": "b@shop.example", "code": "K1"})).status_code == 422
    assert (await put(api, db_id, {"email": "a@shop.example", "code": "K2"})).status_code == 200
    taken = await put(api, db_id, {"email": "b@shop.example", "code": "K1"})  # a's old value is free now
    assert taken.status_code == 200, taken.text
    profile_id = again.json()["profile"]["profile_id"]
    assert (await api.delete(f"/databases/{db_id}/profiles/{profile_id}")).status_code == 204
    assert (await put(api, db_id, {"email": "c@shop.example", "code": "K2"})).status_code == 200  # deleted: freed


async def test_stream_copy_and_bulk_update_refuse_a_duplicate(
    api: httpx.AsyncClient, sender: KafkaBroker, settings: ServiceSettings
) -> None:
    db_id = await create_database(api, UNIQUE_CODE)
    for email, code in (("a@shop.example", "S1"), ("b@shop.example", "S2"), ("c@shop.example", None)):
        assert (await put(api, db_id, {"email": email, "code": code} if code else {"email": email})).status_code == 200

    key = f"{db_id}:dup-{uuid.uuid4().hex[:8]}"
    command = UpsertProfile(database_id=db_id, record={"email": "s@shop.example", "code": "S1"})
    await sender.publish(command, topic=UpsertProfile.topic, key=key.encode())
    [refusal] = await parked(settings, ProfileUpsertRejected.topic, key)
    assert [(e["field"], e["code"]) for e in refusal["errors"]] == [("code", "duplicate_unique")]

    bulk = await api.post(f"/databases/{db_id}/bulk-update", json={"action": {"type": "set", "values": {"code": "S9"}}})
    assert bulk.status_code == 202, bulk.text
    job = await finished(api, bulk.json()["id"])
    assert (job["counts"]["updated"], job["counts"]["rejected"]) == (1, 2), job
    assert len(await holders(api, db_id, "S9")) == 1
    assert {r["code"] for r in await report(api, job)} == {"duplicate_unique"}

    target = await create_database(api, UNIQUE_CODE)
    # S9 is the one value the source surely holds still (which profile took it in the bulk update is not fixed)
    assert (await put(api, target, {"email": "t@shop.example", "code": "S9"})).status_code == 200
    copy = await api.post(
        f"/databases/{db_id}/copy",
        json={"target_database_id": target, "options": {"matching": "email", "mode": "upsert"}},
    )
    assert copy.status_code == 202, copy.text
    copied = await finished(api, copy.json()["id"])
    assert copied["status"] == "done", copied
    assert await holders(api, target, "S9") == ["t@shop.example"]
    assert {r["code"] for r in await report(api, copied)} == {"duplicate_unique"}
