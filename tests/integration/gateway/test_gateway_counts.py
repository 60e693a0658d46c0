"""A filtered count is bounded by COUNT_TIMEOUT_SECONDS and says so when it runs out (issue 14)."""

from collections.abc import AsyncIterator

import httpx
import pytest
from gateway_http import ADMIN_TOKEN, bearer, database_body, unique
from pymongo.asynchronous.database import AsyncDatabase

from gateway_service.app import create_app as create_gateway
from gateway_service.settings import Settings as GatewaySettings
from profilehub_shared.mongo import profiles_collection_name
from profilehub_shared.settings import ServiceSettings
from schema_service.app import create_app as create_schema
from schema_service.settings import Settings as SchemaSettings
from tests.services import running


@pytest.fixture(scope="module")
async def hasty_api(settings: ServiceSettings) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway whose counts may run for one millisecond."""
    schema = create_schema(SchemaSettings(**settings.model_dump()))
    gateway = create_gateway(
        GatewaySettings(**settings.model_dump(), profilehub_admin_token=ADMIN_TOKEN, count_timeout_seconds=0.001)
    )
    async with running(schema), gateway.router.lifespan_context(gateway):
        transport = httpx.ASGITransport(app=gateway)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://gateway", headers=bearer(ADMIN_TOKEN), timeout=60
        ) as client:
            yield client


async def test_a_count_past_its_time_limit_is_a_503_with_its_reason(
    hasty_api: httpx.AsyncClient, mongo: AsyncDatabase
) -> None:
    created = await hasty_api.post("/api/v1/databases", json=database_body(unique("db")))
    db_id = created.json()["id"]
    docs = [{"_id": f"p{n}", "first_name": f"n{n % 10}", "fields": {}} for n in range(20_000)]
    await mongo[profiles_collection_name(db_id)].insert_many(docs)  # stored data to count (not written by the API)
    flt = {"filter": {"field": "first_name", "op": "eq", "value": "n3"}}
    answer = await hasty_api.post(f"/api/v1/databases/{db_id}/profiles/count", json=flt)
    assert answer.status_code == 503, answer.text
    error = answer.json()["error"]
    assert error["code"] == "count_timeout" and "COUNT_TIMEOUT_SECONDS" in error["message"]
