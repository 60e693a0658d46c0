"""The importer's entry points: rows of any supported file or archive, their count, their columns."""

from collections.abc import Generator, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import BinaryIO

from .archives import damaged_archive, is_xlsx, tar_members, zip_members
from .csv_reader import csv_columns, csv_rows
from .detect import Kind, kind_of
from .json_reader import json_rows
from .jsonl_reader import jsonl_rows
from .rows import MAX_COLUMNS, BadRow, FileError, ReadOptions, Row
from .source import Budget, Source
from .xlsx_reader import xlsx_columns, xlsx_rows

TEXT_READERS = {"csv": csv_rows, "json": json_rows, "jsonl": jsonl_rows}
Part = tuple[Source, Kind, str | None]  # a file to read, its format, its archive member name


def read_rows(name: str, stream: BinaryIO, options: ReadOptions) -> Iterator[Row | BadRow]:
    """Rows of the file, lazily, in file order (archives: member by member in name order).

    Only FileError escapes, for a file that cannot be read as a whole; a bad row is a BadRow.
    """
    check_options(options)
    with decoding_errors():
        for source, kind, member in parts(Source(name, stream), options):
            with member_damage(member):
                yield from part_rows(source, kind, options, member)


def count_rows(name: str, stream: BinaryIO, options: ReadOptions) -> int:
    """How many items read_rows will give (rows and bad rows): the progress total. Reads the whole stream."""
    return sum(1 for _ in read_rows(name, stream, options))


def columns(name: str, stream: BinaryIO, options: ReadOptions) -> list[str]:
    """Column names of the file: the CSV/XLSX header, or the JSON keys; of an archive, those of every member in
    order of appearance (members may differ, and a mapping may name a column of any of them).

    JSON objects may each leave keys out, so their columns are every key of the file in order of appearance.
    """
    check_options(options)
    found: dict[str, None] = {}
    with decoding_errors():
        for source, kind, member in parts(Source(name, stream), options):
            with member_damage(member):
                found.update(dict.fromkeys(part_columns(source, kind, options, member)))
            if len(found) > MAX_COLUMNS:
                raise FileError("too_many_columns", f"the file has more than {MAX_COLUMNS} distinct columns")
    return list(found)


def header_columns(name: str, stream: BinaryIO, options: ReadOptions) -> list[str] | None:
    """The columns a mapping may name, when the file states them in a header (CSV, XLSX, archives of those);
    None for JSON and JSON Lines, whose objects may each have other keys. Reads only the header rows."""
    check_options(options)
    found: dict[str, None] = {}
    with decoding_errors():
        for source, kind, member in parts(Source(name, stream), options):
            if kind not in ("csv", "xlsx"):
                return None
            with member_damage(member):
                found.update(dict.fromkeys(part_columns(source, kind, options, member)))
    return list(found)


def part_columns(source: Source, kind: Kind, options: ReadOptions, member: str | None) -> list[str]:
    if kind == "csv":
        return csv_columns(source, options)
    if kind == "xlsx":
        with source.seekable() as file:
            return xlsx_columns(file, options)
    return json_keys(part_rows(source, kind, options, member))


def parts(source: Source, options: ReadOptions) -> Generator[Part, None, None]:
    """The file itself, or the supported members of an archive in name order."""
    kind = kind_of(source.name, source.head, options.format, options.encoding)
    budget = Budget(options.max_archive_bytes, options.max_archive_ratio, source.size)
    if kind == "zip":
        with source.seekable() as file:
            if is_xlsx(file):
                yield Source(source.name, file), "xlsx", None
                return
            with damaged_archive("zip"):
                for name, stream in zip_members(file, budget):
                    yield member_part(Source(name, stream), options)
    elif kind == "tgz":
        with damaged_archive("tar.gz"):
            for name, stream in tar_members(source.reader(), budget):
                yield member_part(Source(name, stream), options)
    else:
        yield source, kind, None


def member_part(source: Source, options: ReadOptions) -> Part:
    if not source.head:
        return source, "jsonl", source.name  # an empty member: no rows, whatever its format
    kind = kind_of(source.name, source.head, options.format, options.encoding)
    if kind in ("zip", "tgz"):
        raise FileError("unsupported_format", f"{source.name}: archives inside archives are not read")
    return source, kind, source.name


def part_rows(source: Source, kind: Kind, options: ReadOptions, member: str | None) -> Iterator[Row | BadRow]:
    if kind == "xlsx":
        with source.seekable() as file:
            yield from xlsx_rows(file, options, member)
    else:
        yield from TEXT_READERS[kind](source, options, member)


def json_keys(rows: Iterator[Row | BadRow]) -> list[str]:
    keys: dict[str, None] = {}
    for row in rows:
        if isinstance(row, Row):
            keys.update(dict.fromkeys(row.values))
            if len(keys) > MAX_COLUMNS:
                raise FileError("too_many_columns", f"the objects have more than {MAX_COLUMNS} distinct keys")
    return list(keys)


def member_damage(member: str | None) -> AbstractContextManager[None]:
    """Reading a member decompresses it: damage found on the way is the archive's."""
    return damaged_archive("archive") if member is not None else nullcontext()


@contextmanager
def decoding_errors() -> Iterator[None]:
    """UTF-16/32 text broken where bytes cannot be escaped (no BOM, odd length, lone surrogate) fails the file."""
    try:
        yield
    except UnicodeError as exc:
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        raise FileError("invalid_encoding", f"the text is not valid in its encoding: {reason}") from exc


def check_options(options: ReadOptions) -> None:
    """Options the csv module would reject, reported as a FileError like any other unreadable setting."""
    for label, char in (("delimiter", options.delimiter), ("quote character", options.quotechar)):
        if char is not None and (len(char) != 1 or char in "\r\n"):
            raise FileError("invalid_options", f"the {label} must be one character, not a line break: {char!r}")
    if options.delimiter is not None and options.delimiter == options.quotechar:
        raise FileError("invalid_options", "the delimiter and the quote character must differ")
    if options.max_archive_bytes <= 0 or options.max_archive_ratio <= 0:
        raise FileError("invalid_options", "max_archive_bytes and max_archive_ratio must be positive")
