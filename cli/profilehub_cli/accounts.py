"""`profilehub suppression-lists|promo-pools|resources …`: the account-level objects databases use."""

from pathlib import Path
from typing import Annotated, Any

import typer

from . import output
from .calls import emit, run

suppression = typer.Typer(
    help="Suppression lists: emails, phones and email domains never to contact.", no_args_is_help=True
)
promo = typer.Typer(help="Promo-code pools.", no_args_is_help=True)
resources = typer.Typer(help="Subscription resources and their channels.", no_args_is_help=True)
Group = Annotated[str | None, typer.Option(help="Access group (default: everyone's)")]
Yes = Annotated[bool, typer.Option("--yes", help="Do not ask")]
Limit = Annotated[int, typer.Option(help="How many")]


def listing(ctx: typer.Context, path: str, title: str, columns: list[str], row: Any, **params: Any) -> None:
    page = run(ctx, "GET", path, params={k: v for k, v in params.items() if v is not None})
    emit(ctx, page, lambda p: output.table(title, columns, [row(item) for item in p["items"]]))
    if page.get("next_cursor") and not ctx.obj.json_output:
        output.out.print("(more: raise --limit)")


def removed(ctx: typer.Context, path: str, what: str, yes: bool) -> None:
    if not yes:
        typer.confirm(f"Delete {what}?", abort=True)
    run(ctx, "DELETE", path)
    emit(ctx, {"deleted": path.rsplit("/", 1)[-1]}, lambda d: output.out.print(f"deleted {what}"))


def counted(item: dict[str, Any], *keys: str) -> list[Any]:
    return [item["id"], item["name"], item.get("group") or "", *((item.get("counts") or {}).get(k, 0) for k in keys)]


def report_counts(what: str, counts: dict[str, Any]) -> None:
    """`add: added 4, duplicates 0, invalid 1`, then each invalid value with its reason."""
    invalid = counts.get("invalid") or []
    numbers = {k: (len(v) if isinstance(v, list) else v) for k, v in counts.items()}
    output.out.print(f"{what}: " + ", ".join(f"{k} {v}" for k, v in numbers.items()), highlight=False)
    for problem in invalid if isinstance(invalid, list) else []:
        output.out.print(f"  - {problem.get('message', problem)}", highlight=False, markup=False)


def lines_of(files: list[Path] | None) -> list[str]:
    return [line.strip() for f in files or [] for line in f.read_text("utf-8-sig").splitlines() if line.strip()]


@suppression.command("list")
def list_suppression(ctx: typer.Context, limit: Limit = 100) -> None:
    """List suppression lists with their entry counts."""
    listing(
        ctx, "/suppression-lists", "Suppression lists", ["id", "name", "group", "emails", "phones", "domains"],
        lambda i: counted(i, "email", "phone", "domain"), limit=limit,
    )  # fmt: skip


@suppression.command("create")
def create_suppression(ctx: typer.Context, name: str, group: Group = None) -> None:
    """Create a suppression list."""
    made = run(ctx, "POST", "/suppression-lists", json={"name": name, "group": group})
    emit(ctx, made, lambda m: output.out.print(f"created suppression list {m['name']!r} with id {m['id']}"))


@suppression.command("show")
def show_suppression(ctx: typer.Context, list_id: str) -> None:
    """Show a suppression list with its entry counts."""
    emit(ctx, run(ctx, "GET", f"/suppression-lists/{list_id}"))


@suppression.command("delete")
def delete_suppression(ctx: typer.Context, list_id: str, yes: Yes = False) -> None:
    """Delete a suppression list (databases it is attached to lose it)."""
    removed(ctx, f"/suppression-lists/{list_id}", f"suppression list {list_id}", yes)


def change(
    ctx: typer.Context, list_id: str, action: str, emails: list[str], phones: list[str], domains: list[str]
) -> None:
    body = {"action": action, "emails": emails, "phones": phones, "domains": domains}
    answer = run(ctx, "POST", f"/suppression-lists/{list_id}/entries", json=body)
    emit(ctx, answer, lambda a: report_counts(action, a["counts"]))


Values = Annotated[list[str] | None, typer.Option(help="Repeatable")]
Files = Annotated[list[Path] | None, typer.Option(exists=True, dir_okay=False, help="One value a line (repeatable)")]


@suppression.command("add")
def add_entries(
    ctx: typer.Context, list_id: str, email: Values = None, phone: Values = None, domain: Values = None,
    emails_file: Files = None, phones_file: Files = None, domains_file: Files = None,
) -> None:  # fmt: skip
    """Add entries (in bulk from files); invalid ones are counted with their reasons, the rest added."""
    change(
        ctx, list_id, "add", [*(email or []), *lines_of(emails_file)], [*(phone or []), *lines_of(phones_file)],
        [*(domain or []), *lines_of(domains_file)],
    )  # fmt: skip


@suppression.command("remove")
def remove_entries(
    ctx: typer.Context, list_id: str, email: Values = None, phone: Values = None, domain: Values = None
) -> None:
    """Remove entries."""
    change(ctx, list_id, "remove", email or [], phone or [], domain or [])


@suppression.command("entries")
def list_entries(
    ctx: typer.Context,
    list_id: str,
    kind: Annotated[str | None, typer.Option(help="email, phone or domain")] = None,
    limit: Limit = 100,
) -> None:
    """List a suppression list's entries."""
    page = run(
        ctx, "GET", f"/suppression-lists/{list_id}/entries", params={"limit": limit} | ({"kind": kind} if kind else {})
    )
    emit(ctx, page, lambda p: output.table("Entries", ["kind", "value"], [[e["kind"], e["value"]] for e in p["items"]]))


@promo.command("list")
def list_pools(ctx: typer.Context, limit: Limit = 100) -> None:
    """List promo pools with their code counts."""
    listing(
        ctx, "/promo-pools", "Promo pools", ["id", "name", "group", "unused", "assigned"],
        lambda i: counted(i, "unused", "assigned"), limit=limit,
    )  # fmt: skip


@promo.command("create")
def create_pool(ctx: typer.Context, name: str, group: Group = None) -> None:
    """Create a promo pool."""
    made = run(ctx, "POST", "/promo-pools", json={"name": name, "group": group})
    emit(ctx, made, lambda m: output.out.print(f"created promo pool {m['name']!r} with id {m['id']}"))


@promo.command("show")
def show_pool(ctx: typer.Context, pool_id: str) -> None:
    """Show a promo pool with its code counts."""
    emit(ctx, run(ctx, "GET", f"/promo-pools/{pool_id}"))


@promo.command("delete")
def delete_pool(ctx: typer.Context, pool_id: str, yes: Yes = False) -> None:
    """Delete a promo pool."""
    removed(ctx, f"/promo-pools/{pool_id}", f"promo pool {pool_id}", yes)


@promo.command("add-codes")
def add_codes(ctx: typer.Context, pool_id: str, code: Values = None, file: Files = None) -> None:
    """Add codes (one a line from files, and/or --code); codes already in the pool are counted as duplicates."""
    answer = run(ctx, "POST", f"/promo-pools/{pool_id}/codes", json={"codes": [*(code or []), *lines_of(file)]})
    emit(ctx, answer, lambda a: report_counts("codes", a["counts"]))


@promo.command("codes")
def list_codes(
    ctx: typer.Context,
    pool_id: str,
    state: Annotated[str | None, typer.Option(help="unused or assigned")] = None,
    limit: Limit = 100,
) -> None:
    """List a pool's codes."""
    params = {"limit": limit} | ({"state": state} if state else {})
    page = run(ctx, "GET", f"/promo-pools/{pool_id}/codes", params=params)
    rows = [[c["code"], c["state"], c.get("profile_id") or ""] for c in page["items"]]
    emit(ctx, page, lambda p: output.table("Codes", ["code", "state", "profile"], rows))


@resources.command("list")
def list_resources(ctx: typer.Context, limit: Limit = 100) -> None:
    """List resources."""
    listing(
        ctx, "/resources", "Resources", ["id", "name", "group", "channels"],
        lambda i: [i["id"], i["name"], i.get("group") or "", ", ".join(i["channels"])], limit=limit,
    )  # fmt: skip


@resources.command("create")
def create_resource(
    ctx: typer.Context,
    name: str,
    channel: Annotated[list[str], typer.Option(help="email, sms or push (repeatable)")],
    group: Group = None,
) -> None:
    """Create a resource offering these channels."""
    made = run(ctx, "POST", "/resources", json={"name": name, "group": group, "channels": channel})
    emit(ctx, made, lambda m: output.out.print(f"created resource {m['name']!r} with id {m['id']}"))


@resources.command("show")
def show_resource(ctx: typer.Context, resource_id: str) -> None:
    """Show a resource."""
    emit(ctx, run(ctx, "GET", f"/resources/{resource_id}"))


@resources.command("delete")
def delete_resource(ctx: typer.Context, resource_id: str, yes: Yes = False) -> None:
    """Delete a resource."""
    removed(ctx, f"/resources/{resource_id}", f"resource {resource_id}", yes)
