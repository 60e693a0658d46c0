"""`profilehub export --db ID --fields … -o FILE`: start an export, follow it with a progress bar, download it.
`profilehub history export --db ID -o FILE`: the same for profile history."""

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from .client import Api, ApiFailure, failure_of
from .imports import console, follow
from .output import error

FORMATS = ("csv", "jsonl", "xlsx")


def format_for(output: Path, given: str | None, allowed: tuple[str, ...] = FORMATS) -> str:
    """The format asked for, else the output file's extension, else CSV."""
    fmt = given or (output.suffix.lstrip(".").lower() if output.suffix.lstrip(".").lower() in allowed else "csv")
    if fmt not in allowed:
        raise ApiFailure(f"--format must be one of {', '.join(allowed)}, not {fmt!r}")
    return fmt


def download(api: Api, job: dict[str, Any], output: Path) -> int:
    """Stream the job's result into `output` (written whole or not at all); returns its size."""
    partial = output.with_name(output.name + ".part")
    with api.http.stream("GET", job["result_url"].removeprefix("/api/v1")) as response:
        if response.is_error:
            response.read()
            raise failure_of(response)
        with partial.open("wb") as f:
            for chunk in response.iter_bytes():
                f.write(chunk)
    partial.replace(output)
    return output.stat().st_size


def run_export(api: Api, path: str, body: dict[str, Any], output: Path, poll: float) -> None:
    try:
        job = follow(api, api.call("POST", path, json=body), poll, doing="exporting")
        if job["status"] != "done":
            error(f"the export ended {job['status']}: {job.get('message', '')}", [])
            raise typer.Exit(1)
        size = download(api, job, output)
    except ApiFailure as failure:
        error(str(failure), failure.details)
        raise typer.Exit(1) from None
    note = f" ({job['message']})" if job.get("message") else ""
    console.print(f"{job['counts']['processed']} rows, {size} bytes written to {output}{note}")


def export_profiles(
    ctx: typer.Context,
    db: Annotated[str, typer.Option("--db", help="Database id")],
    fields: Annotated[str, typer.Option(help="Columns, comma-separated: email,first_name,score,subscriptions,…")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Write the file here")],
    fmt: Annotated[str | None, typer.Option("--format", help="csv, jsonl or xlsx (default: from -o, else csv)")] = None,
    filter_json: Annotated[str | None, typer.Option("--filter", help="Structured filter as JSON")] = None,
    keep_formulas: Annotated[
        bool, typer.Option(help="Write text starting with = + - @ as it is (default: a leading ' keeps it inert)")
    ] = False,
    poll: Annotated[float, typer.Option(help="Seconds between progress polls")] = 0.5,
) -> None:
    """Export profiles to a file, with a progress bar."""
    try:
        body: dict[str, Any] = {"fields": [f.strip() for f in fields.split(",") if f.strip()]}
        body["format"] = format_for(output, fmt)
        if filter_json:
            body["filter"] = json.loads(filter_json)
        if keep_formulas:
            body["neutralise_formulas"] = False
    except (ApiFailure, json.JSONDecodeError) as failure:
        error(f"{failure}", [])
        raise typer.Exit(1) from None
    run_export(ctx.obj, f"/databases/{db}/exports", body, output, poll)


def export_history(
    ctx: typer.Context,
    db: Annotated[str, typer.Option("--db", help="Database id")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Write the file here")],
    profile: Annotated[str | None, typer.Option(help="One profile's history (default: the whole database)")] = None,
    types: Annotated[str | None, typer.Option(help="Event types, comma-separated: send,open,profile_updated")] = None,
    since: Annotated[str | None, typer.Option("--from", help="From this time (RFC 3339)")] = None,
    until: Annotated[str | None, typer.Option("--to", help="Before this time (RFC 3339)")] = None,
    profile_fields: Annotated[str | None, typer.Option(help="Profile fields added to each event")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="csv or jsonl (default: from -o, else csv)")] = None,
    poll: Annotated[float, typer.Option(help="Seconds between progress polls")] = 0.5,
) -> None:
    """Export profile history to a file, with a progress bar."""
    try:
        body: dict[str, Any] = {"format": format_for(output, fmt, ("csv", "jsonl"))}
    except ApiFailure as failure:
        error(str(failure), [])
        raise typer.Exit(1) from None
    optional = {"profile_id": profile, "from": since, "to": until}
    body |= {k: v for k, v in optional.items() if v is not None}
    if types:
        body["types"] = [t.strip() for t in types.split(",") if t.strip()]
    if profile_fields:
        body["profile_fields"] = [f.strip() for f in profile_fields.split(",") if f.strip()]
    run_export(ctx.obj, f"/databases/{db}/history/exports", body, output, poll)
