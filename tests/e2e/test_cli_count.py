"""`profilehub profiles count` against the running gateway's POST /databases/{id}/profiles/count, activity included."""

import asyncio
import json

import httpx
from typer.testing import CliRunner

from profilehub_cli.main import app
from tests.e2e.importing import create_database
from tests.e2e.system import RunningSystem


async def test_the_cli_counts_profiles_matching_a_filter(
    api: httpx.AsyncClient, system: RunningSystem, admin_token: str
) -> None:
    db_id = await create_database(api, [])
    for name, city in (("ann", "Oslo"), ("bob", "Rome"), ("cid", "Oslo")):
        answer = await api.put(
            f"/databases/{db_id}/profiles", json={"record": {"email": f"{name}@x.example", "city": city}}
        )
        assert answer.status_code == 200, answer.text
    base = ["--url", system.url, "--token", admin_token]

    async def count(*args: str) -> str:
        result = await asyncio.to_thread(CliRunner().invoke, app, [*base, *args])
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return result.stdout.strip()

    oslo = json.dumps({"field": "city", "op": "eq", "value": "Oslo"})
    assert await count("profiles", "count", db_id, "--filter", oslo) == "2"
    never_clicked = json.dumps({"field": "activity.click_count", "op": "eq", "value": 0})
    assert await count("profiles", "count", db_id, "--filter", never_clicked, "--q", "city:Rome") == "1"
    async with asyncio.timeout(30):  # the maintained count follows the writes
        while (answer := json.loads(await count("--json", "profiles", "count", db_id)))["count"] != 3:
            await asyncio.sleep(0.3)
    assert answer == {"count": 3, "method": "counter"}
