"""Streaming row writers to a local file: CSV (UTF-8, RFC 4180), JSON Lines, XLSX (write-only, constant memory)."""

import csv
import json
from collections.abc import Sequence
from typing import Any, Protocol

from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from .cells import csv_cell, json_native, sheet_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv": "text/csv", "jsonl": "application/x-ndjson", "xlsx": XLSX}  # format → content type


class RowWriter(Protocol):
    def write(self, values: Sequence[Any]) -> None: ...
    def close(self) -> str:
        """Finish the file; returns a note for the job (e.g. cells that had to be altered), or ''."""
        ...


class CsvWriter:
    def __init__(self, path: str, headers: list[str], kinds: list[str], neutralise_formulas: bool = True) -> None:
        self.file = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115  # closed by close()
        self.out = csv.writer(self.file, lineterminator="\r\n")  # RFC 4180: CRLF, quotes doubled
        self.cells = [csv_cell(k, neutralise_formulas) for k in kinds]
        self.out.writerow(headers)

    def write(self, values: Sequence[Any]) -> None:
        self.out.writerow([cell(v) for cell, v in zip(self.cells, values, strict=True)])

    def close(self) -> str:
        self.file.close()
        return ""


class JsonLinesWriter:
    """JSON keeps its types: nothing in it is a formula, so nothing is neutralised."""

    def __init__(self, path: str, headers: list[str], kinds: list[str], neutralise_formulas: bool = True) -> None:
        self.file = open(path, "w", encoding="utf-8")  # noqa: SIM115  # closed by close()
        self.headers = headers

    def write(self, values: Sequence[Any]) -> None:
        row = {h: json_native(v) for h, v in zip(self.headers, values, strict=True)}
        self.file.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")

    def close(self) -> str:
        self.file.close()
        return ""


def text_as_text(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """openpyxl reads a string starting with `=` as a formula and `#N/A`-like strings as errors; such text goes
    in as a cell typed string. Other values go in as they are (typed by openpyxl: numbers, flags, strings)."""
    if isinstance(value, str) and (value.startswith("=") or value in ERROR_CODES):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


class XlsxWriter:
    """openpyxl's write-only workbook keeps rows on disk, not in memory."""

    def __init__(self, path: str, headers: list[str], kinds: list[str], neutralise_formulas: bool = True) -> None:
        self.path, self.tags, self.altered = path, [k == "tags" for k in kinds], 0
        self.neutralise_formulas = neutralise_formulas
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet("export")
        self.sheet.append([text_as_text(self.sheet, h) for h in headers])

    def write(self, values: Sequence[Any]) -> None:
        cells = [sheet_cell(v, t, self.neutralise_formulas) for v, t in zip(values, self.tags, strict=True)]
        self.altered += sum(altered for _, altered in cells)
        self.sheet.append([text_as_text(self.sheet, c) for c, _ in cells])

    def close(self) -> str:
        self.book.save(self.path)
        if not self.altered:
            return ""
        return f"{self.altered} cell(s) lost control characters or were cut at 32,767 characters to fit XLSX"


def open_writer(
    fmt: str, path: str, headers: list[str], kinds: list[str] | None = None, neutralise_formulas: bool = True
) -> RowWriter:
    """A writer of `fmt` (csv, jsonl, xlsx) to `path`, with the header row written. Text cells that would start a
    formula get a leading `'` in CSV and XLSX unless `neutralise_formulas` is off; XLSX text is never a formula."""
    writers: dict[str, type[CsvWriter | JsonLinesWriter | XlsxWriter]] = {
        "csv": CsvWriter,
        "jsonl": JsonLinesWriter,
        "xlsx": XlsxWriter,
    }
    if fmt not in writers:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(writers)}")
    writer: RowWriter = writers[fmt](path, headers, kinds or ["any"] * len(headers), neutralise_formulas)
    return writer
