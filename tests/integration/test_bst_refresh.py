"""Best Send Time on the real database: a refresh reads the window's events once and scores every profile (its own
evidence, or its zone's / the database's, `source: database`), exactly what an in-process call of the estimator
gives; and the zone-aware filters run on the database and pick the profiles whose local best hour is due."""

from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from ml_service.bst.model import ProfileActivity, best_send_times
from ml_service.refresh import Refreshes
from ml_service.scores import stored
from profilehub_shared.contracts.jobs import JobRequested
from profilehub_shared.contracts.ml import SendTimesScored
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.filters import Condition, to_query
from profilehub_shared.mongo import profiles_collection_name
from profilehub_shared.schemas import Schemas
from tests.conftest import latin_name

NOW = datetime(2026, 3, 28, 12, tzinfo=UTC)  # the day before Europe's spring transition


async def a_database(mongo: AsyncDatabase) -> Database:
    db = Database.model_validate(
        {
            "id": latin_name("bst"),
            "settings": {
                "name": latin_name("bst"),
                "subscription_manager": {"title": "Subscriptions"},
                "email_settings": {"from_name": "Shop", "from_email": "shop@example.com"},
                "ml_enabled": True,
            },
            "created_at": NOW,
            "updated_at": NOW,
        }
    )
    doc = db.model_dump()
    doc["_id"] = doc.pop("id")
    await mongo.databases.insert_one(doc)
    return db


def events(db_id: str, pid: str, local_hour: int, zone_offset: int, machine: bool = False) -> list[dict[str, Any]]:
    """Thirty days of a 10:00 UTC send and an open at `local_hour` (UTC + `zone_offset`), or a proxy's open."""
    docs = []
    for day in range(1, 31):
        date = (NOW - timedelta(days=day)).replace(hour=10, minute=0)
        opened = (
            date + timedelta(seconds=3) if machine else date.replace(hour=(local_hour - zone_offset) % 24, minute=20)
        )
        for kind, at in (("send", date), ("open", opened)):
            docs.append({"_id": f"{pid}-{kind}-{day}", "database_id": db_id, "profile_id": pid, "type": kind,
                         "occurred_at": at, "payload": "{}"})  # fmt: skip
    return docs


async def test_a_refresh_scores_every_profile_exactly_as_the_estimator_does(mongo: AsyncDatabase) -> None:
    db = await a_database(mongo)
    profiles = [
        {"_id": "tokyo", "timezone": "Asia/Tokyo"},
        {"_id": "berlin", "timezone": "Europe/Berlin"},
        {"_id": "proxy", "timezone": "America/New_York"},
        {"_id": "quiet", "timezone": "Asia/Kolkata"},
        {"_id": "gone-zone", "timezone": "Mars/Olympus"},
    ]
    await mongo[profiles_collection_name(db.id)].insert_many(profiles)
    history = events(db.id, "tokyo", 20, 9) + events(db.id, "berlin", 9, 1) + events(db.id, "proxy", 0, 0, True)
    history += events(db.id, "deleted", 7, 0)  # a profile that no longer exists
    await mongo.history.insert_many(history)
    published: list[Any] = []

    async def publish(event: Any) -> None:
        published.append(event)

    refreshes = Refreshes(mongo, Schemas(mongo), publish, 0, clock=lambda: NOW)
    done = await refreshes.run(JobRequested(job_id=latin_name("job"), kind="ml_refresh", database_id=db.id))
    scores = {s.profile_id: s.bst for e in published if isinstance(e, SendTimesScored) for s in e.scores}
    assert set(scores) == {p["_id"] for p in profiles}  # every profile, none of the deleted one
    assert done.counts.updated == len(profiles)
    assert {pid: bst.source for pid, bst in scores.items() if bst} == {
        "tokyo": "profile", "berlin": "profile", "proxy": "database", "quiet": "database", "gone-zone": "database",
    }  # fmt: skip
    assert scores["tokyo"].local_hours[0] == 20 and scores["tokyo"].hours[0] == 11
    assert scores["berlin"].local_hours[0] == 9  # read at the offset of their time: 08:20 UTC was 09:20 CET
    assert scores["berlin"].hours[0] == 7  # the next 09:00 in Berlin is in summer time
    assert scores["quiet"].confidence == 0 and scores["quiet"].timezone == "Asia/Kolkata"
    assert scores["gone-zone"].timezone == "UTC"

    expected = best_send_times(
        [
            ProfileActivity(
                p["_id"],
                [e["occurred_at"] for e in history if e["profile_id"] == p["_id"] and e["type"] == "send"],
                [e["occurred_at"] for e in history if e["profile_id"] == p["_id"] and e["type"] == "open"],
                p["timezone"],
            )
            for p in profiles
        ],
        now=NOW,
    )
    for p in profiles:
        estimate = expected.profiles.get(p["_id"]) or expected.fallback(p["timezone"])
        assert scores[p["_id"]] == stored(estimate, p["timezone"], NOW)


async def test_the_zone_aware_filters_run_on_the_database(mongo: AsyncDatabase) -> None:
    db = await a_database(mongo)
    coll = mongo[profiles_collection_name(db.id)]

    def bst(zone: str | None, local: int, weekday: int) -> dict[str, Any]:
        doc: dict[str, Any] = {"hours": [0], "weekdays": [weekday], "confidence": 0.5, "local_hours": [local]}
        return {**doc, "timezone": zone} if zone else {**doc, "hours": [local]}  # no zone: a score of old

    await coll.insert_many(
        [
            {"_id": "berlin-9", "ml": {"bst": bst("Europe/Berlin", 9, 7)}},
            {"_id": "berlin-10", "ml": {"bst": bst("Europe/Berlin", 10, 1)}},
            {"_id": "york-3", "ml": {"bst": bst("America/New_York", 3, 7)}},
            {"_id": "tokyo-16", "ml": {"bst": bst("Asia/Tokyo", 16, 7)}},
            {"_id": "old-7", "ml": {"bst": bst(None, 7, 7)}},
            {"_id": "unscored"},
        ]
    )
    sunday_summer = datetime(2026, 3, 29, 7, 10, tzinfo=UTC)  # 09:10 CEST, 03:10 EDT, 16:10 JST; Sunday
    within = Condition(field="ml.bst.hours", op="within_next_hours", value=1)
    found = {d["_id"] async for d in coll.find(to_query(db, within, now=sunday_summer), {"_id": 1})}
    assert found == {"berlin-9", "york-3", "tokyo-16", "old-7"}
    a_week_before = sunday_summer - timedelta(days=7)  # 08:10 CET; New York is on summer time since March 8
    found = {d["_id"] async for d in coll.find(to_query(db, within, now=a_week_before), {"_id": 1})}
    assert found == {"york-3", "tokyo-16", "old-7"}
    four_weeks_before = sunday_summer - timedelta(days=28)  # 08:10 CET, 02:10 EST, 16:10 JST
    found = {d["_id"] async for d in coll.find(to_query(db, within, now=four_weeks_before), {"_id": 1})}
    assert found == {"tokyo-16", "old-7"}
    today = Condition(field="ml.bst.weekdays", op="eq", value="today")
    late_sunday = datetime(2026, 3, 29, 22, 30, tzinfo=UTC)  # Monday 00:30 in Berlin, still Sunday in New York
    found = {d["_id"] async for d in coll.find(to_query(db, today, now=late_sunday), {"_id": 1})}
    assert found == {"berlin-10", "york-3", "old-7"}
