"""The CLI against the running system: resources, suppression lists, promo pools, profiles (get, put, search,
count, delete), copy and bulk update with their jobs (list, show, wait, cancel), in tables and with --json."""

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

from click.testing import Result
from typer.testing import CliRunner

from profilehub_cli.main import app
from tests.e2e.importing import create_database, start_import
from tests.e2e.system import RunningSystem


class Cli:
    """`profilehub --url … --token … ARGS`, run in a thread so that the test's event loop stays free."""

    def __init__(self, system: RunningSystem, token: str) -> None:
        self.base = ["--url", system.url, "--token", token]

    async def run(self, *args: str, ok: bool = True, stdin: str | None = None) -> Result:
        result = await asyncio.to_thread(CliRunner().invoke, app, [*self.base, *args], input=stdin)
        if ok:
            assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result

    async def json(self, *args: str) -> Any:
        return json.loads((await self.run("--json", *args)).stdout)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def test_account_objects_from_the_cli(system: RunningSystem, admin_token: str, tmp_path: Path) -> None:
    cli = Cli(system, admin_token)
    resource = await cli.json("resources", "create", unique("news"), "--channel", "email", "--channel", "sms")
    assert resource["channels"] == ["email", "sms"]
    assert resource["id"] in (await cli.run("resources", "list")).stdout
    assert (await cli.json("resources", "show", resource["id"]))["name"] == resource["name"]

    listing = await cli.json("suppression-lists", "create", unique("blocked"))
    (tmp_path / "emails.txt").write_text("b@x.example\n\nc@x.example\nnot-an-email\n", encoding="utf-8")
    added = await cli.json(
        "suppression-lists", "add", listing["id"], "--email", "a@x.example", "--domain", "spam.example",
        "--emails-file", str(tmp_path / "emails.txt"),
    )  # fmt: skip
    assert added["suppression_list"]["counts"] == {"email": 3, "phone": 0, "domain": 1}, added
    assert [i["value"] for i in added["counts"]["invalid"]] == ["'not-an-email'"], added
    human = await cli.run("suppression-lists", "add", listing["id"], "--email", "also bad")
    assert "invalid 1" in human.stdout and "not a valid email address" in human.stdout, human.stdout
    entries = await cli.json("suppression-lists", "entries", listing["id"], "--kind", "email")
    assert sorted(e["value"] for e in entries["items"]) == ["a@x.example", "b@x.example", "c@x.example"]
    await cli.run("suppression-lists", "remove", listing["id"], "--email", "a@x.example")
    assert (await cli.json("suppression-lists", "show", listing["id"]))["counts"]["email"] == 2

    pool = await cli.json("promo-pools", "create", unique("spring"))
    (tmp_path / "codes.txt").write_text("C1\nC2\nC3\n", encoding="utf-8")
    codes = await cli.json(
        "promo-pools", "add-codes", pool["id"], "--file", str(tmp_path / "codes.txt"), "--code", "C1"
    )
    assert codes["promo_pool"]["counts"]["unused"] == 3, codes
    assert "C2" in (await cli.run("promo-pools", "codes", pool["id"])).stdout

    for kind, object_id in (
        ("resources", resource["id"]),
        ("suppression-lists", listing["id"]),
        ("promo-pools", pool["id"]),
    ):
        await cli.run(kind, "delete", object_id, "--yes")
        gone = await cli.run(kind, "show", object_id, ok=False)
        assert gone.exit_code == 1 and "404" in gone.stderr, gone.stderr


async def test_profiles_copy_bulk_update_and_jobs_from_the_cli(
    system: RunningSystem, admin_token: str, api: Any
) -> None:
    cli = Cli(system, admin_token)
    source, target = await create_database(api, []), await create_database(api, [])
    ids = {}
    for name, city in (("ann", "Oslo"), ("bob", "Rome"), ("cid", "Oslo")):
        record = json.dumps({"email": f"{name}@shop.example", "first_name": name.title(), "city": city})
        answer = await cli.json("profiles", "put", source, record)
        assert answer["outcome"] == "created", answer
        ids[name] = answer["profile"]["profile_id"]
    again = await cli.run("profiles", "put", source, "-", stdin=json.dumps({"email": "ann@shop.example"}))
    assert f"unchanged: profile {ids['ann']}" in again.stdout

    assert (await cli.json("profiles", "get", source, ids["bob"]))["city"] == "Rome"
    oslo = json.dumps({"field": "city", "op": "eq", "value": "Oslo"})
    found = await cli.json("profiles", "search", source, "--filter", oslo)
    assert sorted(p["email"] for p in found) == ["ann@shop.example", "cid@shop.example"]
    paged = await cli.json("profiles", "search", source, "--limit", "1", "--all")
    assert len(paged) == 3  # every page, one profile at a time
    table = await cli.run("profiles", "search", source, "--q", "city:Rome", "--columns", "email,city")
    assert "bob@shop.example" in table.stdout and "ann@shop.example" not in table.stdout
    bad = await cli.run("profiles", "search", source, "--filter", '{"field": "nope", "op": "eq", "value": 1}', ok=False)
    assert bad.exit_code == 1 and "nope" in bad.stderr, bad.stderr

    copied = await cli.json("copy", "--db", source, "--to", target, "--filter", oslo)
    assert (copied["status"], copied["counts"]["created"]) == ("done", 2), copied
    updated = await cli.run("bulk-update", "--db", source, "--filter", oslo, "--set", '{"last_name": "Nord"}')
    assert "done" in updated.stdout and "updated 2" in updated.stdout, updated.stdout
    assert "━" in updated.stderr and "2/2" in updated.stderr, updated.stderr  # the progress bar, processed/total
    assert (await cli.json("profiles", "get", source, ids["cid"]))["last_name"] == "Nord"
    started = await cli.json("bulk-update", "--db", source, "--unset", "last_name", "--no-wait")
    waited = await cli.json("jobs", "wait", started["id"])
    assert (waited["status"], waited["counts"]["updated"]) == ("done", 2), waited

    listed = await cli.json("jobs", "list", "--db", source)
    assert {j["kind"] for j in listed["items"]} == {"copy", "bulk_update"}
    assert started["id"] in (await cli.run("jobs", "list", "--db", source, "--kind", "bulk_update")).stdout
    assert (await cli.json("jobs", "show", copied["id"]))["counts"]["created"] == 2
    ended = await cli.run("jobs", "cancel", copied["id"], ok=False)  # a finished job stays finished
    assert ended.exit_code == 1 and "has ended (done)" in ended.stderr, ended.stderr

    rows = "email\n" + "".join(f"p{n}@bulk.example\n" for n in range(100_000))
    running = await start_import(api, target, "big.csv", rows.encode())
    assert (await cli.json("jobs", "cancel", running["id"]))["id"] == running["id"]
    stopped = await cli.run("--json", "jobs", "wait", running["id"], ok=False)
    assert stopped.exit_code == 1 and json.loads(stopped.stdout)["status"] == "cancelled", stopped.stdout

    refused = await cli.run("bulk-update", "--db", source, "--delete", "--unset", "city", ok=False)
    assert refused.exit_code == 1 and "exactly one action" in refused.stderr
    await cli.run("bulk-update", "--db", source, "--filter", oslo, "--delete", "--yes")
    assert [p["email"] for p in await cli.json("profiles", "search", source)] == ["bob@shop.example"]
    await cli.run("profiles", "delete", source, ids["bob"], "--yes")
    missing = await cli.run("profiles", "get", source, ids["bob"], ok=False)
    assert missing.exit_code == 1 and "404" in missing.stderr
