"""Activity on the running system: interactions counted once per event id into each profile's last time and count
per family, filters with relative times ("opened in the last 30 days", "never clicked") and activity columns."""

import asyncio
import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from faststream.kafka import KafkaBroker

from profilehub_shared.contracts.interactions import InteractionRecorded
from tests.e2e.importing import create_database
from tests.e2e.test_exports import exported

NOW = datetime.now(UTC).replace(microsecond=0)


async def put_profile(api: httpx.AsyncClient, db_id: str, email: str) -> str:
    answer = await api.put(f"/databases/{db_id}/profiles", json={"record": {"email": email}})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["profile"]["profile_id"])


def interaction(db_id: str, pid: str, kind: str, days_ago: float, event_id: str | None = None) -> InteractionRecorded:
    return InteractionRecorded(
        event_id=event_id or str(uuid.uuid4()),
        occurred_at=NOW - timedelta(days=days_ago),
        database_id=db_id,
        profile_id=pid,
        type=kind,
    )


async def send(broker: KafkaBroker, interactions: list[InteractionRecorded]) -> None:
    for i in interactions:  # one by one: the same event id twice must land twice on the topic
        await broker.publish(i, topic=InteractionRecorded.topic, key=i.profile_id.encode())


async def activity_of(api: httpx.AsyncClient, db_id: str, pid: str) -> dict[str, Any]:
    answer = await api.get(f"/databases/{db_id}/profiles/{pid}")
    assert answer.status_code == 200, answer.text
    assert "activity_applied" not in answer.json() and "activity_rev" not in answer.json()
    return answer.json().get("activity") or {}  # type: ignore[no-any-return]


async def matching(api: httpx.AsyncClient, db_id: str, *conditions: dict[str, Any]) -> list[str]:
    answer = await api.post(
        f"/databases/{db_id}/profiles/search", json={"filter": {"all": list(conditions)}, "limit": 100}
    )
    assert answer.status_code == 200, answer.text
    return sorted(p["email"] for p in answer.json()["items"])


async def test_activity_counts_each_event_once_and_filters_by_relative_times(
    api: httpx.AsyncClient, sender: KafkaBroker
) -> None:
    db_id = await create_database(api, [])
    ann, bob, cid = [await put_profile(api, db_id, f"{n}@shop.example") for n in ("ann", "bob", "cid")]
    recent_open = interaction(db_id, ann, "open", 2)
    await send(
        sender,
        [
            recent_open,
            interaction(db_id, ann, "open", 40),
            interaction(db_id, ann, "click", 1),
            interaction(db_id, ann, "import_open", 0),  # history only: no activity
            recent_open,  # a sender's duplicate: the same event id again counts once
            interaction(db_id, bob, "open", 60),
            interaction(db_id, bob, "hbounce", 59),
            interaction(db_id, bob, "sms_send", 3),
        ],
    )
    last = interaction(db_id, cid, "send", 0.5)
    await send(sender, [last])
    async with asyncio.timeout(60):  # the last one sent, on its own partition: wait for every profile instead
        while not all([await activity_of(api, db_id, pid) for pid in (ann, bob, cid)]):
            await asyncio.sleep(0.3)
    await asyncio.sleep(1)  # and for any duplicate that would still be on its way

    ann_activity = await activity_of(api, db_id, ann)
    assert {k: v for k, v in ann_activity.items() if k.endswith("_count")} == {"open_count": 2, "click_count": 1}
    assert datetime.fromisoformat(ann_activity["last_open_at"]) == NOW - timedelta(days=2)
    bob_activity = await activity_of(api, db_id, bob)
    assert {k: v for k, v in bob_activity.items() if k.endswith("_count")} == {
        "open_count": 1, "hbounce_count": 1, "bounce_count": 1, "sms_send_count": 1,
    }  # fmt: skip

    opened_lately = {"field": "activity.last_open_at", "op": "gte", "value": "-30d"}
    assert await matching(api, db_id, opened_lately) == ["ann@shop.example"]
    never_clicked = {"field": "activity.click_count", "op": "eq", "value": 0}
    assert await matching(api, db_id, never_clicked) == ["bob@shop.example", "cid@shop.example"]
    no_click_time = {"field": "activity.last_click_at", "op": "exists", "value": False}
    assert await matching(api, db_id, no_click_time) == ["bob@shop.example", "cid@shop.example"]
    bounced = {"field": "activity.bounce_count", "op": "gte", "value": 1}
    assert await matching(api, db_id, bounced) == ["bob@shop.example"]
    sent_today = {"field": "activity.last_send_at", "op": "gte", "value": "-1d"}
    assert await matching(api, db_id, sent_today, never_clicked) == ["cid@shop.example"]
    quick = await api.get(f"/databases/{db_id}/profiles", params={"q": "activity.open_count:2"})
    assert [p["email"] for p in quick.json()["items"]] == ["ann@shop.example"]

    bad = await api.post(
        f"/databases/{db_id}/profiles/search",
        json={"filter": {"field": "activity.last_open_at", "op": "gte", "value": "-30 days"}},
    )
    assert bad.status_code == 422, bad.text
    detail = bad.json()["error"]["details"][0]
    assert detail["field"] == "activity.last_open_at" and "-30d" in detail["message"], detail

    columns = ["email", "activity.open_count", "activity.last_open_at", "activity.click_count", "activity"]
    _, body = await exported(api, db_id, {"fields": columns, "format": "csv"})
    rows = {r["email"]: r for r in csv.DictReader(io.StringIO(body.decode("utf-8"), newline=""))}
    assert (rows["ann@shop.example"]["activity.open_count"], rows["ann@shop.example"]["activity.click_count"]) == (
        "2",
        "1",
    )
    assert datetime.fromisoformat(rows["ann@shop.example"]["activity.last_open_at"]) == NOW - timedelta(days=2)
    assert (rows["cid@shop.example"]["activity.open_count"], rows["cid@shop.example"]["activity.last_open_at"]) == (
        "0",
        "",
    )
    assert '"send_count":1' in rows["cid@shop.example"]["activity"]
