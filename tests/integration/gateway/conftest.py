"""The gateway and the schema service on the real broker and database, driven through HTTP."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from gateway_http import ADMIN_TOKEN, bearer, database_body, unique

from gateway_service.app import create_app as create_gateway
from gateway_service.settings import Settings as GatewaySettings
from profilehub_shared.settings import ServiceSettings
from schema_service.app import create_app as create_schema
from schema_service.settings import Settings as SchemaSettings
from tests.services import running


@pytest.fixture(scope="module")
async def api(settings: ServiceSettings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the gateway (admin token by default), with the schema service running behind it."""
    schema = create_schema(SchemaSettings(**settings.model_dump()))
    gateway = create_gateway(GatewaySettings(**settings.model_dump(), profilehub_admin_token=ADMIN_TOKEN))
    async with running(schema), gateway.router.lifespan_context(gateway):
        transport = httpx.ASGITransport(app=gateway)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://gateway", headers=bearer(ADMIN_TOKEN), timeout=60
        ) as client:
            yield client


@pytest.fixture(scope="module")
def group_token(api: httpx.AsyncClient) -> Callable[[str], Awaitable[str]]:
    """Creates a group token with the admin token and returns its secret."""

    async def create(group: str) -> str:
        answer = await api.post("/api/v1/tokens", json={"name": unique("token"), "group": group})
        assert answer.status_code == 201, answer.text
        return str(answer.json()["token"])

    return create


@pytest.fixture
async def database(api: httpx.AsyncClient) -> dict[str, Any]:
    """A fresh database created by the admin."""
    answer = await api.post("/api/v1/databases", json=database_body(unique("db")))
    assert answer.status_code == 201, answer.text
    return answer.json()
