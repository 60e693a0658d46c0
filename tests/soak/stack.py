"""The soak's own Kafka broker and MongoDB-wire database (deploy/local on free ports, in a directory of its own), so
that restarting them disturbs nothing else and no other consumer shares its topics and groups."""

import asyncio
import os
import signal
from pathlib import Path

from tests.e2e.system import ROOT, free_port

STACK = ROOT / "deploy/local"


class SoakStack:
    """deploy/local/stack.sh with its own state directory and ports; the broker and FerretDB can be restarted."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.kafka_port, self.mongo_port = free_port(), free_port()
        self.env = {
            **os.environ,
            "PROFILEHUB_STATE_DIR": str(state_dir),
            "PROFILEHUB_KAFKA_PORT": str(self.kafka_port),
            "PROFILEHUB_KAFKA_CONTROLLER_PORT": str(free_port()),
            "PROFILEHUB_MONGO_PORT": str(self.mongo_port),
            "PROFILEHUB_POSTGRES_PORT": str(free_port()),
        }

    @property
    def kafka(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def mongo_url(self) -> str:
        return f"mongodb://127.0.0.1:{self.mongo_port}/"

    async def script(self, name: str, action: str) -> None:
        """Run deploy/local/<name> <action> without blocking the event loop (the producers keep going)."""
        process = await asyncio.create_subprocess_exec(
            str(STACK / name),
            action,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"deploy/local/{name} {action} failed:\n{out.decode(errors='replace')[-3000:]}")

    async def up(self) -> None:
        await self.script("stack.sh", "up")

    async def down(self) -> None:
        await self.script("stack.sh", "down")

    async def restart_broker(self) -> None:
        """A clean stop (SIGTERM) and a start on the same data directory: every acknowledged record is kept."""
        await self.script("kafka.sh", "down")
        await self.script("kafka.sh", "up")

    async def restart_database(self) -> None:
        """kill -9 the FerretDB process and start it again; its PostgreSQL store keeps running."""
        pid = int((self.state_dir / "mongo" / "mongo.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            await asyncio.sleep(0.1)
        await self.script("mongo.sh", "up")
