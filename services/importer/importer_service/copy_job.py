"""Copying profiles to another database: an import into the target whose rows are the source's profiles."""

import hashlib
from collections import Counter
from typing import Any

from profilehub_shared.contracts.jobs import CopyParams, JobRequested
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.filters import FilterError, to_query

from .domain.copying import record_for_target
from .domain.matching import MatchingNotUsable, check_matching
from .import_job import ImportDeps, progress
from .repository import writes_of
from .scanning import Plan, Scan, begin, fail, finish, run_scan
from .writes import Incoming, plan_batch


def new_id(job_id: str, source_id: str) -> str:
    """Deterministic per job and source profile, so a batch planned again creates the same profiles."""
    return f"{job_id[:16]}{hashlib.sha1(source_id.encode()).hexdigest()[:16]}"


async def plan_copy(
    deps: ImportDeps, job: JobRequested, target: Database, params: CopyParams, profiles: list[dict[str, Any]]
) -> Plan:
    incoming, dropped = [], Counter[str]()
    for profile in profiles:
        record, lacking = record_for_target(profile, target, params.options.matching)
        dropped.update(lacking)
        incoming.append(Incoming(ref=profile["_id"], values=record, new_id=new_id(job.job_id, profile["_id"])))
    result = await plan_batch(deps.store, target, incoming, params.options, "copy", job.job_id)
    rejections = [{"row": r.ref, "column": e.field, **e.model_dump()} for r in result.rejected for e in r.errors]
    return {
        "writes": writes_of(result.merged),
        "events": result.events,
        "rejections": rejections,
        "counts": {**result.counts, "dropped_fields": sum(dropped.values())},
    }


def why_not(source: Database | None, target: Database | None, params: CopyParams | None) -> str | None:
    if params is None:
        return "the job has no copy parameters"
    if source is None or target is None:
        return "the source or the target database does not exist"
    if source.id == target.id:
        return "the target is the source database"
    try:
        check_matching(target, params.options.matching, params.options.mode)
    except MatchingNotUsable as exc:
        return str(exc)
    return None


def dropped_note(source: Database, target: Database) -> str:
    lacking = [f.name for f in source.custom_fields if target.field(f.name) is None]
    return f"fields the target lacks were dropped: {', '.join(lacking)}" if lacking else ""


async def run_copy(deps: ImportDeps, job: JobRequested, keep_going: Any) -> None:
    """Run (or resume) a copy until done, failed or cancelled; `keep_going()` is False to stop early."""
    params = job.copy_params
    state = await deps.checkpoints.state(job.job_id)
    if state and state["status"] != "running":
        await deps.publish(progress(job, state, state["status"]))
        return
    source = await deps.schemas.get(job.database_id)
    target = await deps.schemas.get(params.target_database_id) if params else None
    if (problem := why_not(source, target, params)) is not None:
        return await fail(deps, job, problem)
    assert source is not None and target is not None and params is not None
    try:
        query = to_query(source, params.filter)
    except FilterError as exc:
        return await fail(deps, job, f"filter: {exc.message}")

    async def plan(profiles: list[dict[str, Any]]) -> Plan:
        return await plan_copy(deps, job, target, params, profiles)

    scan = Scan(source_id=source.id, target_id=target.id, query=query, plan=plan)
    state = state or await begin(deps, job, scan)
    if await run_scan(deps, job, scan, state, keep_going):
        await finish(deps, job, dropped_note(source, target))
