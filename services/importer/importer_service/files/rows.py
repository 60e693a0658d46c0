"""What the file readers give: rows, rows that could not be read, and errors about the file as a whole."""

from dataclasses import dataclass
from typing import Literal

Format = Literal["auto", "csv", "json", "jsonl", "xlsx"]

CHUNK = 64 * 1024  # read size, and how much of the head is sniffed for format, encoding and delimiter
MAX_RECORD = 16 * 1024 * 1024  # one CSV record, JSON element or JSON line; bounds memory on hostile files
SPOOL_IN_MEMORY = 16 * 1024 * 1024  # spooled copies (zip, xlsx) move to disk beyond this
MAX_ARCHIVE_BYTES = 2 * 1024**3  # uncompressed bytes read from one archive: the zip-bomb guard
# ... and at most this many times the archive's own size, plus RATIO_ALLOWANCE: text compresses 5-20 times, a bomb
# a thousand times, so a bomb is refused after a few hundred MB instead of gigabytes.
MAX_ARCHIVE_RATIO = 100
RATIO_ALLOWANCE = 64 * 1024 * 1024
# A CSV cell may be as long as the longest line field (max_length up to 1,000,000 characters); the csv module's
# default limit (131,072) would reject such cells. The record limit still bounds memory.
MAX_CELL = MAX_RECORD
MAX_COLUMNS = 10_000  # distinct JSON keys collected for columns()


@dataclass(frozen=True)
class ReadOptions:
    """How to read an uploaded file; every field has a sensible automatic default."""

    format: Format = "auto"  # auto: by file name and content sniffing
    delimiter: str | None = None  # None: detect among , ; \t |
    quotechar: str = '"'
    encoding: str | None = None  # None: BOM, then UTF-8, then cp1251/cp1252 via charset-normalizer, else latin-1
    header: bool = True  # False: columns are named "1", "2", … (1-based)
    sheet: str | None = None  # xlsx: sheet name, default the first
    max_archive_bytes: int = MAX_ARCHIVE_BYTES  # uncompressed bytes one archive (or XLSX) may expand to
    max_archive_ratio: int = MAX_ARCHIVE_RATIO  # ... and times its own size (plus RATIO_ALLOWANCE); archives only


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its number as a person counts it in the file (or archive member), and its cells."""

    number: int  # CSV/XLSX: record/sheet row (header is row 1); JSON: element index; JSONL: line number
    values: dict[str, object]  # text formats give str; JSON gives values as parsed
    from_text: bool  # True for CSV/TXT/XLSX cells, False for JSON/JSONL
    member: str | None = None  # the archive member the row comes from


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that could not be read; the rest of the file still is."""

    number: int
    message: str  # e.g. "line 7: invalid JSON: Expecting ',' delimiter"
    code: str  # invalid_json, not_an_object, wrong_cell_count, invalid_utf8, invalid_encoding, invalid_csv, …
    member: str | None = None


class FileError(ValueError):
    """The file as a whole cannot be read (empty, unknown format, truncated or corrupt archive or XLSX, …)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def column_names(count: int) -> list[str]:
    """Names of columns without a header: "1", "2", … (1-based, as a person counts them)."""
    return [str(i) for i in range(1, count + 1)]
