"""XLSX workbooks, read-only and streamed: one Row per sheet row, numbered as Excel numbers them.

Cells become text in a stable way: integers without ".0", other numbers by Python's shortest repr, dates ISO 8601
(a datetime at midnight as a plain date, as date-formatted cells come back as midnight datetimes), booleans as
"true"/"false", empty cells as "". Blank rows (anywhere, not only trailing) are skipped but keep their number.
"""

import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any, BinaryIO

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from .rows import BadRow, FileError, ReadOptions, Row, column_names

# openpyxl reports a damaged workbook through many unrelated exception types; all of them mean the same here.
CORRUPT = (
    InvalidFileException,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    AttributeError,
    SyntaxError,
)
EXACT_FLOAT_INTS = 2**53


def xlsx_rows(file: BinaryIO, options: ReadOptions, member: str | None = None) -> Iterator[Row | BadRow]:
    """Data rows of the chosen sheet; a row with cells beyond the header is a BadRow, a shorter one is padded."""
    header: list[str] | None = None
    for number, cells in sheet_rows(file, options):
        if header is None:
            header = header_of(cells, options)
            if options.header:
                continue
        if len(cells) > len(header):
            has = "header has" if options.header else "first row has"
            yield BadRow(number, f"row {number}: {len(cells)} cells, {has} {len(header)}", "wrong_cell_count", member)
        else:
            yield Row(number, dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=True)), True, member)


def xlsx_columns(file: BinaryIO, options: ReadOptions) -> list[str]:
    """Column names from the first non-blank row of the sheet."""
    for _, cells in sheet_rows(file, options):
        return header_of(cells, options)
    return []


def header_of(cells: list[str], options: ReadOptions) -> list[str]:
    if not options.header:
        return column_names(len(cells))
    names = [cell.strip() or str(i) for i, cell in enumerate(cells, 1)]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise FileError("duplicate_columns", f"duplicate column names in the header: {', '.join(duplicates)}")
    return names


def sheet_rows(file: BinaryIO, options: ReadOptions) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows as text cells without trailing empty ones, with their Excel row number."""
    check_expansion(file, options.max_archive_bytes)
    with corrupt_is_file_error():
        workbook = load_workbook(file, read_only=True, data_only=True)
    try:
        rows = iter(chosen_sheet(workbook, options.sheet).iter_rows(values_only=True))
        number = 0
        while True:
            with corrupt_is_file_error():
                values = next(rows, None)
            if values is None:
                return
            number += 1
            cells = [cell_text(v) for v in values]
            while cells and not cells[-1]:
                cells.pop()
            if any(c.strip() for c in cells):
                yield number, cells
    finally:
        workbook.close()


def chosen_sheet(workbook: Any, name: str | None) -> Any:
    if name is None:
        if not workbook.worksheets:
            raise FileError("invalid_xlsx", "the workbook has no worksheet")
        return workbook.worksheets[0]
    if name not in workbook.sheetnames:
        raise FileError("sheet_not_found", f"no sheet {name!r}; sheets: {', '.join(workbook.sheetnames)}")
    return workbook[name]


def check_expansion(file: BinaryIO, limit: int) -> None:
    """Refuse a workbook whose parts expand beyond the limit (sizes are declared; zipfile enforces them)."""
    with corrupt_is_file_error():
        declared = sum(info.file_size for info in zipfile.ZipFile(file).infolist())
    file.seek(0)
    if declared > limit:
        raise FileError("archive_too_large", f"the workbook expands to {declared} bytes, over {limit}")


def cell_text(value: object) -> str:
    """A cell as the text a person sees in it, the same for every reading."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < EXACT_FLOAT_INTS else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() and value.tzinfo is None else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


@contextmanager
def corrupt_is_file_error() -> Iterator[None]:
    """Turn openpyxl's and zipfile's complaints about a damaged file into FileError."""
    try:
        yield
    except FileError:
        raise
    except CORRUPT as exc:
        raise FileError("invalid_xlsx", f"truncated or corrupt XLSX: {exc}") from exc
