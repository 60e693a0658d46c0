"""Best Send Time refreshes on the real database: two ML replicas never run one refresh both, a refresh whose
replica died is taken over when its lease runs out, and every replica's schedule queues one refresh per firing."""

import asyncio
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from ml_service.app import leased, queue_due_refreshes
from profilehub_shared.contracts.jobs import JobProgressed, JobRequested
from profilehub_shared.jobs import JobQueue, JobRunner, progressed
from tests.conftest import latin_name

JOBS = 12


def queues(mongo: AsyncDatabase, lease: float = 30.0) -> tuple[JobQueue, JobQueue]:
    name = latin_name("mljobs")
    return JobQueue(mongo, lease, name, owner="replica-a"), JobQueue(mongo, lease, name, owner="replica-b")


async def test_two_replicas_run_each_refresh_once(mongo: AsyncDatabase) -> None:
    a, b = queues(mongo)
    runs: list[tuple[str, str]] = []
    ended: list[JobProgressed] = []

    def work_of(owner: str) -> Any:
        async def work(job: JobRequested) -> JobProgressed:
            runs.append((owner, job.job_id))
            await asyncio.sleep(0.2)
            return progressed(job, "done", 1, 1)

        return work

    async def publish(event: JobProgressed) -> None:
        ended.append(event)

    jobs = [JobRequested(job_id=f"ml-{i}", kind="ml_refresh", database_id="d") for i in range(JOBS)]
    for job in jobs:  # both replicas' schedules queue the same firing
        await a.accept(job)
        await b.accept(job)
    runners = [JobRunner(a, publish, work_of("a")), JobRunner(b, publish, work_of("b"))]
    tasks = [asyncio.create_task(r.run_forever(poll_seconds=0.02)) for r in runners]
    try:
        async with asyncio.timeout(60):
            while len(ended) < JOBS:
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # a second run of any job would show now
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    assert sorted(job_id for _, job_id in runs) == sorted(j.job_id for j in jobs)
    assert {owner for owner, _ in runs} == {"a", "b"}  # both worked, never on the same refresh
    assert len(ended) == JOBS and {e.status for e in ended} == {"done"}


async def test_a_refresh_whose_replica_died_is_taken_over_after_its_lease(mongo: AsyncDatabase) -> None:
    a, b = queues(mongo, lease=1.0)
    job = JobRequested(job_id="ml-crash", kind="ml_refresh", database_id="d")
    await a.accept(job)
    assert await a.take() == job  # replica a takes it, then dies without renewing
    assert await b.take() is None
    await asyncio.sleep(1.3)
    assert await b.take() == job


async def test_every_replica_schedule_queues_one_refresh_per_database_and_firing(mongo: AsyncDatabase) -> None:
    a, b = queues(mongo)
    bare = [{"_id": latin_name("on"), "settings": {"ml_enabled": True}}, {"_id": latin_name("off"), "settings": {}}]
    await mongo.databases.insert_many(bare)
    try:
        assert await queue_due_refreshes(mongo, a, 3) == await queue_due_refreshes(mongo, b, 3) >= 1
        queued = [d async for d in a.queue.find({})]
        enabled = await mongo.databases.count_documents({"settings.ml_enabled": True})
        assert len(queued) == enabled and len({d["_id"] for d in queued}) == enabled
    finally:  # bare documents no real database has: the session's later tests list every database
        await mongo.databases.delete_many({"_id": {"$in": [d["_id"] for d in bare]}})


async def test_a_refresh_longer_than_its_lease_keeps_it(mongo: AsyncDatabase) -> None:
    a, b = queues(mongo, lease=0.6)
    job = JobRequested(job_id="ml-long", kind="ml_refresh", database_id="d")
    await a.accept(job)
    taken = await a.take()
    assert taken == job
    stolen: list[JobRequested | None] = []

    async def long_refresh(job: JobRequested) -> JobProgressed:
        for _ in range(4):  # 2 s: more than three leases
            await asyncio.sleep(0.5)
            stolen.append(await b.take())
        return progressed(job, "done", 1, 1)

    final = await leased(a, long_refresh, job)
    assert final.status == "done" and stolen == [None] * 4  # the other replica never got it
