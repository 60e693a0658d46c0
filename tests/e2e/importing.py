"""Helpers of the import tests: a database with one field of each kind, uploading, waiting for a job."""

import asyncio
import json
import uuid
from typing import Any

import httpx

FIELDS = [
    {"name": "score", "type": "number"},
    {"name": "ratio", "type": "float"},
    {"name": "vip", "type": "boolean"},
    {"name": "plan", "type": "enum", "options": ["free", "pro"]},
    {"name": "since", "type": "date"},
    {"name": "seen_ip", "type": "ip"},
    {"name": "labels", "type": "tags"},
    {"name": "address", "type": "object"},
    {"name": "code", "type": "line", "unique": True},
]


async def create_database(api: httpx.AsyncClient, fields: list[dict[str, Any]] = FIELDS) -> str:
    answer = await api.post(
        "/databases",
        json={
            "name": f"e2e-{uuid.uuid4().hex[:8]}",
            "subscription_manager": {"title": "News", "language": "en"},
            "email_settings": {"from_name": "Shop", "from_email": "news@shop.example"},
        },
    )
    assert answer.status_code == 201, answer.text
    db_id: str = answer.json()["id"]
    for field in fields:
        added = await api.post(f"/databases/{db_id}/fields", json=field)
        assert added.status_code == 201, added.text
    return db_id


async def start_import(
    api: httpx.AsyncClient, db_id: str, name: str, content: bytes, options: dict[str, Any] | None = None
) -> dict[str, Any]:
    answer = await api.post(
        f"/databases/{db_id}/imports", files={"file": (name, content)}, data={"options": json.dumps(options or {})}
    )
    assert answer.status_code == 202, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def finished(api: httpx.AsyncClient, job_id: str, timeout: float = 300) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            job = (await api.get(f"/jobs/{job_id}")).json()
            if job["status"] in ("done", "failed", "cancelled"):
                return job  # type: ignore[no-any-return]
            await asyncio.sleep(0.3)


def crash_test_csv(domain: str, rows: int, duplicates: int, bad: int) -> bytes:
    """Rows, then the first `duplicates` emails again with another name (the later row wins), then `bad` rows whose
    score is not a number (left out of the row: a skipped value)."""
    lines = ["email,first_name,score"]
    lines += [f"user{i}@{domain},Name {i},{i}" for i in range(rows - duplicates - bad)]
    lines += [f"user{i}@{domain},Again {i},{i}" for i in range(duplicates)]
    lines += [f"bad{i}@{domain},Bad,not-a-number" for i in range(bad)]
    return ("\n".join(lines) + "\n").encode()


def assert_counted_exactly(job: dict[str, Any], rows: int, duplicates: int, bad: int) -> None:
    """The counts of a job over `crash_test_csv`, as if it had run once without interruption."""
    assert job["status"] == "done", job
    counts = job["counts"]
    assert (counts["total"], counts["processed"]) == (rows, rows)
    # The bad scores are left out of their rows (per-value rejection): those profiles exist without a score.
    assert counts["created"] == rows - duplicates
    assert (counts["duplicates"], counts["rejected"], counts["updated"]) == (duplicates, 0, 0)
    assert counts["skipped_values"] == bad
