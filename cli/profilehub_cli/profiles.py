"""`profilehub profiles get|put|search|count|delete`: single profiles and searches of a database."""

from collections.abc import Iterator
from typing import Annotated, Any

import typer

from . import output
from .calls import emit, fail, filter_body, json_option, run

SHOWN = ["profile_id", "email", "phones", "first_name", "last_name", "updated_at"]
Filter = Annotated[
    str | None,
    typer.Option(
        "--filter",
        help='Structured filter as JSON, @file or - (stdin), e.g. {"field": "activity.last_open_at", "op": "gte", '
        '"value": "-30d"}',
    ),
]
Quick = Annotated[str | None, typer.Option("--q", help="Quick search: field:value, or text in email and names")]


def get_profile(ctx: typer.Context, db: str, profile_id: str) -> None:
    """Show one profile (as JSON)."""
    emit(ctx, run(ctx, "GET", f"/databases/{db}/profiles/{profile_id}"))


def put_profile(
    ctx: typer.Context,
    db: str,
    record: Annotated[str, typer.Argument(help='The record as JSON, @file or - (stdin): {"email": "ann@x.example"}')],
    match: Annotated[str, typer.Option(help="email, phone, profile_id or field:<name>")] = "email",
    mode: Annotated[str, typer.Option(help="upsert, create_only or update_only")] = "upsert",
    empty: Annotated[str, typer.Option(help="skip: an empty value leaves the field; clear: clears it")] = "skip",
    detect_geo: Annotated[bool, typer.Option(help="Fill countries and cities from reg_ip / ip")] = False,
) -> None:
    """Create or update one profile; prints the outcome and the profile id."""
    options = {"matching": match, "mode": mode, "empty": empty, "detect_geo": detect_geo}
    body = {"record": json_option("record", record), "options": options}
    answer = run(ctx, "PUT", f"/databases/{db}/profiles", json=body)
    emit(ctx, answer, lambda a: output.out.print(f"{a['outcome']}: profile {a['profile']['profile_id']}"))


def search_profiles(
    ctx: typer.Context,
    db: str,
    filter_text: Filter = None,
    q: Quick = None,
    limit: Annotated[int, typer.Option(help="Profiles per page (1-1000)")] = 50,
    every: Annotated[bool, typer.Option("--all", help="Follow the cursor through every page")] = False,
    columns: Annotated[str | None, typer.Option(help="Table columns, comma-separated (dotted paths allowed)")] = None,
) -> None:
    """Profiles matching a filter and/or a quick search, in a stable order (cursor-paged)."""
    body = filter_body(filter_text, q) | {"limit": limit}
    found = list(pages(ctx, db, body, every))
    shown = [c.strip() for c in columns.split(",") if c.strip()] if columns else SHOWN
    emit(
        ctx,
        found,
        lambda items: output.table(f"Profiles ({len(items)})", shown, [[cell(p, c) for c in shown] for p in items]),
    )


def pages(ctx: typer.Context, db: str, body: dict[str, Any], every: bool) -> Iterator[dict[str, Any]]:
    cursor = None
    while True:
        page = run(ctx, "POST", f"/databases/{db}/profiles/search", json=body | {"cursor": cursor})
        yield from page["items"]
        cursor = page.get("next_cursor")
        if not every or not cursor:
            return


def cell(profile: dict[str, Any], path: str) -> Any:
    """A dotted path into a profile (`activity.open_count`; custom fields also by their bare name)."""
    value: Any = profile
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    if value is None and "." not in path:
        value = (profile.get("fields") or {}).get(path)
    return ", ".join(map(str, value)) if isinstance(value, list) else value


def count_profiles(ctx: typer.Context, db: str, filter_text: Filter = None, q: Quick = None) -> None:
    """How many profiles match a filter and/or a quick search (all of them when neither is given)."""
    answer = run(ctx, "POST", f"/databases/{db}/profiles/count", json=filter_body(filter_text, q))
    if not isinstance(answer, dict) or not isinstance(answer.get("count"), int):
        fail(f"the API answered the count with {answer!r}, not {{'count': <number>}}")
    emit(ctx, answer, lambda a: output.out.print(str(a["count"])))


def delete_profile(
    ctx: typer.Context,
    db: str,
    profile_id: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask")] = False,
) -> None:
    """Delete one profile."""
    if not yes:
        typer.confirm(f"Delete profile {profile_id} of database {db}?", abort=True)
    run(ctx, "DELETE", f"/databases/{db}/profiles/{profile_id}")
    emit(ctx, {"deleted": profile_id}, lambda d: output.out.print(f"deleted profile {d['deleted']}"))
