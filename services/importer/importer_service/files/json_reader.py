"""JSON arrays of objects, streamed: one element at a time from a buffer fed in 64 KiB chunks.

A malformed element becomes a BadRow and reading resumes after it (its brackets are skipped, strings honoured);
if that is impossible — unbalanced brackets, an element over MAX_RECORD characters, a cut-off file — FileError.
"""

import json
import re
from collections.abc import Iterator
from typing import TextIO

from .rows import CHUNK, MAX_RECORD, BadRow, FileError, ReadOptions, Row
from .source import Source
from .text import bad_bytes_code, has_bad_bytes, open_text

_WHITESPACE = re.compile(r"[ \t\r\n\ufeff]*")
# A whole string (escapes honoured), a structural character, or a quote opening a string not yet complete.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},"]')
_DECODER = json.JSONDecoder()


class Malformed(Exception):
    """An element that is not valid JSON, with the parser's reason."""


class Buffer:
    """Text read so far from `pos` on; grows by chunks, drops what was consumed."""

    def __init__(self, text: TextIO) -> None:
        self.text = text
        self.buf = ""
        self.pos = 0
        self.eof = False

    def more(self, at_least: int = CHUNK) -> None:
        chunk = self.text.read(at_least)
        self.eof = not chunk
        self.buf += chunk

    def next_char(self) -> str:
        """The next non-whitespace character ("" at the end), `pos` left on it."""
        while True:
            self.pos = _WHITESPACE.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf) or self.eof:
                return self.buf[self.pos : self.pos + 1]
            self.buf, self.pos = "", 0  # all of it was whitespace
            self.more()

    def drop_consumed(self) -> None:
        """Forget text before `pos`; only between elements, as positions inside an element would move."""
        if self.pos > CHUNK:
            self.buf, self.pos = self.buf[self.pos :], 0

    def grow(self, start: int) -> None:
        """More text for the element at `start`, doubling so a big element is parsed a few times, not hundreds."""
        if len(self.buf) - start > MAX_RECORD:
            raise FileError("record_too_large", f"a JSON element is longer than {MAX_RECORD} characters")
        self.more(max(CHUNK, len(self.buf) - start))


def json_rows(source: Source, options: ReadOptions, member: str | None = None) -> Iterator[Row | BadRow]:
    """Elements of the top-level array: objects become Rows, anything else a BadRow."""
    text, encoding = open_text(source, options.encoding)
    with text:
        buffer = Buffer(text)
        if buffer.next_char() != "[":
            raise FileError("not_an_array", "a JSON file must hold an array of objects (or use JSON Lines)")
        buffer.pos += 1
        if buffer.next_char() == "]":
            return
        number = 0
        while True:
            number += 1
            yield element_row(buffer, number, encoding, member)
            separator = buffer.next_char()
            buffer.pos += 1
            if separator == "]":
                return
            if separator != ",":
                found = "the end of the file" if not separator else repr(separator)
                raise FileError("invalid_json", f"after element {number}: expected ',' or ']', found {found}")


def element_row(buffer: Buffer, number: int, encoding: str, member: str | None) -> Row | BadRow:
    if buffer.next_char() == "":
        raise FileError("truncated", f"the JSON array ends before element {number}")
    buffer.drop_consumed()
    start = buffer.pos
    try:
        value = decode(buffer, start)
    except Malformed as exc:
        buffer.pos = element_end(buffer, start)
        return BadRow(number, f"element {number}: invalid JSON: {exc}", "invalid_json", member)
    if has_bad_bytes(buffer.buf[start : buffer.pos]):
        code, wording = bad_bytes_code(encoding)
        return BadRow(number, f"element {number}: {wording}", code, member)
    if not isinstance(value, dict):
        return BadRow(number, f"element {number}: not an object", "not_an_object", member)
    return Row(number, value, False, member)


def decode(buffer: Buffer, start: int) -> object:
    """The element at `start`, reading more text while it may just be incomplete; `pos` moves past it."""
    while True:
        try:
            value, end = _DECODER.raw_decode(buffer.buf, start)
        except json.JSONDecodeError as exc:
            if buffer.eof or definitely_malformed(exc, len(buffer.buf)):
                raise Malformed(exc.msg) from None
            buffer.grow(start)
            continue
        except (ValueError, RecursionError) as exc:  # over-long integers, nesting too deep
            raise Malformed(str(exc) or type(exc).__name__) from None
        if end == len(buffer.buf) and not buffer.eof and not isinstance(value, dict | list):
            buffer.grow(start)  # a number cut by the chunk boundary would parse as a shorter number
            continue
        buffer.pos = end
        return value


def definitely_malformed(exc: json.JSONDecodeError, available: int) -> bool:
    """A valid but incomplete prefix only fails near its end, or on a string not closed yet."""
    return exc.pos < available - 8 and not exc.msg.startswith("Unterminated string")


def element_end(buffer: Buffer, start: int) -> int:
    """Where a malformed element ends: the next ',' or ']' outside strings and brackets."""
    while True:
        depth = 0
        for token in _TOKEN.finditer(buffer.buf, start):
            mark = token.group()
            if mark == '"':
                break  # a string not closed in what was read so far
            if mark in "[{":
                depth += 1
            elif mark in "]}" and depth > 0:
                depth -= 1
            elif mark in ",]" and depth == 0:
                return token.start()
        if buffer.eof:
            raise FileError(
                "truncated", "the file ends inside a JSON element: it is cut off, or its brackets or quotes do not pair"
            )
        buffer.grow(start)
