"""B5: Best Send Time for 100,000 profiles with 2,000,000 history events, end to end through the API (read the
history, score, publish, and the importer has written every profile's `ml.bst`): wall time; baseline in the same
run, before and after ours (the faster counts): one raw aggregation pass over the same events, counting each
profile's events. On MongoDB that is `$match` + `$group`; on
FerretDB 1.x, whose `$group` ran for over 13 minutes here without finishing, it is one cursor over the events
grouped in Python (what one would write there), so the baseline is the fastest raw pass each engine offers."""

import os
import random
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.ml import SendTimesScored
from profilehub_shared.mongo import profiles_collection_name
from profilehub_shared.settings import ServiceSettings
from tests.bench.harness import Figure, is_ferretdb, report, timed
from tests.bench.test_b2_stream import end_offsets
from tests.bench.test_b4_history import until_committed
from tests.e2e.importing import create_database, finished
from tests.e2e.system import RunningSystem

PROFILES = int(os.environ.get("B5_PROFILES", "100000"))
EVENTS = int(os.environ.get("B5_EVENTS", "2000000"))
ZONES = (None, None, None, "Europe/Berlin", "America/New_York", "Asia/Tokyo")
BATCH = 10_000


def events_of(db_id: str, now: datetime) -> list[dict[str, object]]:
    """Per profile a favourite hour; sends at business hours, about one open in three near the favourite hour."""
    rnd, per_profile = random.Random(5), EVENTS // PROFILES
    docs: list[dict[str, object]] = []
    for p in range(PROFILES):
        favourite = rnd.randrange(24)
        for _ in range(per_profile):
            day = now - timedelta(days=rnd.randrange(1, 180))
            if rnd.random() < 0.3:
                hour, kind = (favourite + rnd.choice((-1, 0, 0, 1))) % 24, "open"
            else:
                hour, kind = rnd.choice((9, 10, 11, 14, 15, 16)), "send"
            at = day.replace(hour=hour, minute=rnd.randrange(60), second=0, microsecond=0)
            docs.append({"_id": uuid.uuid4().hex, "database_id": db_id, "profile_id": f"p{p:06d}", "type": kind,
                         "occurred_at": at, "payload": "{}"})  # fmt: skip
    return docs


async def seed(mongo: AsyncDatabase, db_id: str) -> None:
    now = datetime.now(UTC)
    profiles = [{"_id": f"p{p:06d}", "email": f"u{p}@bench.example", "timezone": ZONES[p % len(ZONES)],
                 "has_interactions": True} for p in range(PROFILES)]  # fmt: skip
    for start in range(0, PROFILES, BATCH):
        await mongo[profiles_collection_name(db_id)].insert_many(profiles[start : start + BATCH], ordered=False)
    docs = events_of(db_id, now)
    for start in range(0, len(docs), BATCH):
        await mongo.history.insert_many(docs[start : start + BATCH], ordered=False)


async def one_aggregation_pass(mongo: AsyncDatabase, db_id: str, ferretdb: bool) -> None:
    if not ferretdb:
        pipeline = [{"$match": {"database_id": db_id}}, {"$group": {"_id": "$profile_id", "n": {"$sum": 1}}}]
        groups = [g async for g in await mongo.history.aggregate(pipeline, batchSize=10_000)]
        assert len(groups) == PROFILES
        return
    counts: Counter[str] = Counter()
    events = mongo.history.find({"database_id": db_id}, {"profile_id": 1, "type": 1, "occurred_at": 1}, batch_size=5000)
    async for event in events:
        counts[event["profile_id"]] += 1
    assert len(counts) == PROFILES


async def test_b5_best_send_time_refresh(
    system: RunningSystem, api: httpx.AsyncClient, settings: ServiceSettings, mongo: AsyncDatabase
) -> None:
    db_id = await create_database(api, [])
    assert (await api.patch(f"/databases/{db_id}", json={"ml_enabled": True})).status_code == 200
    await seed(mongo, db_id)

    async def refresh_through_the_api() -> None:
        started = await api.post(f"/databases/{db_id}/ml/refresh")
        assert started.status_code == 202, started.text
        job = await finished(api, started.json()["id"], timeout=3600)
        assert job["status"] == "done" and job["counts"]["processed"] == PROFILES, job
        await until_committed(settings, "importer-send-times-bulk", await end_offsets(settings, SendTimesScored.topic))
        scored.append(job["counts"]["updated"])
        print(f"\nB5 job: {job['message']}")

    scored: list[int] = []
    ferretdb = await is_ferretdb(mongo)
    name = "one raw pass over the events, grouped in Python" if ferretdb else "one raw $group pass over the events"
    # The baseline runs before and after ours (the freshly written events are slower to read at first, and the
    # machine is shared): the faster of the two is the one compared against.
    before = await timed(name, EVENTS, lambda: one_aggregation_pass(mongo, db_id, ferretdb))
    ours = await timed("refresh through the API (read, score, publish, written)", EVENTS, refresh_through_the_api)
    after = await timed(name, EVENTS, lambda: one_aggregation_pass(mongo, db_id, ferretdb))
    baseline = min(before, after, key=lambda f: f.seconds)
    written = await mongo[profiles_collection_name(db_id)].count_documents({"ml.bst.source": {"$exists": True}})
    assert written == PROFILES == scored[0]  # every profile has its score (its own, or its zone's / database's)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    extra = (
        f"{PROFILES:,} profiles, {scored[0]:,} scored; wall {ours.seconds:.0f} s; baseline before/after "
        f"{before.seconds:.0f}/{after.seconds:.0f} s; load average {load}"
    )
    report(ours, baseline, "events", extra)
    assert isinstance(ours, Figure)
