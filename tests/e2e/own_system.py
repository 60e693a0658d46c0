"""A whole system of its own beside the test session's (its own topic prefix and MongoDB database, on the same
broker and database server), for tests and benchmarks that need other settings, such as two importer replicas."""

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from importer_service.handlers import BATCH_WORKERS
from tests.conftest import latin_name
from tests.e2e.system import RunningSystem


@dataclass
class OwnSystem:
    system: RunningSystem
    api: httpx.AsyncClient
    mongo: AsyncDatabase

    async def importers_joined(self, replicas: int, timeout: float = 120.0) -> None:
        """Until every importer replica's batch workers are members of the batch group, and it is stable. A
        replica whose workers are still joining takes no batches: a job started before then runs on the others
        (a worker is a consumer of its own, see `max_workers`, and each join rebalances the group)."""
        group = f"{self.system.env['KAFKA_TOPIC_PREFIX']}importer-import-batches"
        admin = AIOKafkaAdminClient(bootstrap_servers=self.system.env["KAFKA_BOOTSTRAP_SERVERS"])
        await admin.start()
        seen: tuple[str, int] = ("", 0)
        try:
            async with asyncio.timeout(timeout):
                while seen != ("Stable", replicas * BATCH_WORKERS):
                    [answer] = await admin.describe_consumer_groups([group])
                    _error, _group, state, _protocol_type, _protocol, members, *_ = answer.groups[0]
                    seen = (state, len(members))
                    await asyncio.sleep(0.5)
        except TimeoutError:
            raise AssertionError(f"group {group}: {seen}, not Stable with {replicas * BATCH_WORKERS}") from None
        finally:
            await admin.close()


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
