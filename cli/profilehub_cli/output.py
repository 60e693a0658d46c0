"""How the CLI prints: rich tables for lists, JSON for single objects, errors on stderr."""

import json
from collections.abc import Callable, Iterable
from typing import Any

from rich.console import Console
from rich.table import Table

out = Console()
err = Console(stderr=True)


ID_WIDTH = 32  # ids are 32 hex digits: kept whole on one line, so they can be copied into the next command


def table(title: str, columns: list[str], rows: Iterable[Iterable[Any]]) -> None:
    grid = Table(title=title)
    for column in columns:
        is_id = column in ("id", "profile_id", "profile")
        grid.add_column(column, no_wrap=is_id, min_width=ID_WIDTH if is_id else None)
    for row in rows:
        grid.add_row(*("" if cell is None else str(cell) for cell in row))
    out.print(grid)


def show(document: Any) -> None:
    out.print_json(data=document)


def error(message: str, details: list[dict[str, Any]]) -> None:
    err.print(f"[bold red]Error:[/] {message}", highlight=False, markup=True)
    for detail in details:
        err.print(f"  - {detail.get('field', '')}: {detail.get('message', '')}", highlight=False, markup=False)


def emit(json_output: bool, document: Any, human: Callable[[Any], None] = show) -> None:
    """The API's document as plain JSON on stdout (`--json`, for scripts and jq), else as `human` prints it."""
    if json_output:
        print(json.dumps(document, ensure_ascii=False, default=str))
    else:
        human(document)
