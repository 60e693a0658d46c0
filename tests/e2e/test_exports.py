"""Exporting profiles through the API on the running system: every field type read back from CSV, JSON Lines and
XLSX and compared value by value; filter and field selection; expiry; refusals that name the field."""

import asyncio
import csv
import io
import json
import os
import signal
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.exporting import ResultFiles
from profilehub_shared.mongo import profiles_collection_name
from tests.e2e.importing import FIELDS, create_database, finished
from tests.e2e.system import RunningSystem

ITEMS = {"name": "items", "type": "object_array"}
TRICKY = 'He said "hi", ok;\nnext line Ёж'
KILL_ROWS = 200_000


async def seeded(api: httpx.AsyncClient) -> tuple[str, str, dict[str, str]]:
    """A database with every custom field type and a resource; Ann has every value, Bob a few tricky ones."""
    resource = await api.post("/resources", json={"name": f"news-{uuid.uuid4().hex[:8]}", "channels": ["email"]})
    assert resource.status_code == 201, resource.text
    res_id = resource.json()["id"]
    db_id = await create_database(api, [*FIELDS, ITEMS])
    assert (await api.patch(f"/databases/{db_id}", json={"resource_ids": [res_id]})).status_code == 200
    ann = {
        "email": "ann@shop.example", "first_name": "Ann", "phones": "+14155552671", "score": 7, "ratio": 1.5,
        "vip": True, "plan": "pro", "since": "2024-01-02", "seen_ip": "10.0.0.1", "labels": ["a", "b c"],
        "address": {"city": "Oslo", "zip": "0150"}, "items": [{"sku": "x", "qty": 2}], "code": "C-1",
        "subscriptions": [{"resource_id": res_id, "channel": "email", "status": "subscribed"}],
    }  # fmt: skip
    bob = {"email": "bob@shop.example", "first_name": TRICKY, "score": 0}
    ids = {}
    for name, record in (("ann", ann), ("bob", bob)):
        answer = await api.put(f"/databases/{db_id}/profiles", json={"record": record})
        assert answer.status_code == 200, answer.text
        ids[name] = answer.json()["profile"]["profile_id"]
    return db_id, res_id, ids


async def exported(api: httpx.AsyncClient, db_id: str, body: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    started = await api.post(f"/databases/{db_id}/exports", json=body)
    assert started.status_code == 202, started.text
    job = await finished(api, started.json()["id"])
    assert job["status"] == "done", job
    download = await api.get(job["result_url"].removeprefix("/api/v1"))
    assert download.status_code == 200, download.text
    return job, download.content


def when(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def test_every_field_type_reads_back_from_csv_jsonl_and_xlsx(api: httpx.AsyncClient) -> None:
    db_id, res_id, ids = await seeded(api)
    columns = [
        "profile_id", "email", "first_name", "phones", "score", "ratio", "vip", "plan", "since", "seen_ip", "labels",
        "address", "items", "code", "subscriptions", f"subscription.{res_id}.email", "suppressed", "created_at",
    ]  # fmt: skip
    ann_api = (await api.get(f"/databases/{db_id}/profiles/{ids['ann']}")).json()
    subscriptions = [
        {"resource_id": res_id, "channel": "email", "status": "subscribed", "address": None, "priority": 0}
    ]

    job, body = await exported(api, db_id, {"fields": columns, "format": "csv"})
    assert job["counts"]["processed"] == 2
    assert body.startswith(b"profile_id,email,") and b"\r\n" in body  # UTF-8, RFC 4180 line ends
    rows = {r["email"]: r for r in csv.DictReader(io.StringIO(body.decode("utf-8"), newline=""))}
    ann, bob = rows["ann@shop.example"], rows["bob@shop.example"]
    assert list(ann) == columns
    assert {k: ann[k] for k in columns if k not in ("subscriptions", "created_at")} == {
        "profile_id": ids["ann"], "email": "ann@shop.example", "first_name": "Ann", "phones": '["+14155552671"]',
        "score": "7", "ratio": "1.5", "vip": "true", "plan": "pro", "since": "2024-01-02T00:00:00+00:00",
        "seen_ip": "10.0.0.1", "labels": "a,b c", "address": '{"city":"Oslo","zip":"0150"}',
        "items": '[{"sku":"x","qty":2}]', "code": "C-1", f"subscription.{res_id}.email": "subscribed",
        "suppressed": "false",
    }  # fmt: skip
    assert json.loads(ann["subscriptions"]) == subscriptions
    assert when(ann["created_at"]) == when(ann_api["created_at"])
    assert (bob["first_name"], bob["score"], bob["ratio"], bob["labels"], bob["subscriptions"]) == (
        TRICKY,
        "0",
        "",
        "",
        "",
    )

    _, body = await exported(api, db_id, {"fields": columns, "format": "jsonl"})
    lines = {r["email"]: r for r in map(json.loads, body.decode("utf-8").splitlines())}
    ann_j = lines["ann@shop.example"]
    assert {k: ann_j[k] for k in ("phones", "score", "ratio", "vip", "since", "labels", "address", "items")} == {
        "phones": ["+14155552671"], "score": 7, "ratio": 1.5, "vip": True, "since": "2024-01-02T00:00:00+00:00",
        "labels": ["a", "b c"], "address": {"city": "Oslo", "zip": "0150"}, "items": [{"sku": "x", "qty": 2}],
    }  # fmt: skip
    assert ann_j["subscriptions"] == subscriptions and ann_j["suppressed"] is False
    assert lines["bob@shop.example"]["first_name"] == TRICKY and lines["bob@shop.example"]["ratio"] is None

    _, body = await exported(api, db_id, {"fields": columns, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    table = [list(r) + [None] * (len(columns) - len(r)) for r in sheet.iter_rows(values_only=True)]
    assert table[0] == columns
    by_email = {r[1]: dict(zip(columns, r, strict=True)) for r in table[1:]}
    ann_x = by_email["ann@shop.example"]
    assert (ann_x["score"], ann_x["ratio"], ann_x["vip"], ann_x["labels"], ann_x["since"]) == (
        7, 1.5, True, "a,b c", "2024-01-02T00:00:00+00:00"
    )  # fmt: skip
    assert json.loads(ann_x["address"]) == {"city": "Oslo", "zip": "0150"}
    assert by_email["bob@shop.example"]["first_name"] == TRICKY


async def test_filter_and_field_selection_then_expiry(api: httpx.AsyncClient, mongo: AsyncDatabase) -> None:
    db_id, _, _ = await seeded(api)
    flt = {"all": [{"field": "score", "op": "gte", "value": 1}]}
    job, body = await exported(api, db_id, {"fields": ["email", "score"], "format": "csv", "filter": flt})
    assert body.decode().splitlines() == ["email,score", "ann@shop.example,7"]
    assert job["counts"] == {**job["counts"], "processed": 1, "total": 1}

    removed = await ResultFiles(mongo, timedelta(hours=1)).remove_expired(datetime.now(UTC) + timedelta(days=365))
    assert removed >= 1
    gone = await api.get(job["result_url"].removeprefix("/api/v1"))
    assert gone.status_code == 410 and "expired" in gone.json()["error"]["message"]


async def test_bad_exports_are_refused_naming_the_field(api: httpx.AsyncClient) -> None:
    db_id = await create_database(api, [{"name": "score", "type": "number"}])
    unknown = await api.post(f"/databases/{db_id}/exports", json={"fields": ["email", "colour"]})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"][0] | {"message": ""} == {
        "field": "fields[1]", "value": "colour", "code": "unknown_field", "message": ""
    }  # fmt: skip
    bad_filter = await api.post(
        f"/databases/{db_id}/exports",
        json={"fields": ["email"], "filter": {"all": [{"field": "score", "op": "contains", "value": "x"}]}},
    )
    assert bad_filter.status_code == 422 and bad_filter.json()["error"]["details"][0]["field"] == "score"
    bad_format = await api.post(f"/databases/{db_id}/exports", json={"fields": ["email"], "format": "pdf"})
    assert bad_format.status_code == 422
    none_yet = await api.post(f"/databases/{db_id}/exports", json={"fields": []})
    assert none_yet.status_code == 422


@pytest.mark.timeout(900)
async def test_kill_9_of_the_exporter_mid_export_still_ends_with_a_whole_file(
    system: RunningSystem, api: httpx.AsyncClient, mongo: AsyncDatabase
) -> None:
    db_id = await create_database(api, [{"name": "score", "type": "number"}])
    now = datetime.now(UTC)
    profiles = [
        {"_id": f"p{i:06d}", "email": f"u{i}@shop.example", "fields": {"score": i}, "created_at": now}
        for i in range(KILL_ROWS)
    ]
    for start in range(0, KILL_ROWS, 5000):
        await mongo[profiles_collection_name(db_id)].insert_many(profiles[start : start + 5000])
    started = await api.post(f"/databases/{db_id}/exports", json={"fields": ["profile_id", "email", "score"]})
    job_id = started.json()["id"]
    async with asyncio.timeout(300):
        while (job := (await api.get(f"/jobs/{job_id}")).json())["counts"]["processed"] == 0:
            assert job["status"] in ("queued", "running"), job
            await asyncio.sleep(0.05)
    assert job["status"] == "running" and job["counts"]["processed"] < KILL_ROWS, job
    [exporter] = system.service_processes("exporter")
    os.kill(exporter.pid, signal.SIGKILL)
    exporter.wait(10)

    job = await finished(api, job_id, timeout=600)  # restarted by `make run`, the job starts over by its lease
    assert job["status"] == "done", job
    [restarted] = system.service_processes("exporter")
    assert restarted.pid != exporter.pid
    body = (await api.get(f"/jobs/{job_id}/result")).content.decode()
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert rows[0] == ["profile_id", "email", "score"] and len(rows) == KILL_ROWS + 1
    assert {r[0] for r in rows[1:]} == {p["_id"] for p in profiles}
    assert job["counts"]["processed"] == KILL_ROWS


HYPERLINK = '=HYPERLINK("http://evil.example","x")'


async def test_formula_cells_are_neutralised_in_csv_and_xlsx_unless_turned_off(api: httpx.AsyncClient) -> None:
    db_id = await create_database(api, [{"name": "score", "type": "number"}])
    record = {"email": "eve@shop.example", "first_name": HYPERLINK, "last_name": "-1+2", "score": -12}
    assert (await api.put(f"/databases/{db_id}/profiles", json={"record": record})).status_code == 200
    columns = ["email", "first_name", "last_name", "score"]

    _, body = await exported(api, db_id, {"fields": columns, "format": "csv"})
    [row] = list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))
    assert row == {"email": "eve@shop.example", "first_name": "'" + HYPERLINK, "last_name": "'-1+2", "score": "-12"}

    _, body = await exported(api, db_id, {"fields": columns, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(body)).active
    name, last, score = sheet["B2"], sheet["C2"], sheet["D2"]
    assert (name.data_type, name.value) == ("s", "'" + HYPERLINK)
    assert (last.data_type, last.value) == ("s", "'-1+2")
    assert (score.data_type, score.value) == ("n", -12)  # numbers stay numbers

    off = {"fields": columns, "neutralise_formulas": False}
    _, body = await exported(api, db_id, off | {"format": "csv"})
    [row] = list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))
    assert (row["first_name"], row["last_name"], row["score"]) == (HYPERLINK, "-1+2", "-12")
    _, body = await exported(api, db_id, off | {"format": "xlsx"})
    name = load_workbook(io.BytesIO(body)).active["B2"]
    assert (name.data_type, name.value) == ("s", HYPERLINK)  # the text as stored, still not a formula

    not_a_flag = await api.post(f"/databases/{db_id}/exports", json={"fields": columns, "neutralise_formulas": 0})
    assert not_a_flag.status_code == 422
    assert not_a_flag.json()["error"]["details"][0]["field"] == "neutralise_formulas"
