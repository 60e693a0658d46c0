"""Streaming readers of uploaded import files: CSV/TXT, JSON arrays, JSON Lines, XLSX, and zip/tar.gz of those.

Pure: no Kafka, no Mongo. Memory stays flat whatever the file size; rows are yielded lazily.
"""

from .reading import columns, count_rows, header_columns, read_rows
from .rows import MAX_ARCHIVE_BYTES, MAX_ARCHIVE_RATIO, BadRow, FileError, ReadOptions, Row

__all__ = [
    "MAX_ARCHIVE_BYTES",
    "MAX_ARCHIVE_RATIO",
    "BadRow",
    "FileError",
    "ReadOptions",
    "Row",
    "columns",
    "count_rows",
    "header_columns",
    "read_rows",
]
