"""How one value is written: JSON-native for JSON Lines; text for CSV; text, number or flag for XLSX."""

import json
import re
from datetime import UTC, date, datetime
from typing import Any

# Characters XML 1.0 (and so XLSX) cannot hold: control characters other than tab, newline, carriage return.
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_MAX_TEXT = 32_767


def iso(value: datetime | date) -> str:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return value.isoformat()


def json_native(value: Any) -> Any:
    """Dates as ISO 8601 text (naive stored times are UTC); everything else as JSON has it."""
    if isinstance(value, datetime | date):
        return iso(value)
    if isinstance(value, dict):
        return {k: json_native(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_native(v) for v in value]
    return value


def json_text(value: Any) -> str:
    return json.dumps(json_native(value), ensure_ascii=False, separators=(",", ":"))


def text_cell(value: Any, tags: bool = False) -> str:
    """A CSV cell: empty when absent, tags joined by `,`, objects and arrays as JSON text, flags true/false."""
    if value is None:
        return ""
    if tags and isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return iso(value)
    if isinstance(value, dict | list):
        return json_text(value)
    return str(value)


def _as_is(value: Any) -> Any:
    return value  # csv.writer writes None as "" and numbers with str()


def _flag(value: Any) -> Any:
    return "" if value is None else ("true" if value else "false")


def _date(value: Any) -> Any:
    return iso(value) if isinstance(value, datetime | date) else text_cell(value)


def _tags(value: Any) -> Any:
    return ",".join(str(v) for v in value) if isinstance(value, list) else text_cell(value)


def _json(value: Any) -> Any:
    return "" if value is None else json_text(value)


# Column kinds (see columns.py) → how a CSV cell is written; chosen once per column, not tested per cell.
CSV_CELLS = {"any": text_cell, "text": _as_is, "flag": _flag, "date": _date, "tags": _tags, "json": _json}


def sheet_cell(value: Any, tags: bool = False) -> tuple[Any, bool]:
    """An XLSX cell and whether it had to be altered: numbers and flags stay typed; text as in CSV, less the
    control characters XML refuses and cut at the 32,767 characters a cell holds (the job's note counts them)."""
    if isinstance(value, bool | int | float):
        return value, False
    text = text_cell(value, tags)
    if not text:
        return None, False
    kept = XML_ILLEGAL.sub("", text)[:XLSX_MAX_TEXT]
    return kept, kept != text
