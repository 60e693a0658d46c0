"""`profilehub copy` and `profilehub bulk-update`: jobs over many profiles, followed with a progress bar."""

from typing import Annotated, Any

import typer

from . import output
from .calls import emit, fail, filter_body, json_option, run
from .jobs import finished
from .profiles import Filter

Wait = Annotated[bool, typer.Option("--wait/--no-wait", help="Follow the job to its end with a progress bar")]
Poll = Annotated[float, typer.Option(help="Seconds between progress polls")]


def start(ctx: typer.Context, path: str, body: dict[str, Any], wait: bool, poll: float, doing: str) -> None:
    job = run(ctx, "POST", path, json=body)
    if wait:
        finished(ctx, job, poll, doing)
    else:
        emit(ctx, job, lambda j: output.out.print(f"job {j['id']} {j['status']} (profilehub jobs wait {j['id']})"))


def copy_profiles(
    ctx: typer.Context,
    db: Annotated[str, typer.Option("--db", help="Source database id")],
    to: Annotated[str, typer.Option("--to", help="Target database id")],
    filter_text: Filter = None,
    match: Annotated[str, typer.Option(help="Matching key in the target")] = "email",
    mode: Annotated[str, typer.Option(help="upsert, create_only or update_only in the target")] = "upsert",
    wait: Wait = True,
    poll: Poll = 0.5,
) -> None:
    """Copy profiles (all, or a filter's) into another database; fields it lacks are dropped and counted."""
    body = filter_body(filter_text, None) | {"target_database_id": to, "options": {"matching": match, "mode": mode}}
    start(ctx, f"/databases/{db}/copy", body, wait, poll, "copying")


def action_of(
    set_json: str | None, unset: list[str], subscribe: str | None, unsubscribe: str | None,
    attach_promo: str | None, detach_promo: str | None, delete: bool,
) -> dict[str, Any]:  # fmt: skip
    """The one action asked for; an error when none or several are."""
    actions: list[dict[str, Any]] = []
    if set_json is not None:
        actions.append({"type": "set", "values": json_option("--set", set_json)})
    if unset:
        actions.append({"type": "unset", "fields": unset})
    for kind, given in (("subscribe", subscribe), ("unsubscribe", unsubscribe)):
        if given is not None:
            resource, _, channel = given.partition(":")
            if not resource or not channel:
                fail(f"--{kind}: expected <resource id>:<channel>, e.g. r1:email (got {given!r})")
            actions.append({"type": kind, "resource_id": resource, "channel": channel})
    for kind, pool in (("attach_promo", attach_promo), ("detach_promo", detach_promo)):
        if pool is not None:
            actions.append({"type": kind, "pool_id": pool})
    if delete:
        actions.append({"type": "delete"})
    if len(actions) != 1:
        fail("give exactly one action: --set, --unset, --subscribe, --unsubscribe, --attach-promo, --detach-promo "
             f"or --delete ({len(actions)} given)")  # fmt: skip
    return actions[0]


def bulk_update(
    ctx: typer.Context,
    db: Annotated[str, typer.Option("--db", help="Database id")],
    filter_text: Filter = None,
    set_json: Annotated[
        str | None, typer.Option("--set", help='Fields to set, as JSON: {"plan": "pro", "vip": true}')
    ] = None,
    unset: Annotated[list[str] | None, typer.Option("--unset", help="A field to clear (repeatable)")] = None,
    subscribe: Annotated[str | None, typer.Option(help="Subscribe to <resource id>:<channel>")] = None,
    unsubscribe: Annotated[str | None, typer.Option(help="Unsubscribe from <resource id>:<channel>")] = None,
    attach_promo: Annotated[str | None, typer.Option(help="Give each profile one unused code of this pool")] = None,
    detach_promo: Annotated[str | None, typer.Option(help="Take this pool's codes off the profiles")] = None,
    delete: Annotated[bool, typer.Option("--delete", help="Delete the selected profiles")] = False,
    from_percent: Annotated[float, typer.Option("--from-percent", help="Slice of the database: start")] = 0,
    to_percent: Annotated[float, typer.Option("--to-percent", help="Slice of the database: end")] = 100,
    limit: Annotated[int, typer.Option(help="Only the first N selected (0: no limit)")] = 0,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before deleting")] = False,
    wait: Wait = True,
    poll: Poll = 0.5,
) -> None:
    """Change, subscribe, give promo codes to or delete profiles: the slice, then the filter, then the limit."""
    action = action_of(set_json, unset or [], subscribe, unsubscribe, attach_promo, detach_promo, delete)
    if delete and not yes:
        typer.confirm(f"Delete the selected profiles of database {db}?", abort=True)
    body = filter_body(filter_text, None) | {
        "action": action,
        "range": {"from_percent": from_percent, "to_percent": to_percent},
        "limit": limit,
    }
    start(ctx, f"/databases/{db}/bulk-update", body, wait, poll, "updating")
