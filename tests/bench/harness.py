"""Shared bits of the benchmarks: timing, peak RSS of a process, printing a figure with its baseline ratio."""

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx
import psutil
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families
from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase


@dataclass
class Figure:
    name: str
    items: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.items / self.seconds if self.seconds else float("inf")


def report(ours: Figure, baseline: Figure, unit: str, extra: str = "") -> str:
    """One line per benchmark: our rate, the baseline's, and the ratio (higher is better)."""
    line = (
        f"{ours.name}: {ours.rate:,.0f} {unit}/s ({ours.items:,} in {ours.seconds:.1f} s) | "
        f"baseline {baseline.name}: {baseline.rate:,.0f} {unit}/s | ratio {ours.rate / baseline.rate:.2f}"
    )
    if extra:
        line += f" | {extra}"
    print("\n" + line)
    with open(os.environ.get("BENCH_RESULTS", ".local/bench-results.txt"), "a") as out:
        out.write(line + "\n")
    return line


async def timed(name: str, items: int, work: Callable[[], Awaitable[None]]) -> Figure:
    start = time.perf_counter()
    await work()
    return Figure(name, items, time.perf_counter() - start)


class PeakRss:
    """Samples a process's resident memory while a block runs."""

    def __init__(self, pid: int | None = None) -> None:
        self.process = psutil.Process(pid or os.getpid())
        self.peak = 0
        self.samples: list[tuple[int, int]] = []  # (progress, rss)
        self.task: asyncio.Task[None] | None = None
        self.progress = 0

    async def _sample(self) -> None:
        while True:
            rss = self.process.memory_info().rss
            self.peak = max(self.peak, rss)
            self.samples.append((self.progress, rss))
            await asyncio.sleep(0.25)

    async def __aenter__(self) -> "PeakRss":
        self.task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.task is not None
        self.task.cancel()

    def at(self, progress: int) -> int:
        """Peak RSS seen up to the moment `progress` items were done."""
        return max((rss for p, rss in self.samples if p <= progress), default=0)

    def cpu_seconds(self) -> float:
        """The process's CPU time so far (user + system, all threads)."""
        times = self.process.cpu_times()
        return float(times.user + times.system)


def mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


async def is_ferretdb(mongo: AsyncDatabase) -> bool:
    return "ferretdbVersion" in await mongo.client.admin.command("buildInfo")


async def raw_write(target: AsyncCollection, docs: list[dict[str, Any]], *, upserts: bool) -> None:
    """The baselines' write: upserts by email where an index finds a document (MongoDB); plain inserts on FerretDB,
    where each upsert statement scans the whole collection, which would make the baseline quadratic and flattering."""
    if upserts:
        await target.bulk_write(
            [UpdateOne({"email": d["email"]}, {"$set": d}, upsert=True) for d in docs], ordered=False
        )
    else:
        await target.insert_many(docs, ordered=False)


def baseline_write_name(upserts: bool) -> str:
    return "bulk upsert by email" if upserts else "bulk insert"


async def stop_groupless(consumer: AIOKafkaConsumer) -> None:
    """Stop a consumer that has no group. aiokafka 0.14 cancels an internal task on stop and lets its
    CancelledError out; only a cancellation of the caller itself is passed on."""
    try:
        await consumer.stop()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise


async def produce(settings: Any, topic: str, messages: Iterable[tuple[bytes, bytes]]) -> None:
    """Publish (key, value) pairs as fast as the producer batches them; every one acknowledged on return."""
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers, linger_ms=20, max_batch_size=256 * 1024
    )
    await producer.start()
    try:
        pending = []
        for key, value in messages:
            pending.append(await producer.send(topic, value, key=key))
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


StepTotals = tuple[dict[str, float], dict[str, float]]  # step → seconds, step → batches


async def step_totals(metrics_url: str) -> StepTotals:
    """The importer's `profilehub_import_batch_step_seconds` so far: each step's seconds and batches."""
    async with httpx.AsyncClient(timeout=10) as client:
        text = (await client.get(metrics_url)).text
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        if family.name == "profilehub_import_batch_step_seconds":
            for sample in family.samples:
                into = {"_sum": sums, "_count": counts}.get(sample.name.removeprefix(family.name))
                if into is not None:
                    into[sample.labels["step"]] = sample.value
    return sums, counts


async def batch_steps(metrics_url: str, since: StepTotals = ({}, {})) -> str:
    """Where an import's batches spent their time (those since `since`, a `step_totals`): each step's mean seconds
    a batch, and its total (steps overlap: batches are read side by side with the one applied)."""
    sums, counts = await step_totals(metrics_url)
    before_sums, before_counts = since
    spent = {step: sums[step] - before_sums.get(step, 0.0) for step in sums}
    batches = {step: counts[step] - before_counts.get(step, 0.0) for step in counts}
    steps = [f"{step} {spent[step] / n:.3f} s ({spent[step]:.0f} s)" for step, n in batches.items() if n]
    return "batch steps, mean a batch (total): " + ", ".join(steps)
