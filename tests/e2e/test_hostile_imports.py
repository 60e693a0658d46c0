"""Every case of the hostile-file corpus (tests/hostile_files.py) through the import API on the running system."""

import csv
import io
import json

import httpx
import pytest
from bson import ObjectId
from pymongo.asynchronous.database import AsyncDatabase

from tests.e2e.importing import FIELDS, create_database, finished
from tests.hostile_files import CASES, CORPUS_FIELDS, Case, Outcome, Refused


def report_lines(text: str) -> list[tuple[str, str, str]]:
    return [(r["member"], r["row"], r["code"]) for r in csv.DictReader(io.StringIO(text))]


async def profile_by_email(api: httpx.AsyncClient, db_id: str, email: str) -> dict[str, object]:
    found = (await api.get(f"/databases/{db_id}/profiles", params={"q": f"email:{email}"})).json()
    [profile] = found["items"]
    return {**profile, **profile.get("fields", {})}  # type: ignore[no-any-return]


async def check_outcome(api: httpx.AsyncClient, db_id: str, job: dict[str, object], expect: Outcome) -> None:
    assert job["status"] == expect.status, job
    counts = job["counts"]
    assert {k: counts[k] for k in expect.counts} == expect.counts, job  # type: ignore[index]
    assert job["code"] == expect.code, job
    if expect.status == "failed":
        assert job["message"], job  # the reason in words, beside the code
    assert expect.message_has in str(job["message"]), job
    if expect.report:
        report = await api.get(str(job["error_report_url"]).removeprefix("/api/v1"))
        assert report.status_code == 200, job
        assert report_lines(report.text) == expect.report
    elif expect.status == "done" and not counts["rejected"] and not counts["skipped_values"]:  # type: ignore[index]
        assert job["error_report_url"] is None, job
    for email, values in expect.profiles.items():
        profile = await profile_by_email(api, db_id, email)
        assert {k: profile.get(k) for k in values} == values


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_hostile_file(api: httpx.AsyncClient, mongo: AsyncDatabase, case: Case) -> None:
    db_id = await create_database(api, FIELDS + CORPUS_FIELDS)
    answer = await api.post(
        f"/databases/{db_id}/imports",
        files={"file": (case.file_name, case.build())},
        data={"options": json.dumps(case.options)},
    )
    if isinstance(case.expect, Refused):
        assert answer.status_code == 422, answer.text
        details = answer.json()["error"]["details"]
        assert [(d["field"], d["code"]) for d in details] == [(case.expect.field, case.expect.code)], details
        assert all(d["message"] and "value" in d for d in details)
        assert await mongo["uploads.files"].count_documents({"metadata.database_id": db_id}) == 0  # nothing stored
        return
    assert answer.status_code == 202, answer.text
    job = await finished(api, answer.json()["id"])
    await check_outcome(api, db_id, job, case.expect)
    stored = await mongo.jobs.find_one({"_id": job["id"]})
    assert stored is not None
    assert await mongo["uploads.files"].count_documents({"_id": ObjectId(stored["file_id"])}) == 0
