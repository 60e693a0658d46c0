"""B7: a database's profile count through the API (the importer's maintained counter) against a naive count of
the same collection (PyMongo `count_documents({})`, which FerretDB 1.x answers by reading every document).

The profiles are written by the importer's own store (`ProfileStore.apply`: inserted, then counted into the
counter), B7_PROFILES of them (default 1,000,000)."""

import os

import httpx
from pymongo.asynchronous.database import AsyncDatabase

from importer_service.repository import ProfileStore
from profilehub_shared.mongo import profiles_collection_name
from tests.bench.harness import report, timed
from tests.e2e.importing import create_database
from tests.e2e.system import RunningSystem

PROFILES = int(os.environ.get("B7_PROFILES", "1000000"))
BATCH = 5000
ASKS = 20  # counts asked through the API (each is instant; their mean is the figure)


async def seed(store: ProfileStore, db_id: str) -> None:
    for start in range(0, PROFILES, BATCH):
        ids = [f"p{n:08d}" for n in range(start, min(start + BATCH, PROFILES))]
        writes = [{"id": i, "create": {"_id": i, "email": f"{i}@bench.example", "fields": {}}, "set": [], "unset": []}
                  for i in ids]  # fmt: skip
        await store.apply(db_id, writes)


async def test_b7_profile_count(system: RunningSystem, api: httpx.AsyncClient, mongo: AsyncDatabase) -> None:
    db_id = await create_database(api, [])
    await seed(ProfileStore(mongo), db_id)
    answers: list[int] = []

    async def count_through_api() -> None:
        for _ in range(ASKS):
            answers.append((await api.post(f"/databases/{db_id}/profiles/count", json={})).json()["count"])

    naive: list[int] = []

    async def naive_count() -> None:
        naive.append(await mongo[profiles_collection_name(db_id)].count_documents({}))

    ours = await timed("count through the API (counter)", PROFILES * ASKS, count_through_api)
    baseline = await timed("count_documents({})", PROFILES, naive_count)
    assert set(answers) == {PROFILES} and naive == [PROFILES]
    per_ask = ours.seconds / ASKS
    report(ours, baseline, "profiles counted", f"{per_ask * 1000:.1f} ms per count vs {baseline.seconds:.2f} s naive")
