"""One soak: its own broker and database, the system with two importers and two history services, a burst of upserts
and interactions with poison mixed in, the chaos loop meanwhile, then draining and validation (tests/soak/verify.py)."""

import asyncio
import logging
import random
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.interactions import InteractionRecorded
from profilehub_shared.contracts.profiles import UpsertProfile
from profilehub_shared.mongo import profiles_collection_name
from tests.e2e.importing import create_database
from tests.e2e.system import RunningSystem
from tests.soak.chaos import Chaos, ChaosLog
from tests.soak.kafka_reading import Offsets, Reader, quietly
from tests.soak.stack import SoakStack
from tests.soak.traffic import (
    Publisher,
    Record,
    interaction,
    mixed,
    paced,
    poison_interaction,
    poison_upsert,
    upsert,
)
from tests.soak.verify import GROUPS, Findings, dead_background_tasks, verify

log = logging.getLogger("soak")
CHUNK = 1000


@dataclass(frozen=True)
class Plan:
    upserts: int  # good upserts: every email is created (version 1) and updated (version 2)
    interactions: int
    faults: tuple[str, ...]
    spacing: tuple[float, float]  # seconds between two faults, drawn from this range
    produce_seconds: float  # the burst is spread over this long, so that the faults meet traffic
    drain_seconds: float  # how long the consumers get, after the burst and the faults, to catch up
    seed: int = 1
    poison_percent: float = 1.0
    seed_profiles: int = 1000  # created first; the interactions are theirs

    @classmethod
    def short(cls, seed: int = 1, poison_percent: float = 1.0) -> "Plan":
        """≤ 3 minutes in all: 10k + 10k, one fault of each kind."""
        return cls(
            upserts=10_000,
            interactions=10_000,
            faults=("kill-9", "sigstop", "broker-restart", "database-restart"),
            spacing=(2, 4),
            produce_seconds=40,
            drain_seconds=120,
            seed=seed,
            poison_percent=poison_percent,
            seed_profiles=500,
        )

    @classmethod
    def long(cls, seed: int = 1, poison_percent: float = 1.0) -> "Plan":
        """`make soak`: 100k + 100k, a few faults of each process kind, the broker and the database once each."""
        return cls(
            upserts=100_000,
            interactions=100_000,
            faults=("kill-9",) * 4 + ("sigstop",) * 2 + ("broker-restart", "database-restart"),
            spacing=(4, 12),
            produce_seconds=90,
            drain_seconds=900,
            seed=seed,
            poison_percent=poison_percent,
        )

    @property
    def emails(self) -> int:
        return self.upserts // 2


@dataclass
class Report:
    plan: Plan
    findings: Findings
    chaos: ChaosLog
    acknowledged: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    drained: bool = False
    lag: dict[str, int] = field(default_factory=dict)
    snapshots: list[str] = field(default_factory=list)

    @property
    def losses(self) -> int:
        return self.findings.total(self.findings.losses)

    @property
    def duplicates(self) -> int:
        return self.findings.total(self.findings.duplicates)

    @property
    def ahead(self) -> int:
        return self.findings.total(self.findings.ahead)

    @property
    def broken(self) -> int:
        return self.findings.total(self.findings.broken)

    def lines(self) -> list[str]:
        f = self.findings
        out = [
            f"messages: {self.acknowledged.get('upserts', 0):,} upserts + {self.acknowledged.get('interactions', 0):,} "
            f"interactions + {self.acknowledged.get('poison', 0):,} poison acknowledged by the broker "
            f"({self.acknowledged.get('resends', 0):,} sent again after a failed send)",
            f"faults injected: {sum(self.chaos.faults.values())} ({', '.join(f'{k} x{n}' for k, n in self.chaos.faults.items())})",
            f"drained: {'yes' if self.drained else 'NO'}"
            + (f" (lag by group: {self.lag})" if any(self.lag.values()) else ""),
            f"counts: {', '.join(f'{k} {v:,}' for k, v in f.counts.items())}",
            f"losses: {self.losses}",
            *(f"  {k}: {len(v)} e.g. {v[:3]}" for k, v in f.losses.items() if v),
            f"duplicates: {self.duplicates}",
            *(f"  {k}: {len(v)} e.g. {v[:3]}" for k, v in f.duplicates.items() if v),
            f"offsets committed ahead of their write: {self.ahead}",
            *(f"  {k}: {len(v)} e.g. {v[:3]}" for k, v in f.ahead.items()),
            f"snapshots of committed offsets checked: {len(self.snapshots)}",
            f"service faults (a background task died, nothing restarts it): {self.broken}",
            *(f"  {k}: {len(v)} e.g. {v[:3]}" for k, v in f.broken.items() if v),
            f"time: {', '.join(f'{k} {v:.0f} s' for k, v in self.seconds.items())}",
        ]
        return out


async def lag(reader: Reader) -> dict[str, int]:
    """Records each group has not committed yet."""
    ends = await reader.end_offsets(set(GROUPS.values()))
    behind = {}
    for group, topic in GROUPS.items():
        committed = await reader.committed(group, [topic])
        behind[group] = sum(end - committed.get(tp, 0) for tp, end in ends.items() if tp[0] == topic)
    return behind


async def snapshot(reader: Reader) -> dict[str, Offsets]:
    return {group: await reader.committed(group, [topic]) for group, topic in GROUPS.items()}


async def soak(plan: Plan, workdir: Path) -> Report:
    """Run one soak in `workdir` (its infrastructure and system state); returns what was found."""
    stack = SoakStack(workdir / "infra")
    started = time.monotonic()
    seconds: dict[str, float] = {}
    await stack.up()
    seconds["infrastructure up"] = time.monotonic() - started
    token = secrets.token_urlsafe(24)
    env = {
        **stack.env,
        "KAFKA_BOOTSTRAP_SERVERS": stack.kafka,
        "MONGO_URL": stack.mongo_url,
        "MONGO_DB": "soak",
        "PROFILEHUB_ADMIN_TOKEN": token,
        "HEARTBEAT_INTERVAL_SECONDS": "2",
        "IMPORTER_REPLICAS": "2",
        "HISTORY_REPLICAS": "2",
    }
    system = RunningSystem(env, workdir / "system")
    client: AsyncMongoClient = AsyncMongoClient(stack.mongo_url, tz_aware=True)
    reader = Reader(stack.kafka)
    rng = random.Random(plan.seed)
    try:
        system.start()
        await system.wait_healthy(timeout=180)
        seconds["system healthy"] = time.monotonic() - started
        db = client["soak"]
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=f"{system.url}/api/v1", headers=headers, timeout=60) as api:
            db_id = await create_database(api, [{"name": "seq", "type": "number"}])
        async with Publisher(stack.kafka) as publisher:
            profile_ids = await seed_profiles(publisher, db, db_id, plan)
            good_upserts = [upsert(db_id, i, 1) for i in range(plan.seed_profiles, plan.emails)]
            good_upserts += [upsert(db_id, i, 2) for i in range(plan.emails)]
            events = [interaction(db_id, profile_ids[n % len(profile_ids)], n) for n in range(plan.interactions)]
            poison_each = round(plan.upserts * plan.poison_percent / 100)
            bad_upserts = [poison_upsert(db_id, n) for n in range(poison_each)]
            bad_events = [
                poison_interaction(db_id, profile_ids[n % len(profile_ids)], poison_each + n)
                for n in range(poison_each)
            ]
            publisher.sent.poison_keys |= {k.decode(): UpsertProfile.topic for k, _ in bad_upserts}
            publisher.sent.poison_keys |= {k.decode(): InteractionRecorded.topic for k, _ in bad_events}
            snapshots: list[tuple[str, dict[str, Offsets]]] = []

            async def after_fault() -> None:
                taken = await quietly(snapshot(reader))
                if taken is not None:
                    snapshots.append((f"after fault {len(snapshots) + 1}", taken))

            chaos = Chaos(system, stack, list(plan.faults), plan.seed, plan.spacing, after_fault)
            burst = time.monotonic()
            upserts_sent = paced(
                publisher, UpsertProfile.topic, mixed(good_upserts, bad_upserts, rng), plan.produce_seconds
            )
            events_sent = paced(
                publisher,
                InteractionRecorded.topic,
                mixed([r for _, r in events], bad_events, rng),
                plan.produce_seconds,
            )
            _, _, chaos_log = await asyncio.gather(upserts_sent, events_sent, chaos.run())
            publisher.sent.upserts = len(good_upserts) + plan.seed_profiles
            publisher.sent.interactions = len(events)
            publisher.sent.interaction_ids = {event_id for event_id, _ in events}
            seconds["burst and faults"] = time.monotonic() - burst
        drained, behind = await drain(reader, plan.drain_seconds)
        seconds["burst to drained"] = time.monotonic() - burst
        snapshots.append(("final", await snapshot(reader)))
        findings = await verify(reader, db, db_id, plan.emails, publisher.sent, snapshots)
        findings.broken["services: background task died"] = dead_background_tasks(system.state_dir / "logs")
        seconds["in all"] = time.monotonic() - started
        sent = publisher.sent
        acknowledged = {
            "upserts": sent.upserts,
            "interactions": sent.interactions,
            "poison": len(sent.poison_keys),
            "resends": sent.resends,
        }
        return Report(plan, findings, chaos_log, acknowledged, seconds, drained, behind, [s for s, _ in snapshots])
    finally:
        await client.close()
        if system.process is not None and system.process.poll() is None:
            system.stop()
        await stack.down()


async def seed_profiles(publisher: Publisher, db: AsyncDatabase, db_id: str, plan: Plan) -> list[str]:
    """Create the first `seed_profiles` profiles and wait for them: the interactions of the burst are theirs."""
    records: list[Record] = [upsert(db_id, i, 1) for i in range(plan.seed_profiles)]
    await publisher.send(UpsertProfile.topic, records)
    profiles = db[profiles_collection_name(db_id)]
    async with asyncio.timeout(120):
        while await profiles.count_documents({}) < plan.seed_profiles:
            await asyncio.sleep(0.5)
    return sorted([p["_id"] async for p in profiles.find({}, {"_id": 1})])


async def drain(reader: Reader, timeout: float) -> tuple[bool, dict[str, int]]:
    """Wait until every group has committed every record (twice in a row: the changes topic grows meanwhile)."""
    deadline = time.monotonic() + timeout
    behind: dict[str, int] = {}
    caught_up = 0
    while time.monotonic() < deadline:
        try:
            behind = await lag(reader)
        except Exception as exc:  # the broker is still coming back
            log.warning("lag not known yet: %r", exc)
            await asyncio.sleep(2)
            continue
        caught_up = caught_up + 1 if not any(behind.values()) else 0
        if caught_up >= 2:
            return True, behind
        await asyncio.sleep(2)
    return False, behind


def clean(workdir: Path) -> None:
    shutil.rmtree(workdir, ignore_errors=True)
