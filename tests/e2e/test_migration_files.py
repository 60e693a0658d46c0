"""Files from other tools import the way their users expect (issue 17): the corpus in tests/migration_corpus,
each file into a database of its own, through the import API of the running system."""

import asyncio
import csv
import io
import json
from typing import Any

import httpx
import pytest

from profilehub_shared.contracts.profiles import UpsertProfile
from tests.e2e.importing import create_database, finished, start_import
from tests.migration_corpus.cases import CASES, Case


def value_at(profile: dict[str, Any], path: str) -> Any:
    value: Any = profile
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def assert_value(email: str, path: str, got: Any, expected: Any) -> None:
    if isinstance(expected, str) and isinstance(got, str) and expected[:4].isdigit() and "T" in expected:
        assert got.startswith(expected), (email, path, got, expected)  # a stored date, by its start
    else:
        assert got == expected, (email, path, got, expected)


async def all_profiles(api: httpx.AsyncClient, db_id: str) -> dict[str, dict[str, Any]]:
    page = (await api.get(f"/databases/{db_id}/profiles", params={"limit": 1000})).json()
    return {p["email"].lower(): p for p in page["items"] if p.get("email")}


async def report_lines(api: httpx.AsyncClient, job: dict[str, Any]) -> list[tuple[str, ...]]:
    if not job["error_report_url"]:
        return []
    answer = await api.get(job["error_report_url"].removeprefix("/api/v1"))
    assert answer.status_code == 200, answer.text
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert all(r["message"] for r in rows)
    return [(r["row"], r["column"], r["field"], r["value"], r["code"], r["result"]) for r in rows]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
async def test_a_file_from_another_tool_imports_as_its_users_expect(api: httpx.AsyncClient, case: Case) -> None:
    db_id = await create_database(api, case.fields)
    job = await finished(api, (await start_import(api, db_id, case.file, case.content(), case.options))["id"])
    assert job["status"] == "done", job
    assert {k: job["counts"][k] for k in case.counts} == case.counts, job
    assert job["message"] == case.message, job
    assert await report_lines(api, job) == case.report
    profiles = await all_profiles(api, db_id)
    for email, expected in case.profiles.items():
        if expected.get("_absent"):
            assert email not in profiles
            continue
        assert email in profiles, (email, sorted(profiles))
        for path, value in expected.items():
            assert_value(email, path, value_at(profiles[email], path), value)


STRING_RECORD = {"email": "crm@shop.example", "vip": "yes", "active": "1", "score": "42", "ratio": "2.5",
                 "address": '{"city": "Oslo"}', "note": "  kept trimmed  "}  # fmt: skip
STRING_FIELDS = [
    {"name": "vip", "type": "boolean"},
    {"name": "active", "type": "boolean"},
    {"name": "score", "type": "number"},
    {"name": "ratio", "type": "float"},
    {"name": "address", "type": "object"},
    {"name": "note", "type": "line"},
]
STORED_FROM_STRINGS = {"vip": True, "active": True, "score": 42, "ratio": 2.5, "address": {"city": "Oslo"},
                       "note": "kept trimmed"}  # fmt: skip


async def test_api_put_reads_json_strings_for_typed_fields_like_text_cells(api: httpx.AsyncClient) -> None:
    """Issue 14: "true" was accepted for a boolean but "yes" and "1" were not, although CSV accepts them."""
    db_id = await create_database(api, STRING_FIELDS)
    answer = await api.put(f"/databases/{db_id}/profiles", json={"record": STRING_RECORD})
    assert answer.status_code == 200, answer.text
    assert answer.json()["profile"]["fields"] == STORED_FROM_STRINGS
    refused = await api.put(
        f"/databases/{db_id}/profiles", json={"record": {"email": "x@shop.example", "vip": "maybe"}}
    )
    assert refused.status_code == 422 and "vip" in refused.text  # the API still answers at once, row and all


async def test_stream_upserts_read_json_strings_for_typed_fields_like_text_cells(
    api: httpx.AsyncClient, upstream: Any
) -> None:
    db_id = await create_database(api, STRING_FIELDS)
    command = {"database_id": db_id, "record": STRING_RECORD}
    await upstream.send(UpsertProfile.topic, db_id, json.dumps(command).encode())
    async with asyncio.timeout(60):
        while not (profiles := await all_profiles(api, db_id)):
            await asyncio.sleep(0.3)
    assert profiles["crm@shop.example"]["fields"] == STORED_FROM_STRINGS


HEADED = b" email,First Name,city\na@x.example,Ann,Oslo\n"


@pytest.mark.parametrize(
    ("mapping", "hint"),
    [
        ({" email": "email"}, "did you mean 'email'? (header names are read without the spaces around them)"),
        ({"first name": "first_name"}, "did you mean 'First Name'?"),
        ({"Citty": "city"}, "did you mean 'city'?"),
        ({"phone": "phones"}, "its columns are 'email', 'First Name', 'city'"),
    ],
)
async def test_a_mapping_naming_no_column_of_the_header_is_refused_at_upload(
    api: httpx.AsyncClient, mapping: dict[str, str], hint: str
) -> None:
    """Seen: mapping keys that name no column were ignored (202, then done, nothing said)."""
    db_id = await create_database(api, [])
    answer = await api.post(
        f"/databases/{db_id}/imports",
        files={"file": ("people.csv", HEADED)},
        data={"options": json.dumps({"mapping": {"email": "email", **mapping}})},
    )
    assert answer.status_code == 422, answer.text
    [detail] = answer.json()["error"]["details"]
    column = next(iter(mapping))
    assert (detail["field"], detail["code"]) == (f"mapping.{column}", "unknown_column")
    assert detail["message"].endswith(hint), detail


async def test_a_mapping_matching_the_header_is_accepted_and_json_keys_never_seen_are_noted(
    api: httpx.AsyncClient,
) -> None:
    db_id = await create_database(api, [])
    ok = await start_import(
        api, db_id, "people.csv", HEADED, {"mapping": {"email": "email", "First Name": "first_name"}}
    )
    assert (await finished(api, ok["id"]))["counts"]["created"] == 1
    lines = b'{"mail": "b@x.example"}\n'
    job = await start_import(api, db_id, "people.jsonl", lines, {"mapping": {"mail": "email", "nmae": "first_name"}})
    job = await finished(api, job["id"])
    assert job["counts"]["created"] == 1 and job["message"] == "mapped columns not in the file: nmae", job


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"options": {"timezone": "Mars/Olympus_Mons"}}, "options.timezone"),
        ({"invalid_values": "drop_everything"}, "invalid_values"),
    ],
)
async def test_an_unknown_timezone_or_invalid_values_rule_is_refused_at_upload(
    api: httpx.AsyncClient, options: dict[str, Any], field: str
) -> None:
    db_id = await create_database(api, [])
    answer = await api.post(
        f"/databases/{db_id}/imports", files={"file": ("people.csv", HEADED)}, data={"options": json.dumps(options)}
    )
    assert answer.status_code == 422, answer.text
    assert [d["field"] for d in answer.json()["error"]["details"]] == [field]
