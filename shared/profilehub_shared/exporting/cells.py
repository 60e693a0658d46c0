"""How one value is written: JSON-native for JSON Lines; text for CSV; text, number or flag for XLSX.

Text cells that a spreadsheet would read as a formula are neutralised by default (OWASP "CSV injection"): a cell
starting with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'`. Numbers stay numbers.
"""

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

# Characters XML 1.0 (and so XLSX) cannot hold: control characters other than tab, newline, carriage return.
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_MAX_TEXT = 32_767
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


def neutralised(text: str) -> str:
    """`text` as a spreadsheet shows it literally: a leading `'` when it would start a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


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
# Kinds whose text can start with a formula character; flags, ISO dates and JSON text (`{`, `[`) never do.
FREE_TEXT_KINDS = ("any", "text", "tags")


def csv_cell(kind: str, neutralise_formulas: bool = True) -> Callable[[Any], Any]:
    """How a CSV cell of a column of `kind` is written; text (never a number) neutralised unless turned off."""
    cell = CSV_CELLS[kind]
    if not neutralise_formulas or kind not in FREE_TEXT_KINDS:
        return cell

    def safe(value: Any) -> Any:
        out = cell(value)
        return out if isinstance(value, bool | int | float) or not isinstance(out, str) else neutralised(out)

    return safe


def sheet_cell(value: Any, tags: bool = False, neutralise_formulas: bool = True) -> tuple[Any, bool]:
    """An XLSX cell and whether it had to be altered: numbers and flags stay typed; text as in CSV (neutralised
    unless turned off), less the control characters XML refuses and cut at the 32,767 characters a cell holds
    (the job's note counts them). The writer stores text as text, never as a formula."""
    if isinstance(value, bool | int | float):
        return value, False
    text = text_cell(value, tags)
    if not text:
        return None, False
    shown = neutralised(text) if neutralise_formulas else text
    kept = XML_ILLEGAL.sub("", shown)[:XLSX_MAX_TEXT]
    return kept, kept != shown
