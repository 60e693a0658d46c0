"""How the CLI prints: rich tables for lists, JSON for single objects, errors on stderr."""

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table

out = Console()
err = Console(stderr=True)


def table(title: str, columns: list[str], rows: Iterable[Iterable[Any]]) -> None:
    grid = Table(title=title)
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*("" if cell is None else str(cell) for cell in row))
    out.print(grid)


def show(document: Any) -> None:
    out.print_json(data=document)


def error(message: str, details: list[dict[str, Any]]) -> None:
    err.print(f"[bold red]Error:[/] {message}", highlight=False, markup=True)
    for detail in details:
        err.print(f"  - {detail.get('field', '')}: {detail.get('message', '')}", highlight=False, markup=False)
