"""Fixtures for every depth of test: the real infrastructure, settings with a fresh database, brokers."""

import os
import random
import secrets
import string
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.kafka import make_broker
from profilehub_shared.settings import ServiceSettings
from tests.e2e.system import RunningSystem
from tests.infra import Infrastructure, provide

DEPTHS = ("unit", "integration", "e2e", "bench")


def depth_of(item: pytest.Item) -> str:
    """The folder a test lives in (tests/unit, tests/integration, tests/e2e, tests/bench); unit elsewhere."""
    parts = Path(str(item.fspath)).parts
    return next((depth for depth in DEPTHS if depth in parts), "unit")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by its depth, and run the quick ones first: unit, then integration, then e2e."""
    for item in items:
        item.add_marker(getattr(pytest.mark, depth_of(item)))
    items.sort(key=lambda item: DEPTHS.index(depth_of(item)))


def latin_name(prefix: str) -> str:
    """FerretDB accepts Latin letters only in database names."""
    return prefix + "".join(random.choices(string.ascii_lowercase, k=10))


@pytest.fixture(scope="session")
def infra() -> Infrastructure:
    return provide()


@pytest.fixture(scope="session")
def settings(infra: Infrastructure) -> ServiceSettings:
    """Settings pointing at the real infrastructure and at a database of this test session alone."""
    return ServiceSettings(
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        mongo_url=infra.mongo_url,
        mongo_db=latin_name("test"),
        heartbeat_interval_seconds=1.0,
        max_delivery_attempts=3,
    )


@pytest.fixture(scope="session")
def service_env(settings: ServiceSettings) -> dict[str, str]:
    """Environment for service processes started by end-to-end tests."""
    return {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "MONGO_URL": settings.mongo_url,
        "MONGO_DB": settings.mongo_db,
        "HEARTBEAT_INTERVAL_SECONDS": "1",
    }


@pytest.fixture(scope="session")
async def mongo(settings: ServiceSettings) -> AsyncIterator[AsyncDatabase]:
    client: AsyncMongoClient = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    await client.admin.command("ping")
    yield client[settings.mongo_db]
    await client.drop_database(settings.mongo_db)
    await client.close()


@pytest.fixture(scope="session")
def admin_token() -> str:
    return secrets.token_urlsafe(24)


@pytest.fixture(scope="session")
async def system(
    service_env: dict[str, str], admin_token: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningSystem]:
    env = {
        **service_env,
        "PROFILEHUB_ADMIN_TOKEN": admin_token,
        "SUBSCRIPTION_MANAGER_SECRET": secrets.token_urlsafe(32),  # as run.sh makes one: no default secret
        "JOB_LEASE_SECONDS": "5",
    }
    running = RunningSystem(env, Path(tmp_path_factory.mktemp("system")))
    running.start()
    try:
        await running.wait_healthy()
        yield running
    finally:
        running.stop()


@pytest.fixture
async def api(system: RunningSystem, admin_token: str) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {admin_token}"}
    async with httpx.AsyncClient(base_url=f"{system.url}/api/v1", headers=headers, timeout=60) as client:
        yield client


@pytest.fixture
async def sender(settings: ServiceSettings) -> AsyncIterator[KafkaBroker]:
    """A Kafka producer, as an upstream system (a mailer, a CRM) would have."""
    broker = make_broker(settings, "test-upstream")
    async with broker:
        await broker.start()
        yield broker
