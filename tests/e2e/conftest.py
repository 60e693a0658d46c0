"""The whole system, started once for the end-to-end tests as `make run` starts it."""

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.system import RunningSystem


@pytest.fixture(scope="session")
def admin_token() -> str:
    return secrets.token_urlsafe(24)


@pytest.fixture(scope="session")
async def system(
    service_env: dict[str, str], admin_token: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningSystem]:
    env = {**service_env, "PROFILEHUB_ADMIN_TOKEN": admin_token, "JOB_LEASE_SECONDS": "5"}
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
