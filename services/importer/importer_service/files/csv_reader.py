"""CSV/TXT files: one Row per record, numbered as csv.reader counts records (the header is row 1).

Blank records (no cells, or only whitespace cells, as Excel leaves in ";;;" lines) are skipped yet keep their
number, so row numbers match what a spreadsheet shows for the same file.

Rows are read as spreadsheet tools and other importers read them: missing cells at the end of a row are empty,
empty cells past the header's width (a trailing delimiter) are dropped, and in a record with a quoted cell after
spaces, spaces after each delimiter are skipped, so `a@x.example, "Foo 3"` gives `Foo 3`, not `"Foo 3"`.

Quotes are read strictly: a quoted cell must end with its quote followed by a delimiter or a line break. A stray or
unclosed quote would otherwise pull the following lines into one cell (three rows becoming one profile, silently);
instead the record's first line is rejected (`unclosed_quote`) and the lines after it are read again as records.
"""

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .detect import decode_head, detect_delimiter
from .rows import MAX_CELL, BadRow, FileError, ReadOptions, Row, column_names
from .source import Source
from .text import RecordFeed, RecordTooLong, bad_bytes_code, has_bad_bytes, open_text

csv.field_size_limit(MAX_CELL)  # process-wide; the default 131,072 is shorter than a line field may be


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
    cells = fitted(record.cells, len(header))
    if cells is not None and not record.bad_bytes:
        return Row(record.number, dict(zip(header, cells, strict=True)), True, member)
    where = f"row {record.number}" + (f" (line {record.line})" if record.line != record.number else "")
    if record.bad_bytes:
        code, wording = record.bad_bytes
        return BadRow(record.number, f"{where}: {wording}", code, member)
    has = "header has" if options.header else "first row has"
    return BadRow(record.number, f"{where}: {len(record.cells)} cells, {has} {len(header)}", "wrong_cell_count", member)


def fitted(cells: list[str], width: int) -> list[str] | None:
    """The cells padded with empty ones to the header's width, or cut of empty ones past it; None when a cell
    past the width holds something (the row does not fit the header)."""
    if len(cells) <= width:
        return cells + [""] * (width - len(cells))
    if any(cell.strip() for cell in cells[width:]):
        return None
    return cells[:width]


def header_of(record: Record, options: ReadOptions) -> list[str]:
    if not options.header:
        return column_names(len(record.cells))
    if record.bad_bytes:
        raise FileError("invalid_encoding", "the header row holds bytes the text encoding cannot decode")
    names = [cell.strip().lstrip("\ufeff").strip() or str(i) for i, cell in enumerate(record.cells, 1)]
    for i, name in enumerate(names, 1):
        if "\x00" in name:  # it could never be stored, not even in the note of unmapped columns
            raise FileError("invalid_header", f"column {i} of the header holds a NUL character: {name!a}")
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
        plain = csv.reader(feed, delimiter=delimiter, quotechar=options.quotechar, strict=True)
        spaced = csv.reader(feed, delimiter=delimiter, quotechar=options.quotechar, strict=True, skipinitialspace=True)
        quoted_after_space = spaced_quote(delimiter, options.quotechar)
        bad_bytes = bad_bytes_code(encoding)
        number = 0
        while True:
            feed.start_record()
            reader = spaced if quoted_after_space.search(feed.peek()) else plain
            try:
                cells = next(reader)
            except StopIteration:
                return
            except (csv.Error, RecordTooLong) as exc:
                number += 1
                yield broken_record(feed, number, exc, member)
                continue
            number += 1
            joined = "".join(cells)
            if joined and not joined.isspace():
                yield Record(number, feed.first_line, cells, bad_bytes if has_bad_bytes(joined) else None)


def spaced_quote(delimiter: str, quotechar: str) -> re.Pattern[str]:
    """A quoted cell after spaces (`a, "b"`): such a record is read skipping the spaces after each delimiter, as
    spreadsheet tools do; other records keep their cells' spaces (trimming is the field rules' business)."""
    if delimiter == " ":
        return re.compile(r"(?!)")  # spaces are the delimiter there
    return re.compile(f"(?:^|{re.escape(delimiter)}) +{re.escape(quotechar)}")


def broken_record(feed: RecordFeed, number: int, exc: Exception, member: str | None) -> BadRow:
    """The record the csv module refused; if it ran over several lines, they are read again after its first."""
    line, lines = feed.first_line, len(feed.record)
    where = f"row {number}" + (f" (line {line})" if line != number else "")
    if isinstance(exc, RecordTooLong) and lines <= 1:
        raise FileError("record_too_large", str(exc))
    if lines > 1 or "end of data" in str(exc):
        feed.read_again_after_first()
        return BadRow(
            number,
            f"{where}: unclosed quote: a quoted cell runs on past the end of its line ({exc}); "
            "the lines after it are read as rows of their own",
            "unclosed_quote",
            member,
        )
    return BadRow(number, f"{where}: {exc}", "invalid_csv", member)
