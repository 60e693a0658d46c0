"""detect_geo on the running system: a file import and a single upsert fill the location from the IPs with the
shipped country data, and never replace a location the import gives."""

import asyncio
import json
from pathlib import Path

import httpx
from typer.testing import CliRunner

from profilehub_cli.main import app
from tests.e2e.importing import create_database, finished, start_import
from tests.e2e.system import RunningSystem

ROWS = (
    "email,reg_ip,ip,reg_country,country\n"
    "ann@shop.example,81.2.69.142,8.8.8.8,,\n"  # both from the data: GB, US
    "bob@shop.example,77.88.55.242,1.1.1.1,Norway,\n"  # a given reg_country stays
    "cid@shop.example,10.0.0.1,,,\n"  # a private address: nothing known
)


async def profiles_by_email(api: httpx.AsyncClient, db_id: str) -> dict[str, dict[str, object]]:
    page = (await api.get(f"/databases/{db_id}/profiles", params={"limit": 100})).json()
    return {p["email"]: p for p in page["items"]}


async def test_detect_geo_fills_countries_from_ips_and_keeps_given_values(api: httpx.AsyncClient) -> None:
    db_id = await create_database(api, [])
    job = await finished(
        api, (await start_import(api, db_id, "p.csv", ROWS.encode(), {"options": {"detect_geo": True}}))["id"]
    )
    assert job["status"] == "done" and job["counts"]["created"] == 3, job
    found = await profiles_by_email(api, db_id)
    place = {e: (p.get("reg_country"), p.get("country")) for e, p in found.items()}
    assert place == {
        "ann@shop.example": ("GB", "US"),
        "bob@shop.example": ("Norway", "AU"),
        "cid@shop.example": (None, None),
    }

    # Without the option nothing is filled; with it, a single upsert fills what the record lacks.
    plain = await api.put(
        f"/databases/{db_id}/profiles", json={"record": {"email": "dan@shop.example", "ip": "8.8.8.8"}}
    )
    assert plain.status_code == 200 and plain.json()["profile"].get("country") is None, plain.text
    located = await api.put(
        f"/databases/{db_id}/profiles",
        json={"record": {"email": "dan@shop.example", "reg_ip": "133.242.0.3"}, "options": {"detect_geo": True}},
    )
    assert located.status_code == 200, located.text
    assert (located.json()["profile"]["reg_country"], located.json()["profile"].get("country")) == ("JP", None)

    refused = await api.put(
        f"/databases/{db_id}/profiles", json={"record": {"email": "e@shop.example"}, "options": {"detect_geo": "yes"}}
    )
    assert refused.status_code == 422, refused.text


async def test_the_cli_imports_with_detect_geo(
    api: httpx.AsyncClient, system: RunningSystem, admin_token: str, tmp_path: Path
) -> None:
    db_id = await create_database(api, [])
    (tmp_path / "p.csv").write_text("email,ip\neve@shop.example,200.147.67.142\n", encoding="utf-8")
    args = ["--url", system.url, "--token", admin_token, "--json", "import", str(tmp_path / "p.csv"), "--db", db_id]
    result = await asyncio.to_thread(CliRunner().invoke, app, [*args, "--detect-geo"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["created"] == 1
    assert [p["country"] for p in (await profiles_by_email(api, db_id)).values()] == ["BR"]
