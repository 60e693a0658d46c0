"""A whole system of its own beside the test session's (its own topic prefix and MongoDB database, on the same
broker and database server), for tests and benchmarks that need other settings, such as two importer replicas."""

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from tests.conftest import latin_name
from tests.e2e.system import RunningSystem


@dataclass
class OwnSystem:
    system: RunningSystem
    api: httpx.AsyncClient
    mongo: AsyncDatabase


@asynccontextmanager
async def own_system(
    service_env: dict[str, str], admin_token: str, root: Path, name: str, **env: str
) -> AsyncIterator[OwnSystem]:
    """`deploy/local/run.sh` with `env` on top of the session's, named `name`; stopped and its data dropped after."""
    db_name = latin_name(name)
    system_env = {
        **service_env,
        "PROFILEHUB_ADMIN_TOKEN": admin_token,
        "SUBSCRIPTION_MANAGER_SECRET": secrets.token_urlsafe(32),
        "JOB_LEASE_SECONDS": "5",
        "KAFKA_TOPIC_PREFIX": f"{db_name}.",
        "MONGO_DB": db_name,
        **env,
    }
    system = RunningSystem(system_env, root / name)
    client: AsyncMongoClient = AsyncMongoClient(service_env["MONGO_URL"], tz_aware=True)
    system.start()
    try:
        await system.wait_healthy(timeout=240)
        headers = {"Authorization": f"Bearer {admin_token}"}
        async with httpx.AsyncClient(base_url=f"{system.url}/api/v1", headers=headers, timeout=60) as api:
            yield OwnSystem(system, api, client[db_name])
    finally:
        system.stop()
        await client.drop_database(db_name)
        await client.close()
