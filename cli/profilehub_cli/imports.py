"""`profilehub import FILE --db ID`: upload, follow the job with a live progress bar, print the counts."""

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .client import Api, ApiFailure
from .output import error

FINAL = ("done", "failed", "cancelled")
console = Console(stderr=True)


def follow(
    api: Api, job: dict[str, Any], poll_seconds: float, doing: str = "importing", *, cancel: bool = True
) -> dict[str, Any]:
    """Poll the job until it ends, drawing processed/total; Ctrl-C asks the job to cancel (with `cancel`), or
    only stops watching."""
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(doing, total=None)
        try:
            while job["status"] not in FINAL:
                time.sleep(poll_seconds)
                job = api.call("GET", f"/jobs/{job['id']}")
                counts = job["counts"]
                bar.update(
                    task, total=counts.get("total"), completed=counts.get("processed", 0), description=job["status"]
                )
        except KeyboardInterrupt:
            if not cancel:
                console.print(f"stopped watching; the job goes on (profilehub jobs wait {job['id']})")
                raise typer.Exit(130) from None
            api.call("POST", f"/jobs/{job['id']}/cancel")
            console.print("cancel requested; the job stops after its current batch")
            raise typer.Exit(130) from None
    return job


def summary(job: dict[str, Any]) -> str:
    c = job["counts"]
    line = (
        f"{job['status']}: {c.get('processed', 0)} rows — created {c['created']}, updated {c['updated']}, "
        f"unchanged {c['unchanged']}, rejected {c['rejected']}, duplicates in file {c['duplicates']}"
    )
    if job.get("message"):
        line += f"\n{job['message']}"
    if job.get("error_report_url"):
        line += f"\nerror report: {job['error_report_url']} (profilehub jobs report {job['id']})"
    return line


def import_file(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV, JSON, JSONL, XLSX, zip")
    ],
    db: Annotated[str, typer.Option("--db", help="Database id")],
    match: Annotated[str, typer.Option(help="email, phone, profile_id or field:<name>")] = "email",
    mode: Annotated[str, typer.Option(help="upsert, create_only or update_only")] = "upsert",
    delimiter: Annotated[str | None, typer.Option(help="CSV delimiter (detected when absent)")] = None,
    encoding: Annotated[str | None, typer.Option(help="Text encoding (detected when absent)")] = None,
    no_header: Annotated[bool, typer.Option("--no-header", help="The first row is data")] = False,
    mapping: Annotated[str | None, typer.Option(help='Column → field as JSON, e.g. {"E-mail": "email"}')] = None,
    detect_geo: Annotated[
        bool, typer.Option(help="Fill reg_country/reg_city from reg_ip and country/region/city from ip")
    ] = False,
    poll: Annotated[float, typer.Option(help="Seconds between progress polls")] = 0.5,
) -> None:
    """Import a file into a database and show its progress until it is done."""
    api: Api = ctx.obj
    write = {"matching": match, "mode": mode} | ({"detect_geo": True} if detect_geo else {})
    options: dict[str, Any] = {"header": not no_header, "options": write}
    if delimiter:
        options["delimiter"] = delimiter
    if encoding:
        options["encoding"] = encoding
    try:
        if mapping:
            options["mapping"] = json.loads(mapping)
        with file.open("rb") as f:
            job = api.call(
                "POST",
                f"/databases/{db}/imports",
                files={"file": (file.name, f)},
                data={"options": json.dumps(options)},
            )
        job = follow(api, job, poll)
    except (ApiFailure, json.JSONDecodeError) as failure:
        error(str(failure), getattr(failure, "details", []))
        raise typer.Exit(1) from None
    typer.echo(json.dumps(job) if api.json_output else summary(job))
    if job["status"] != "done":
        raise typer.Exit(1)


def error_report(
    ctx: typer.Context,
    job_id: str,
    output: Annotated[Path | None, typer.Option("-o", help="Write to this file")] = None,
) -> None:
    """Download a job's error report (CSV)."""
    api: Api = ctx.obj
    try:
        response = api.http.get(f"/jobs/{job_id}/error-report")
    except Exception as exc:  # network errors: say so plainly
        error(f"cannot reach the API: {exc}", [])
        raise typer.Exit(1) from None
    if response.is_error:
        error(f"{response.status_code}: {response.text[:500]}", [])
        raise typer.Exit(1)
    if output:
        output.write_bytes(response.content)
    else:
        typer.echo(response.text, nl=False)
