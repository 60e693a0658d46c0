"""Best Send Time on the running system: an on-demand refresh through the API scores every profile (from the
history of its sends and opens, or, without any, from the database's, marked `source: database`), the score lands in
`ml.bst` in the profile's local time with its zone (usable in filters), and the database shows the refresh times."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.interactions import InteractionRecorded
from profilehub_shared.contracts.ml import BestSendTime, ProfileSendTime, SendTimesScored
from profilehub_shared.kafka import dead_letter_topic
from profilehub_shared.mongo import profiles_collection_name
from profilehub_shared.settings import ServiceSettings
from tests.e2e.importing import create_database, finished
from tests.e2e.upstream import Upstream, parked

DAYS = 30


def habit(db_id: str, pid: str, open_hour: int, now: datetime) -> list[InteractionRecorded]:
    """Sends at 7, 12 and 18 UTC every day; the profile opens the one nearest `open_hour`, at `open_hour`:05."""
    events = []
    for day in range(1, DAYS + 1):
        date = (now - timedelta(days=day)).replace(minute=0, second=0, microsecond=0)
        for hour in (7, 12, 18):
            events.append(InteractionRecorded(database_id=db_id, profile_id=pid, type="send",
                                              occurred_at=date.replace(hour=hour)))  # fmt: skip
        opened = date.replace(hour=open_hour, minute=5)
        events.append(InteractionRecorded(database_id=db_id, profile_id=pid, type="open", occurred_at=opened))
    return events


async def until(check: Any, timeout: float = 120) -> Any:
    async with asyncio.timeout(timeout):
        while not (value := await check()):
            await asyncio.sleep(0.3)
    return value


async def test_an_on_demand_refresh_scores_profiles_from_their_history(
    api: httpx.AsyncClient, sender: KafkaBroker
) -> None:
    db_id = await create_database(api, [])
    off = await api.post(f"/databases/{db_id}/ml/refresh")
    assert off.status_code == 409 and off.json()["error"]["details"][0]["code"] == "ml_disabled"
    assert (await api.patch(f"/databases/{db_id}", json={"ml_enabled": True})).status_code == 200
    url = f"/databases/{db_id}/profiles"
    morning = (await api.put(url, json={"record": {"email": "m@shop.example"}})).json()["profile"]["profile_id"]
    tokyo = {"email": "t@shop.example", "timezone": "Asia/Tokyo"}
    evening = (await api.put(url, json={"record": tokyo})).json()["profile"]["profile_id"]
    quiet = (await api.put(url, json={"record": {"email": "q@shop.example"}})).json()["profile"]["profile_id"]
    now = datetime.now(UTC)
    events = habit(db_id, morning, 7, now) + habit(db_id, evening, 12, now)  # 12 UTC is 21:00 in Tokyo
    await asyncio.gather(*(sender.publish(e, topic=e.topic, key=e.profile_id.encode()) for e in events))
    stored = await until(lambda: _history_size(api, db_id, len(events)))
    assert stored >= len(events)

    started = await api.post(f"/databases/{db_id}/ml/refresh")
    assert started.status_code == 202, started.text
    job = await finished(api, started.json()["id"])
    assert job["status"] == "done", job
    assert (job["counts"]["processed"], job["counts"]["updated"]) == (3, 3)

    scored = await until(lambda: _bst(api, db_id, evening))
    assert scored["hours"][0] == 12 and 0 < scored["confidence"] <= 1  # in UTC: Tokyo has no daylight saving
    assert (scored["local_hours"][0], scored["timezone"], scored["source"]) == (21, "Asia/Tokyo", "profile")
    assert (await until(lambda: _bst(api, db_id, morning)))["hours"][0] == 7
    fallback = await until(lambda: _bst(api, db_id, quiet))  # no evidence: the database's best time
    assert (fallback["source"], fallback["confidence"], fallback["timezone"]) == ("database", 0.0, "UTC")
    hours = {"all": [{"field": "ml.bst.hours", "op": "eq", "value": 7}]}
    found = (await api.post(f"{url}/search", json={"filter": hours})).json()["items"]
    assert {p["profile_id"] for p in found} == {morning, quiet}  # quiet (UTC) has the database's 7 and 21
    assert fallback["local_hours"][:2] == [7, 21]  # the morning reader's 07 and the Tokyo reader's 21, each local
    every_hour = {"all": [{"field": "ml.bst.hours", "op": "within_next_hours", "value": 24}]}
    found = (await api.post(f"{url}/search", json={"filter": every_hour})).json()["items"]
    assert {p["profile_id"] for p in found} == {morning, evening, quiet}  # a segment by best hour holds everyone

    database = await until(lambda: _refreshed(api, db_id))
    last, upcoming = (datetime.fromisoformat(database["ml"][k]) for k in ("last_refresh_at", "next_refresh_at"))
    assert last.replace(tzinfo=last.tzinfo or UTC) >= now - timedelta(minutes=1)
    assert upcoming.minute == 0 and upcoming.replace(tzinfo=upcoming.tzinfo or UTC) > now
    assert len(database["ml"]["best_hours"]) >= 1  # the fallback for profiles without a score


async def _history_size(api: httpx.AsyncClient, db_id: str, n: int) -> int | None:
    page = (await api.get(f"/databases/{db_id}/history", params={"limit": 1000, "types": "send,open"})).json()
    return len(page["items"]) if len(page["items"]) >= n else None


async def _bst(api: httpx.AsyncClient, db_id: str, pid: str) -> dict[str, Any] | None:
    profile = (await api.get(f"/databases/{db_id}/profiles/{pid}")).json()
    return (profile.get("ml") or {}).get("bst")


async def _refreshed(api: httpx.AsyncClient, db_id: str) -> dict[str, Any] | None:
    database = (await api.get(f"/databases/{db_id}")).json()
    return database if database["ml"]["last_refresh_at"] else None


async def test_a_poison_batch_of_scores_is_dead_lettered_and_the_next_batch_is_written(
    api: httpx.AsyncClient, upstream: Upstream, settings: ServiceSettings, mongo: AsyncDatabase
) -> None:
    db_id = await create_database(api, [])
    answer = await api.put(f"/databases/{db_id}/profiles", json={"record": {"email": "bulk@shop.example"}})
    pid = answer.json()["profile"]["profile_id"]
    poison = b'{"database_id":"' + db_id.encode() + b'","scores":[{"profile_id":"' + pid.encode() + b'","bst":{}}]}'
    await upstream.everywhere(SendTimesScored.topic, db_id, poison)
    bst = BestSendTime(hours=[6], weekdays=[3], confidence=0.0, local_hours=[8], timezone="Europe/Berlin",
                       source="database")  # fmt: skip
    good = SendTimesScored(database_id=db_id, scores=[ProfileSendTime(profile_id=pid, bst=bst)])
    await upstream.send(SendTimesScored.topic, db_id, good.model_dump_json().encode())

    profile = await until(lambda: mongo[profiles_collection_name(db_id)].find_one({"_id": pid, "ml.bst.hours": 6}))
    assert profile["ml"]["bst"] == bst.model_dump()
    letters = await parked(settings, dead_letter_topic(SendTimesScored.topic), db_id, count=3)
    assert {letter["code"] for letter in letters} == {"invalid_message"}
