"""Files from other tools import the way their users expect (issue 17): the corpus in tests/migration_corpus,
each file into a database of its own, through the import API of the running system."""

import csv
import io
from typing import Any

import httpx
import pytest

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
