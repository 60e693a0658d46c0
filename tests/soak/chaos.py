"""The chaos loop: a bounded, seeded list of faults, each logged with its time. kill -9 of a replica (its supervisor
starts it again), SIGSTOP of a replica past the consumer session timeout (the group rebalances without it, then it
comes back with stale partitions), a clean restart of the Kafka broker, a kill -9 and restart of FerretDB."""

import asyncio
import inspect
import os
import random
import signal
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from faststream.kafka import KafkaBroker

from tests.e2e.system import RunningSystem
from tests.soak.stack import SoakStack

REPLICATED = ("importer", "history")


def session_timeout_seconds() -> float:
    """The consumer session timeout the services' subscribers use: FastStream's default (they do not set one)."""
    return int(inspect.signature(KafkaBroker.subscriber).parameters["session_timeout_ms"].default) / 1000


@dataclass
class ChaosLog:
    started: float = field(default_factory=time.monotonic)
    actions: list[str] = field(default_factory=list)
    faults: Counter[str] = field(default_factory=Counter)

    def note(self, kind: str, what: str) -> None:
        line = f"[chaos +{time.monotonic() - self.started:6.1f}s {time.strftime('%H:%M:%S')}] {kind}: {what}"
        self.actions.append(line)
        print(line, flush=True)


class Chaos:
    """Runs `plan` (fault kinds, in a seeded order) against the running system, `spacing` seconds apart."""

    def __init__(
        self,
        system: RunningSystem,
        stack: SoakStack,
        plan: list[str],
        seed: int,
        spacing: tuple[float, float],
        after_fault: Callable[[], Awaitable[None]],
    ) -> None:
        self.system, self.stack = system, stack
        self.rng = random.Random(seed)
        self.plan = list(plan)
        self.rng.shuffle(self.plan)
        self.spacing = spacing
        self.after_fault = after_fault
        self.log = ChaosLog()

    def replica(self) -> tuple[str, int]:
        """A random live replica of a replicated service (sorted first, so that the seed decides)."""
        candidates = sorted((s, p.pid) for s in REPLICATED for p in self.system.service_processes(s))
        assert candidates, "no replica of importer or history is running"
        return self.rng.choice(candidates)

    async def run(self) -> ChaosLog:
        self.log.note("plan", ", ".join(self.plan))
        for kind in self.plan:
            await asyncio.sleep(self.rng.uniform(*self.spacing))
            await getattr(self, kind.replace("-", "_"))()
            self.log.faults[kind] += 1
            await self.after_fault()
        self.log.note("done", f"{sum(self.log.faults.values())} faults: {dict(self.log.faults)}")
        return self.log

    async def kill_9(self) -> None:
        service, pid = self.replica()
        self.log.note("kill-9", f"{service} pid {pid}")
        os.kill(pid, signal.SIGKILL)

    async def sigstop(self) -> None:
        service, pid = self.replica()
        pause = session_timeout_seconds() + 5
        self.log.note(
            "sigstop", f"{service} pid {pid} for {pause:.0f} s (session timeout {session_timeout_seconds():.0f} s)"
        )
        os.kill(pid, signal.SIGSTOP)
        try:
            await asyncio.sleep(pause)
        finally:
            os.kill(pid, signal.SIGCONT)
        self.log.note("sigcont", f"{service} pid {pid}")

    async def broker_restart(self) -> None:
        self.log.note("broker-restart", f"kafka.sh down on {self.stack.kafka}")
        await self.stack.restart_broker()
        self.log.note("broker-restart", "kafka.sh up: healthy again")

    async def database_restart(self) -> None:
        self.log.note("database-restart", f"kill -9 FerretDB on {self.stack.mongo_url} (PostgreSQL stays)")
        await self.stack.restart_database()
        self.log.note("database-restart", "FerretDB healthy again")
