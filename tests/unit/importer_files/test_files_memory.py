"""Memory stays flat whatever the file size: a million generated CSV rows (~200 MB) read under 50 MB traced."""

import io
import time
import tracemalloc
from collections.abc import Iterator

from importer_service.files import ReadOptions, Row, read_rows

ROWS = 1_000_000
PEAK_LIMIT = 50 * 1024 * 1024


class GeneratedCsv(io.RawIOBase):
    """A CSV of `rows` people (~200 bytes each), made on the fly as it is read: never held whole."""

    def __init__(self, rows: int) -> None:
        self._rows = rows
        self._next = 0
        self._pending = b"email;first_name;last_name;city;phone;note\n"

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while len(self._pending) < size and self._next < self._rows:
            self._pending += b"".join(self._row(i) for i in range(self._next, min(self._next + 500, self._rows)))
            self._next = min(self._next + 500, self._rows)
        chunk, self._pending = self._pending[:size], self._pending[size:]
        return chunk

    @staticmethod
    def _row(i: int) -> bytes:
        return (
            f"user{i}@shop.example;Анна{i % 97};Smith-{i % 1013};Saint-Petersburg;+7 900 {i:07d};"
            f'"a note that says, with a comma, and ""quotes"", something about customer {i} ............"\n'
        ).encode()


def test_a_million_rows_in_flat_memory() -> None:
    tracemalloc.start()
    try:
        started = time.perf_counter()
        seen = 0
        for row in read_rows("big.csv", GeneratedCsv(ROWS), ReadOptions()):  # type: ignore[arg-type]
            assert isinstance(row, Row)
            seen += 1
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == ROWS
    assert peak < PEAK_LIMIT, f"peak traced memory {peak / 1e6:.1f} MB"
    print(f"\n{ROWS} rows in {elapsed:.1f}s under tracemalloc, peak {peak / 1e6:.2f} MB")


class GeneratedJsonArray(io.RawIOBase):
    """A JSON array of `count` objects, made on the fly as it is read."""

    def __init__(self, count: int) -> None:
        self._parts = self._generate(count)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while len(self._pending) < size and (part := next(self._parts, b"")):
            self._pending += part
        chunk, self._pending = self._pending[:size], self._pending[size:]
        return chunk

    @staticmethod
    def _generate(count: int) -> Iterator[bytes]:
        yield b"[\n"
        for start in range(0, count, 500):
            last = min(start + 500, count)
            yield b",\n".join(b'{"email": "u%d@x.io", "tags": [1, {"a": null}]}' % i for i in range(start, last))
            yield b"\n]" if last == count else b",\n"


def test_a_json_array_streams_in_flat_memory() -> None:
    tracemalloc.start()
    try:
        rows = read_rows("big.json", GeneratedJsonArray(200_000), ReadOptions())  # type: ignore[arg-type]
        seen = sum(1 for _ in rows)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == 200_000
    assert peak < 5 * 1024 * 1024
