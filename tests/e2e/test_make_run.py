"""`make run` smoke test: the whole system comes up healthy and stops cleanly on Ctrl-C."""

import asyncio
from pathlib import Path

from tests.e2e.system import RunningSystem

SERVICES = {"gateway", "schema", "importer", "exporter", "history", "ml"}


async def test_system_comes_up_healthy_and_stops_on_ctrl_c(service_env: dict[str, str], tmp_path: Path) -> None:
    system = RunningSystem(service_env, tmp_path / "state")
    system.start()
    try:
        health = await system.wait_healthy()
    finally:
        code = system.stop()
    assert health["status"] == "ok"
    assert health["kafka"] == {"ok": True}
    assert health["mongo"] == {"ok": True}
    assert set(health["services"]) == SERVICES
    assert all(s["alive"] and s["mongo_ok"] for s in health["services"].values()), health
    assert code == 0
    for _ in range(40):
        if not system.group_alive():
            break
        await asyncio.sleep(0.25)
    assert not system.group_alive(), "a service outlived Ctrl-C"
