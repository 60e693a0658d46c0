"""Text files as decoded lines: invalid bytes kept as lone surrogates so the row holding them can be named."""

import codecs
import io
import re
from collections.abc import Iterator
from typing import TextIO

from .detect import text_encoding
from .rows import MAX_RECORD, FileError
from .source import Source

# errors="surrogateescape" turns each undecodable byte into U+DC80..U+DCFF instead of failing the whole file.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def open_text(source: Source, encoding: str | None) -> tuple[TextIO, str]:
    """The decoded content (universal newlines kept for the csv module) and the encoding used."""
    chosen = text_encoding(source.head, encoding)
    text = io.TextIOWrapper(source.reader(), encoding=chosen, errors="surrogateescape", newline="")
    return text, chosen


def has_bad_bytes(text: str) -> bool:
    """The text held bytes its encoding cannot decode."""
    return not text.isascii() and _ESCAPED_BYTE.search(text) is not None


def bad_bytes_code(encoding: str) -> tuple[str, str]:
    """Error code and wording for undecodable bytes in a row."""
    if codecs.lookup(encoding).name.startswith("utf-8"):
        return "invalid_utf8", "invalid UTF-8 bytes"
    return "invalid_encoding", f"bytes not valid in {encoding}"


class RecordFeed:
    """Physical lines for csv.reader, failing the file if one record grows past MAX_RECORD characters.

    The csv module has a per-field limit only; an unclosed quote could otherwise pull a whole file into memory.
    """

    def __init__(self, text: TextIO) -> None:
        self._text = text
        self.record_chars = 0

    def __iter__(self) -> Iterator[str]:
        readline = self._text.readline
        while line := readline(MAX_RECORD + 1):
            self.record_chars += len(line)
            if self.record_chars > MAX_RECORD:
                raise FileError("record_too_large", f"a record is longer than {MAX_RECORD} characters")
            yield line
