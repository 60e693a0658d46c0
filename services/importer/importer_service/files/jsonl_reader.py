"""JSON Lines: one object per line, numbered by line; blank lines are skipped but keep their number."""

import json
from collections.abc import Iterator
from typing import TextIO

from .rows import MAX_RECORD, BadRow, ReadOptions, Row
from .source import Source
from .text import bad_bytes_code, has_bad_bytes, open_text


def jsonl_rows(source: Source, options: ReadOptions, member: str | None = None) -> Iterator[Row | BadRow]:
    """One Row per object line; a line that is not a JSON object, or too long, is a BadRow."""
    text, encoding = open_text(source, options.encoding)
    with text:
        for number, line in enumerate(lines(text), 1):
            if line is None:
                yield BadRow(number, f"line {number}: longer than {MAX_RECORD} characters", "record_too_large", member)
            elif line and not line.isspace():
                yield line_row(line.lstrip("\ufeff") if number == 1 else line, number, encoding, member)


def line_row(line: str, number: int, encoding: str, member: str | None) -> Row | BadRow:
    if has_bad_bytes(line):
        code, wording = bad_bytes_code(encoding)
        return BadRow(number, f"line {number}: {wording}", code, member)
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        return BadRow(number, f"line {number}: invalid JSON: {exc.msg}", "invalid_json", member)
    except (ValueError, RecursionError) as exc:  # over-long integers, nesting too deep
        return BadRow(number, f"line {number}: invalid JSON: {exc or type(exc).__name__}", "invalid_json", member)
    if not isinstance(value, dict):
        return BadRow(number, f"line {number}: not an object", "not_an_object", member)
    return Row(number, value, False, member)


def lines(text: TextIO) -> Iterator[str | None]:
    """Physical lines (JSON strings cannot hold a raw line break); None for a line over MAX_RECORD characters."""
    while line := text.readline(MAX_RECORD + 1):
        if len(line) <= MAX_RECORD or line.endswith(("\n", "\r")):
            yield line
            continue
        while (rest := text.readline(MAX_RECORD)) and not rest.endswith(("\n", "\r")):
            pass  # skip the rest of the over-long line without holding it
        yield None
