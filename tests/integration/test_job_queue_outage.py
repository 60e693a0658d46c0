"""A job runner outlives an outage of the database: taking a job while the database is away finds none (the loop asks
again) instead of raising out of the runner's loop, which ended every job runner for good while the process lived on
(seen in the soak: `background task history-worker died` after FerretDB was restarted)."""

from pymongo import AsyncMongoClient

from profilehub_shared.jobs import JobQueue
from tests.e2e.system import free_port


async def test_no_job_is_taken_while_the_database_is_away() -> None:
    nobody_listens = f"mongodb://127.0.0.1:{free_port()}/?serverSelectionTimeoutMS=300"
    client: AsyncMongoClient = AsyncMongoClient(nobody_listens)
    try:
        assert await JobQueue(client["profilehub"], lease_seconds=30).take() is None
    finally:
        await client.close()
