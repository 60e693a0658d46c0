"""CSV/TXT files: one Row per record, numbered as csv.reader counts records (the header is row 1).

Blank records (no cells, or only whitespace cells, as Excel leaves in ";;;" lines) are skipped yet keep their
number, so row numbers match what a spreadsheet shows for the same file.
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass

from .detect import decode_head, detect_delimiter
from .rows import BadRow, FileError, ReadOptions, Row, column_names
from .source import Source
from .text import RecordFeed, bad_bytes_code, has_bad_bytes, open_text


@dataclass(frozen=True, slots=True)
class Record:
    number: int
    line: int  # first physical line of the record, for messages
    cells: list[str]
    bad_bytes: tuple[str, str] | None  # error code and wording when the record held undecodable bytes


def csv_rows(source: Source, options: ReadOptions, member: str | None = None) -> Iterator[Row | BadRow]:
    """Data rows of a CSV file; rows with another cell count than the header, or bad bytes, are BadRows."""
    header: list[str] | None = None
    for record in records(source, options, member):
        if isinstance(record, BadRow):
            yield record
        elif header is None:
            header = header_of(record, options)
            if not options.header:
                yield data_row(record, header, options, member)
        else:
            yield data_row(record, header, options, member)


def csv_columns(source: Source, options: ReadOptions) -> list[str]:
    """Column names: the header row, or "1".."n" after the width of the first row."""
    for record in records(source, options, None):
        if isinstance(record, Record):
            return header_of(record, options)
    return []


def data_row(record: Record, header: list[str], options: ReadOptions, member: str | None) -> Row | BadRow:
    if len(record.cells) == len(header) and not record.bad_bytes:
        return Row(record.number, dict(zip(header, record.cells, strict=True)), True, member)
    where = f"row {record.number}" + (f" (line {record.line})" if record.line != record.number else "")
    if record.bad_bytes:
        code, wording = record.bad_bytes
        return BadRow(record.number, f"{where}: {wording}", code, member)
    has = "header has" if options.header else "first row has"
    return BadRow(record.number, f"{where}: {len(record.cells)} cells, {has} {len(header)}", "wrong_cell_count", member)


def header_of(record: Record, options: ReadOptions) -> list[str]:
    if not options.header:
        return column_names(len(record.cells))
    if record.bad_bytes:
        raise FileError("invalid_encoding", "the header row holds bytes the text encoding cannot decode")
    names = [cell.strip().lstrip("\ufeff").strip() or str(i) for i, cell in enumerate(record.cells, 1)]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise FileError("duplicate_columns", f"duplicate column names in the header: {', '.join(duplicates)}")
    return names


def records(source: Source, options: ReadOptions, member: str | None) -> Iterator[Record | BadRow]:
    """Non-blank records in file order, or a BadRow where the csv module gives up on one."""
    text, encoding = open_text(source, options.encoding)
    with text:
        delimiter = options.delimiter or detect_delimiter(decode_head(source.head, encoding), options.quotechar)
        feed = RecordFeed(text)
        reader = csv.reader(feed, delimiter=delimiter, quotechar=options.quotechar)
        bad_bytes = bad_bytes_code(encoding)
        number, line = 0, 1
        while True:
            try:
                cells: list[str] | None = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                cells, error = None, exc
            number += 1
            feed.record_chars = 0
            if cells is None:
                yield BadRow(number, f"row {number} (line {line}): {error}", "invalid_csv", member)
            else:
                joined = "".join(cells)
                if joined and not joined.isspace():
                    yield Record(number, line, cells, bad_bytes if has_bad_bytes(joined) else None)
            line = reader.line_num + 1
