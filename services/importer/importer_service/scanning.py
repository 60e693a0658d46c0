"""Jobs that walk a database's profiles in `_id` order (copy, bulk update), batch by batch with a checkpoint.

Like imports: plan a batch (reads only, besides promo-code claims, which are idempotent per job), store the
plan, apply it, publish its events, then advance the checkpoint and the `_id` cursor in one update. After a
crash the stored plan is applied again, so the counts stay exact and no profile is changed twice in effect.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from profilehub_shared.contracts.jobs import JobRequested

from .error_report import write_error_report
from .import_job import ImportDeps, progress, publish_all

Plan = dict[str, Any]  # writes, deletes, events, rejections, counts (all BSON-safe, stored before applying)


@dataclass
class Scan:
    """What a scanning job reads, which profiles it takes, and how it plans a batch of them."""

    source_id: str
    target_id: str
    query: dict[str, Any]
    plan: Callable[[list[dict[str, Any]]], Awaitable[Plan]]
    takes: Callable[[str], bool] = lambda profile_id: True
    limit: int = 0  # 0: no limit


def after(query: dict[str, Any], cursor: str | None) -> dict[str, Any]:
    if cursor is None:
        return query
    return {"$and": [query, {"_id": {"$gt": cursor}}]} if query else {"_id": {"$gt": cursor}}


async def count_taken(deps: ImportDeps, scan: Scan) -> int:
    """How many profiles the job will take (ids only, in the same order as the scan)."""
    coll = deps.store.profiles(scan.source_id)
    taken = 0
    async for doc in coll.find(scan.query, {"_id": 1}).sort("_id", 1):
        taken += scan.takes(doc["_id"])
        if scan.limit and taken >= scan.limit:
            break
    return taken


async def fail(deps: ImportDeps, job: JobRequested, message: str) -> None:
    state = await deps.checkpoints.finish(job.job_id, "failed", None, message)
    await deps.publish(progress(job, state, "failed", message))


async def begin(deps: ImportDeps, job: JobRequested, scan: Scan) -> dict[str, Any]:
    state = await deps.checkpoints.begin(job.job_id, await count_taken(deps, scan))
    await deps.publish(progress(job, state, "running"))
    return state


async def next_plan(deps: ImportDeps, scan: Scan, state: dict[str, Any]) -> Plan | None:
    """Read and plan the next batch; None when the scan reached the end or the limit."""
    left = scan.limit - state.get("processed", 0) if scan.limit else deps.batch_rows
    if left <= 0:
        return None
    cursor = deps.store.profiles(scan.source_id).find(after(scan.query, state.get("after")), batch_size=deps.batch_rows)
    docs = [d async for d in cursor.sort("_id", 1).limit(deps.batch_rows)]
    if not docs:
        return None
    taken = [d for d in docs if scan.takes(d["_id"])][:left]
    plan = await scan.plan(taken)
    plan["counts"]["processed"] = len(taken)
    plan["after"] = (taken[-1] if len(taken) == left else docs[-1])["_id"]
    return plan


async def apply(deps: ImportDeps, scan: Scan, plan: Plan) -> None:
    await deps.store.apply(scan.target_id, plan["writes"])
    if plan.get("deletes"):
        await deps.store.delete_many(scan.target_id, plan["deletes"])
    await publish_all(deps, plan["events"])


async def run_scan(deps: ImportDeps, job: JobRequested, scan: Scan, state: dict[str, Any], keep_going: Any) -> bool:
    """Run the remaining batches; False when stopped early (cancelled, or taken by another runner)."""
    while True:
        if not await keep_going(job.job_id):
            return False
        number = state["next_batch"]
        plan = await deps.checkpoints.plan(job.job_id, number)
        if plan is None:
            plan = await next_plan(deps, scan, state)
            if plan is None:
                return True
            await deps.checkpoints.save_plan(job.job_id, number, plan)
        await apply(deps, scan, plan)
        await deps.checkpoints.save_rejections(job.job_id, number, plan["rejections"])
        state = await deps.checkpoints.advance(job.job_id, number, plan["counts"], plan["after"])
        await deps.publish(progress(job, state, "running"))


async def finish(deps: ImportDeps, job: JobRequested, note: str = "") -> None:
    report = await write_error_report(deps.checkpoints, deps.reports, job.job_id)
    state = await deps.checkpoints.finish(job.job_id, "done", report, note)
    await deps.publish(progress(job, state, "done"))
