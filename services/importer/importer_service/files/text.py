"""Text files as decoded lines: invalid bytes kept as lone surrogates so the row holding them can be named."""

import codecs
import io
import re
from collections import deque
from collections.abc import Iterator
from typing import TextIO

from .detect import text_encoding
from .rows import MAX_RECORD
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


class RecordTooLong(Exception):
    """One CSV record grew past MAX_RECORD characters."""


class RecordFeed:
    """Physical lines for csv.reader, numbered, with the lines of the record being read kept aside.

    The csv module has a per-field limit only; an unclosed quote could otherwise pull a whole file into memory,
    so a record over MAX_RECORD characters raises RecordTooLong. A record broken by a stray quote can be read
    again from its second line (`read_again_after_first`).
    """

    def __init__(self, text: TextIO) -> None:
        self._text = text
        self._again: deque[tuple[int, str]] = deque()
        self._last_line = 0
        self.record: list[tuple[int, str]] = []  # (line number, line) of the record being read
        self.record_chars = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self._again:
            number, line = self._again.popleft()
        else:
            line = self._text.readline(MAX_RECORD + 1)
            if not line:
                raise StopIteration
            self._last_line += 1
            number = self._last_line
        self.record.append((number, line))
        self.record_chars += len(line)
        if self.record_chars > MAX_RECORD:
            raise RecordTooLong(f"a record is longer than {MAX_RECORD} characters")
        return line

    def peek(self) -> str:
        """The line the next record starts with ("" at the end), without taking it."""
        if not self._again:
            line = self._text.readline(MAX_RECORD + 1)
            if not line:
                return ""
            self._last_line += 1
            self._again.append((self._last_line, line))
        return self._again[0][1]

    def start_record(self) -> None:
        self.record, self.record_chars = [], 0

    @property
    def first_line(self) -> int:
        """The physical line the current record starts on."""
        return self.record[0][0] if self.record else self._last_line + 1

    def read_again_after_first(self) -> None:
        """Give the current record's lines but its first to the reader again (they are kept: at most MAX_RECORD)."""
        self._again.extendleft(reversed(self.record[1:]))
