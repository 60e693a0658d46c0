"""`profilehub jobs list|show|wait|cancel`: background jobs (imports, copies, bulk updates, exports, refreshes)."""

from typing import Annotated, Any

import typer

from . import output
from .calls import api_of, emit, fail, run
from .client import ApiFailure
from .imports import FINAL, follow

COLUMNS = ["id", "kind", "status", "processed", "total", "created", "updated", "rejected", "message"]


def job_row(job: dict[str, Any]) -> list[Any]:
    c = job.get("counts") or {}
    return [
        job["id"], job.get("kind", ""), job["status"], c.get("processed", 0), c.get("total"), c.get("created", 0),
        c.get("updated", 0), c.get("rejected", 0), job.get("message", ""),
    ]  # fmt: skip


def list_jobs(
    ctx: typer.Context,
    db: Annotated[str, typer.Option("--db", help="Database id")],
    kind: Annotated[str | None, typer.Option(help="Only this kind: import, copy, bulk_update, export, …")] = None,
    status: Annotated[
        str | None, typer.Option(help="Only this status: queued, running, done, failed, cancelled")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first")] = 50,
) -> None:
    """List a database's jobs, newest first."""
    params = {k: v for k, v in {"kind": kind, "status": status, "limit": limit}.items() if v is not None}
    page = run(ctx, "GET", f"/databases/{db}/jobs", params=params)
    emit(ctx, page, lambda p: output.table("Jobs", COLUMNS, [job_row(j) for j in p["items"]]))


def show_job(ctx: typer.Context, job_id: str) -> None:
    """Show a job: status, counts, message, report and result links."""
    emit(ctx, run(ctx, "GET", f"/jobs/{job_id}"))


def wait_job(
    ctx: typer.Context,
    job_id: str,
    poll: Annotated[float, typer.Option(help="Seconds between progress polls")] = 0.5,
) -> None:
    """Follow a job with a progress bar until it ends; exit 1 unless it is done. Ctrl-C stops watching only."""
    finished(ctx, run(ctx, "GET", f"/jobs/{job_id}"), poll, cancel=False)


def cancel_job(ctx: typer.Context, job_id: str) -> None:
    """Ask a job to stop (it stops after its current batch); a finished job stays as it is."""
    job = run(ctx, "POST", f"/jobs/{job_id}/cancel")
    emit(ctx, job, lambda j: output.out.print(f"job {j['id']}: {j['status']}"))


def finished(
    ctx: typer.Context, job: dict[str, Any], poll: float, doing: str = "running", *, cancel: bool = True
) -> dict[str, Any]:
    """Follow `job` to its end, print it (a line, or the job with --json); exit 1 unless it is done.
    Ctrl-C asks the job to cancel (with `cancel`: the command started it), else stops watching."""
    try:
        job = follow(api_of(ctx), job, poll, doing, cancel=cancel) if job["status"] not in FINAL else job
    except ApiFailure as failure:
        fail(str(failure), failure.details)
    emit(ctx, job, lambda j: output.out.print(outcome_line(j), highlight=False))
    if job["status"] != "done":
        raise typer.Exit(1)
    return job


def outcome_line(job: dict[str, Any]) -> str:
    counts = ", ".join(f"{k} {v}" for k, v in (job.get("counts") or {}).items() if v)
    line = f"job {job['id']} ({job.get('kind', '')}) {job['status']}: {counts or 'nothing counted'}"
    return line + (f"\n{job['message']}" if job.get("message") else "")
