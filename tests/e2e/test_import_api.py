"""Importing files through the HTTP API, end to end on the running system."""

import csv
import io

import httpx

from tests.e2e.importing import create_database, finished, start_import

MESSY = (
    "\ufeffemail;first_name;score;ratio;vip;plan;since;seen_ip;labels;address;colour\r\n"
    'ann@shop.example;Ann;1;1.5;yes;free;2024-01-02;10.0.0.1;a,b;"{""city"": ""Oslo""}";red\r\n'
    "\r\n"
    'bob@shop.example;"Bob\nSecond line";2;2;no;2;2024-01-03T10:00:00+03:00;10.0.0.2;;;blue\r\n'
    "ann@shop.example;Ann Again;3;;;;;;;;green\r\n"
    "not-an-email;X;4;;;;;;;;\r\n"
    "c1@shop.example;C;four;;;;;;;;\r\n"
    "c2@shop.example;C;5;NaN;;;;;;;\r\n"
    "c3@shop.example;C;6;;maybe;;;;;;\r\n"
    "c4@shop.example;C;7;;;gold;;;;;\r\n"
    "c5@shop.example;C;8;;;;2024-13-45;;;;\r\n"
    "c6@shop.example;C;9;;;;;999.1.1.1;;;\r\n"
    "c7@shop.example;C;10;;;;;;;{broken;\r\n"
    "\r\n"
)


async def test_messy_csv_counts_and_error_report(api: httpx.AsyncClient) -> None:
    db_id = await create_database(api)
    job = await start_import(api, db_id, "messy.csv", MESSY.encode("utf-8"))
    job = await finished(api, job["id"])
    assert job["status"] == "done", job
    counts = job["counts"]
    assert (counts["total"], counts["processed"]) == (11, 11)
    # Only the row whose email (its matching key) is bad is rejected; the others are written without their bad value.
    assert (counts["created"], counts["updated"], counts["duplicates"], counts["rejected"]) == (9, 0, 1, 1)
    assert counts["skipped_values"] == 7
    assert "colour" in job["message"]

    report = await api.get(job["error_report_url"].removeprefix("/api/v1"))
    assert report.status_code == 200
    rows = list(csv.DictReader(io.StringIO(report.text)))
    assert [(r["row"], r["field"], r["code"]) for r in rows] == [
        ("6", "email", rows[0]["code"]),
        ("7", "score", rows[1]["code"]),
        ("8", "ratio", rows[2]["code"]),
        ("9", "vip", rows[3]["code"]),
        ("10", "plan", rows[4]["code"]),
        ("11", "since", rows[5]["code"]),
        ("12", "seen_ip", rows[6]["code"]),
        ("13", "address", rows[7]["code"]),
    ]
    assert all(r["message"] and r["code"] for r in rows)
    assert [r["result"] for r in rows] == ["row_rejected"] + ["value_skipped"] * 7

    found = (await api.get(f"/databases/{db_id}/profiles", params={"q": "email:ann@shop.example"})).json()
    [ann] = found["items"]
    assert ann["first_name"] == "Ann Again"  # the last occurrence wins
    assert ann["fields"]["score"] == 3 and ann["fields"]["ratio"] == 1.5  # empty cells left the values
    assert ann["fields"]["address"] == {"city": "Oslo"} and ann["fields"]["labels"] == ["a", "b"]
    bob = (await api.get(f"/databases/{db_id}/profiles", params={"q": "email:bob@shop.example"})).json()["items"][0]
    assert bob["first_name"] == "Bob\nSecond line" and bob["fields"]["plan"] == "pro"
    assert bob["fields"]["since"].startswith("2024-01-03T07:00:00")


async def test_cp1251_file_with_header_detected(api: httpx.AsyncClient) -> None:
    db_id = await create_database(api, [])
    content = "email,first_name,last_name\nivan@shop.example,Иван,Петров\n".encode("cp1251")
    job = await finished(api, (await start_import(api, db_id, "people.csv", content))["id"])
    assert job["status"] == "done" and job["counts"]["created"] == 1, job
    [ivan] = (await api.get(f"/databases/{db_id}/profiles")).json()["items"]
    assert (ivan["first_name"], ivan["last_name"]) == ("Иван", "Петров")


async def test_modes_and_matching_through_the_api(api: httpx.AsyncClient) -> None:
    db_id = await create_database(api)
    first = "email,code,score\na@shop.example,A1,1\nb@shop.example,B1,2\n"
    job = await finished(api, (await start_import(api, db_id, "a.csv", first.encode()))["id"])
    assert job["counts"]["created"] == 2
    by_code = "code,score\nA1,10\nZ9,99\n"
    options = {"options": {"matching": "field:code", "mode": "update_only"}}
    job = await finished(api, (await start_import(api, db_id, "b.csv", by_code.encode(), options))["id"])
    assert (job["counts"]["updated"], job["counts"]["rejected"], job["counts"]["created"]) == (1, 1, 0)
    create_only = "email,score\na@shop.example,100\nc@shop.example,3\n"
    options = {"options": {"mode": "create_only"}}
    job = await finished(api, (await start_import(api, db_id, "c.csv", create_only.encode(), options))["id"])
    assert (job["counts"]["created"], job["counts"]["unchanged"]) == (1, 1)
    a = (await api.get(f"/databases/{db_id}/profiles", params={"q": "email:a@shop.example"})).json()["items"][0]
    assert a["fields"]["score"] == 10


async def test_single_profile_upsert_get_and_delete(api: httpx.AsyncClient) -> None:
    db_id = await create_database(api)
    created = await api.put(f"/databases/{db_id}/profiles", json={"record": {"email": "x@shop.example", "score": 1}})
    assert created.status_code == 200, created.text
    assert created.json()["outcome"] == "created"
    profile_id = created.json()["profile"]["profile_id"]
    bad = await api.put(f"/databases/{db_id}/profiles", json={"record": {"email": "x@shop.example", "score": "x"}})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "score"
    got = await api.get(f"/databases/{db_id}/profiles/{profile_id}")
    assert got.json()["fields"]["score"] == 1
    assert (await api.delete(f"/databases/{db_id}/profiles/{profile_id}")).status_code == 204
    assert (await api.get(f"/databases/{db_id}/profiles/{profile_id}")).status_code == 404
