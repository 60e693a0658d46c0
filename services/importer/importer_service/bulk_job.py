"""Bulk update of a database: a range slice, then a filter, then a limit; one action on every profile taken."""

from collections import Counter
from datetime import UTC, datetime
from functools import partial
from typing import Any

from profilehub_shared.contracts.jobs import BulkUpdateParams, ChangeSubscription, JobRequested, PromoAction
from profilehub_shared.contracts.profiles import ProfileChanged
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.fields import FieldValueError
from profilehub_shared.filters import FilterError, to_query

from .change_events import event_size, stored_changes
from .domain import bulk_actions as actions
from .domain.event_size import largest_change, too_large_reason
from .domain.merge import Merged, RecordRejected
from .domain.records import ReadRecord
from .domain.slicing import in_range
from .import_job import ImportDeps, progress, stored_events
from .promo import PromoCodes
from .repository import writes_of
from .scanning import Plan, Scan, begin, fail, finish, run_scan
from .unique import planned_despite_races
from .writes import ProfileWriter, flag_suppressed, rejected_field


async def merged_for(
    db: Database, p: BulkUpdateParams, rec: ReadRecord | None, promo: PromoCodes, job_id: str, profile: dict[str, Any]
) -> Merged:
    """What the action makes of one profile (attach_promo claims its code here, idempotently per job)."""
    action, now = p.action, datetime.now(UTC)
    if rec is not None:
        return actions.change_fields(db, profile, rec, now)
    if isinstance(action, ChangeSubscription):
        return actions.change_subscription(db, profile, action, now)
    assert isinstance(action, PromoAction)
    if action.type == "detach_promo":
        return actions.detach_codes(profile, action.pool_id, now)
    if actions.holds_code(profile, action.pool_id):
        return Merged("unchanged", profile)
    code = await promo.claim(action.pool_id, profile["_id"], job_id)
    return actions.attach_code(profile, action.pool_id, code, now)


def left_without_code(p: BulkUpdateParams, profile: dict[str, Any], merged: Merged) -> bool:
    """attach_promo found no unused code for a profile that has none of the pool."""
    action = p.action
    return (
        isinstance(action, PromoAction)
        and action.type == "attach_promo"
        and merged.outcome == "unchanged"
        and not actions.holds_code(profile, action.pool_id)
    )


def ran_out_note(p: BulkUpdateParams, state: dict[str, Any]) -> str:
    """The job's message when the pool ran out: how many profiles got no code."""
    left = state.get("no_code_left", 0)
    if not left or not isinstance(p.action, PromoAction):
        return ""
    return (
        f"{left} profiles got no code: promo pool {p.action.pool_id} has no unused code left; "
        "add codes and run the bulk update again (profiles holding a code of the pool are skipped)"
    )


def deleted_plan(db: Database, job_id: str, profiles: list[dict[str, Any]]) -> Plan:
    ids = [p["_id"] for p in profiles]
    events = [
        ProfileChanged(database_id=db.id, profile_id=i, change="deleted", source="bulk_update", job_id=job_id)
        for i in ids
    ]
    return {"writes": [], "deletes": ids, "events": stored_events(events), "rejections": [],
            "counts": {"deleted": len(ids)}}  # fmt: skip


async def plan_bulk(
    writer: ProfileWriter,
    db: Database,
    p: BulkUpdateParams,
    rec: ReadRecord | None,
    promo: PromoCodes,
    job_id: str,
    profiles: list[Any],
) -> Plan:
    if p.action.type == "delete":
        return deleted_plan(db, job_id, profiles)
    return await planned_despite_races(partial(plan_changes, writer, db, p, rec, promo, job_id, profiles))


async def plan_changes(
    writer: ProfileWriter,
    db: Database,
    p: BulkUpdateParams,
    rec: ReadRecord | None,
    promo: PromoCodes,
    job_id: str,
    profiles: list[Any],
) -> Plan:
    counts, merged, rejections = Counter[str](), [], []
    guard = await writer.unique_guard(db, {n: [v] for n, v in rec.custom.items()} if rec else {})
    for profile in profiles:
        try:
            m = await merged_for(db, p, rec, promo, job_id, profile)
            guard.check(m)  # setting a unique field's value gives it to one profile at most
            oversize = event_size(db, m, "bulk_update", job_id)
            if oversize:
                field = largest_change(m.changes)
                raise RecordRejected([FieldValueError(field, None, "too_large", too_large_reason(oversize))])
        except RecordRejected as exc:
            counts["rejected"] += 1
            pid = profile["_id"]
            rejections += [{"row": pid, "column": e.field, **rejected_field(e).model_dump()} for e in exc.errors]
            continue
        counts["no_code_left" if left_without_code(p, profile, m) else m.outcome] += 1
        if m.outcome == "updated":
            merged.append(m)
    await writer.take_unique(guard)
    await flag_suppressed(writer, db, merged)  # setting an email or phones can (un)suppress
    writes = writes_of(merged)
    for w, m in zip(writes, merged, strict=True):
        if "promo_codes" in m.changes:  # keep the derived key that promo_codes.<pool> filters read
            w["set"].append({"path": "promo_pools", "value": m.profile["promo_pools"]})
    events = stored_changes(db, merged, "bulk_update", job_id)
    if isinstance(p.action, PromoAction) and p.action.type == "detach_promo":
        await promo.release(p.action.pool_id, [m.profile["_id"] for m in merged])
    return {"writes": writes, "events": events, "rejections": rejections, "counts": dict(counts)}


async def run_bulk_update(
    deps: ImportDeps, job: JobRequested, keep_going: Any, promo: PromoCodes | None = None
) -> None:
    """Run (or resume) a bulk update until done, failed or cancelled; `keep_going()` is False to stop early."""
    params, promo = job.bulk_update_params, promo or PromoCodes(deps.store.db)
    state = await deps.checkpoints.state(job.job_id)
    if state and state["status"] != "running":
        await deps.publish(progress(job, state, state["status"]))
        return
    db = await deps.schemas.get(job.database_id)
    if db is None or params is None:
        return await fail(deps, job, "the database does not exist, or the job has no bulk-update parameters")
    try:
        query, rec = to_query(db, params.filter), actions.prepare(db, params.action)
    except FilterError as exc:
        return await fail(deps, job, f"filter: {exc.message}")
    except actions.ActionNotUsable as exc:
        return await fail(deps, job, f"{params.action.type}: {exc}")
    rng = params.range

    async def plan(profiles: list[dict[str, Any]]) -> Plan:
        return await plan_bulk(deps.store, db, params, rec, promo, job.job_id, profiles)

    def takes(profile_id: str) -> bool:
        return in_range(profile_id, rng.from_percent, rng.to_percent)

    scan = Scan(source_id=db.id, target_id=db.id, query=query, plan=plan, takes=takes, limit=params.limit)
    state = state or await begin(deps, job, scan)
    if await run_scan(deps, job, scan, state, keep_going):
        await finish(deps, job, ran_out_note(params, await deps.checkpoints.state(job.job_id) or {}))
