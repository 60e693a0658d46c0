"""An import batch's report lines: unreadable rows, each reason of each rejected row, each value left out of a
written row, in file order; named by member, row and the file's own column, the value as the file has it."""

import json
from typing import Any

from .change_events import jsonable
from .checkpoints import storable
from .files import BadRow, Row

Item = tuple[int, Row | BadRow]  # a row and its position in the whole file (archives: across members)


def rejection_rows(
    chunk: list[Item], rejected: list[Any], skipped: list[Any], mapping: dict[str, str]
) -> list[dict[str, Any]]:
    """Report lines in file order: unreadable rows, each reason of each rejected row, each value left out of a
    written row; named by member, row and the file's own column, the value as the file has it."""
    columns_of = {target: column for column, target in reversed(mapping.items())}
    lines: list[tuple[int, dict[str, Any]]] = []
    for at, row in chunk:
        if isinstance(row, BadRow):
            lines.append((at, {"row": row.number, "member": row.member or "", "code": row.code,
                               "message": row.message, "result": ROW_REJECTED}))  # fmt: skip
    position = {str(at): (at, row) for at, row in chunk}
    for result, found in ((ROW_REJECTED, rejected), (VALUE_SKIPPED, skipped)):
        for r in found:
            at, row = position[r.ref]
            assert isinstance(row, Row)  # only readable rows are written or rejected
            for e in r.errors:
                column = columns_of.get(top_field_name(e.field), "")
                lines.append((at, report_line(row, column, e, result)))
    lines.sort(key=lambda line: line[0])  # stable: a row's reasons keep their order
    return [line for _, line in lines]


ROW_REJECTED, VALUE_SKIPPED = "row_rejected", "value_skipped"


def top_field_name(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]


def report_line(row: Row, column: str, error: Any, result: str) -> dict[str, Any]:
    return {
        "row": row.number,
        "member": row.member or "",
        "column": column,
        "field": error.field,
        "value": cell_as_text(row.values.get(column)) if column else "",
        "code": error.code,
        "message": error.message,
        "result": result,
    }


def cell_as_text(value: object) -> str:
    """A cell as the report shows it: text as it is, nothing for a missing value, JSON for anything else."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(jsonable(value), ensure_ascii=False, default=str)
    return storable(text[:MAX_REPORT_VALUE])  # the plan keeps the lines: NUL and lone surrogates as escapes


MAX_REPORT_VALUE = 1000
