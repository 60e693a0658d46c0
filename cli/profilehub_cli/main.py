"""`profilehub`: manage databases, fields and tokens from the shell.

profilehub --token $TOKEN databases list
profilehub databases create shop --title "Shop news" --from-name Shop --from-email news@shop.example
"""

import json
from typing import Annotated, Any

import typer

from . import accounts, exports, imports, operations, output
from . import jobs as job_views
from . import profiles as profile_views
from .calls import emit, run
from .client import Api

app = typer.Typer(help="Command-line client of the Profilehub API.", no_args_is_help=True)
databases = typer.Typer(help="Profile databases.", no_args_is_help=True)
fields = typer.Typer(help="Custom fields of a database.", no_args_is_help=True)
tokens = typer.Typer(help="Group tokens (admin token needed).", no_args_is_help=True)
app.add_typer(databases, name="databases")
app.add_typer(fields, name="fields")
app.add_typer(tokens, name="tokens")
jobs = typer.Typer(help="Background jobs.", no_args_is_help=True)
app.add_typer(jobs, name="jobs")
app.command("import")(imports.import_file)
app.command("export")(exports.export_profiles)
app.command("copy")(operations.copy_profiles)
app.command("bulk-update")(operations.bulk_update)
jobs.command("list")(job_views.list_jobs)
jobs.command("show")(job_views.show_job)
jobs.command("wait")(job_views.wait_job)
jobs.command("cancel")(job_views.cancel_job)
jobs.command("report")(imports.error_report)
profiles = typer.Typer(help="Profiles of a database: one at a time, searches and counts.", no_args_is_help=True)
app.add_typer(profiles, name="profiles")
profiles.command("get")(profile_views.get_profile)
profiles.command("put")(profile_views.put_profile)
profiles.command("search")(profile_views.search_profiles)
profiles.command("count")(profile_views.count_profiles)
profiles.command("delete")(profile_views.delete_profile)
app.add_typer(accounts.suppression, name="suppression-lists")
app.add_typer(accounts.promo, name="promo-pools")
app.add_typer(accounts.resources, name="resources")
history = typer.Typer(help="Profile history.", no_args_is_help=True)
app.add_typer(history, name="history")
history.command("export")(exports.export_history)


@app.callback()
def connect(
    ctx: typer.Context,
    url: Annotated[str, typer.Option(envvar="PROFILEHUB_URL", help="API base URL")] = "http://127.0.0.1:8080",
    token: Annotated[str | None, typer.Option(envvar="PROFILEHUB_TOKEN", help="Admin or group token")] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the API's JSON documents (for scripts) instead of tables")
    ] = False,
) -> None:
    # Tests pass a transport in `obj`; everything else talks HTTP.
    transport = ctx.obj.get("transport") if isinstance(ctx.obj, dict) else None
    ctx.obj = Api(url, token, transport, json_output=json_output)


@databases.command("list")
def list_databases(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option(help="Part of the name")] = None,
    tag: Annotated[str | None, typer.Option(help="Has this tag")] = None,
    group: Annotated[str | None, typer.Option(help="In this access group")] = None,
    watchers: Annotated[bool | None, typer.Option("--watchers/--no-watchers", help="Watchers databases")] = None,
    limit: Annotated[int, typer.Option(help="How many")] = 50,
) -> None:
    """List databases."""
    params = {"name": name, "tag": tag, "group": group, "is_watchers": watchers, "limit": limit}
    page = run(ctx, "GET", "/databases", params={k: v for k, v in params.items() if v is not None})
    if ctx.obj.json_output:
        emit(ctx, page)
        return
    rows = [
        (
            d["id"],
            d["settings"]["name"],
            d["settings"]["group"],
            ", ".join(d["settings"]["tags"]),
            "yes" if d["settings"]["is_watchers"] else "",
            len(d["custom_fields"]),
        )
        for d in page["items"]
    ]
    output.table("Databases", ["id", "name", "group", "tags", "watchers", "custom fields"], rows)
    if page["next_cursor"]:
        output.out.print(f"(more: raise --limit; next cursor {page['next_cursor']})")


@databases.command("create")
def create_database(
    ctx: typer.Context,
    name: str,
    title: Annotated[str, typer.Option(help="Subscription-manager page title")],
    from_name: Annotated[str, typer.Option(help="Sender name")],
    from_email: Annotated[str, typer.Option(help="Sender address")],
    language: Annotated[str, typer.Option(help="Subscription-manager language")] = "en",
    group: Annotated[str | None, typer.Option(help="Access group")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="A tag (repeatable)")] = None,
    description: Annotated[str, typer.Option(help="Free text")] = "",
    watchers: Annotated[bool, typer.Option(help="Watchers database")] = False,
) -> None:
    """Create a database."""
    body = {
        "name": name,
        "description": description,
        "group": group,
        "tags": tag or [],
        "is_watchers": watchers,
        "subscription_manager": {"title": title, "language": language},
        "email_settings": {"from_name": from_name, "from_email": from_email},
    }
    created = run(ctx, "POST", "/databases", json=body)
    emit(ctx, created, lambda c: output.out.print(f"created database {c['settings']['name']!r} with id {c['id']}"))


@databases.command("show")
def show_database(ctx: typer.Context, database_id: str) -> None:
    """Show a database as JSON."""
    emit(ctx, run(ctx, "GET", f"/databases/{database_id}"))


@databases.command("clone")
def clone_database(ctx: typer.Context, database_id: str, name: str) -> None:
    """Clone a database's structure (fields and their settings) into a new, empty database."""
    clone = run(ctx, "POST", f"/databases/{database_id}/clone", json={"name": name})
    output.out.print(f"cloned into {clone['settings']['name']!r} with id {clone['id']}")


@databases.command("delete")
def delete_database(
    ctx: typer.Context, database_id: str, yes: Annotated[bool, typer.Option("--yes", help="Do not ask")] = False
) -> None:
    """Delete a database and its profiles."""
    if not yes:
        typer.confirm(f"Delete database {database_id} and all its profiles?", abort=True)
    run(ctx, "DELETE", f"/databases/{database_id}")
    output.out.print(f"deleted database {database_id}")


@fields.command("list")
def list_fields(ctx: typer.Context, database_id: str) -> None:
    """List the custom fields of a database."""
    view = run(ctx, "GET", f"/databases/{database_id}/fields")
    if ctx.obj.json_output:
        emit(ctx, view)
        return
    rows = [
        (
            f["name"],
            f["type"],
            f["title"],
            json.dumps(f["default"]),
            "yes" if f["required"] else "",
            "yes" if f["unique"] else "",
            ", ".join(f["options"]),
        )
        for f in view["custom"]
    ]
    output.table("Custom fields", ["name", "type", "title", "default", "required", "unique", "options"], rows)


@fields.command("add")
def add_field(
    ctx: typer.Context,
    database_id: str,
    name: str,
    type_: Annotated[
        str,
        typer.Argument(metavar="TYPE", help="number, float, line, date, boolean, enum, ip, tags, object, object_array"),
    ],
    title: Annotated[str, typer.Option(help="Display name")] = "",
    option: Annotated[list[str] | None, typer.Option(help="An enum option (repeatable)")] = None,
    default: Annotated[str | None, typer.Option(help="Default value as JSON (e.g. 42, '\"pro\"')")] = None,
    required: Annotated[bool, typer.Option(help="Required on import")] = False,
    unique: Annotated[bool, typer.Option(help="Usable as an import matching key")] = False,
) -> None:
    """Add a custom field."""
    body: dict[str, Any] = {
        "name": name,
        "type": type_,
        "title": title,
        "options": option or [],
        "required": required,
        "unique": unique,
    }
    if default is not None:
        try:
            body["default"] = json.loads(default)
        except json.JSONDecodeError:
            body["default"] = default  # a bare word is meant as text
    field = run(ctx, "POST", f"/databases/{database_id}/fields", json=body)
    emit(ctx, field, lambda f: output.out.print(f"added field {f['name']!r} ({f['type']})"))


@tokens.command("create")
def create_token(ctx: typer.Context, name: str, group: str) -> None:
    """Create a group token; its secret is printed once."""
    token = run(ctx, "POST", "/tokens", json={"name": name, "group": group})
    output.out.print(f"token {token['id']} for group {token['group']!r} (shown once, store it now):")
    output.out.print(token["token"], highlight=False)
