"""Calling the API from a command: a refusal is printed with its details and ends the command with exit code 1."""

import json
import sys
from pathlib import Path
from typing import Any

import typer

from . import output
from .client import Api, ApiFailure


def api_of(ctx: typer.Context) -> Api:
    api: Api = ctx.obj
    return api


def run(ctx: typer.Context, method: str, path: str, **options: Any) -> Any:
    """Call the API; on a refusal print its message and exit 1."""
    try:
        return api_of(ctx).call(method, path, **options)
    except ApiFailure as failure:
        fail(str(failure), failure.details)


def fail(message: str, details: list[dict[str, Any]] | None = None) -> Any:
    output.error(message, details or [])
    raise typer.Exit(1)


def emit(ctx: typer.Context, document: Any, human: Any = output.show) -> None:
    output.emit(api_of(ctx).json_output, document, human)


def json_option(name: str, text: str | None) -> Any:
    """A JSON option's value: inline JSON, `@file` or `-` (stdin); a clear error naming the option otherwise."""
    if text is None:
        return None
    try:
        if text == "-":
            text = sys.stdin.read()
        elif text.startswith("@"):
            text = Path(text[1:]).read_text(encoding="utf-8")
        return json.loads(text)
    except (OSError, json.JSONDecodeError) as exc:
        return fail(f"{name}: not JSON ({exc})")


def filter_body(filter_text: str | None, q: str | None) -> dict[str, Any]:
    """`filter` and `q` of a search, count, copy or bulk update, as far as they are given."""
    body: dict[str, Any] = {}
    if filter_text is not None:
        body["filter"] = json_option("--filter", filter_text)
    if q:
        body["q"] = q
    return body
