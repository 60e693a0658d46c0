"""Reading test files from bytes, and a stream that cannot seek (as a GridFS download)."""

import io
from typing import Any

from importer_service.files import BadRow, ReadOptions, Row, columns, count_rows, read_rows


class OneWayStream(io.RawIOBase):
    """read(n) only, short reads included: what a download stream offers."""

    def __init__(self, data: bytes, step: int = 7000) -> None:
        self._data = memoryview(data)
        self._step = step

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        n = self._step if size < 0 else min(size, self._step)
        chunk, self._data = bytes(self._data[:n]), self._data[n:]
        return chunk

    def seekable(self) -> bool:
        return False


def read(name: str, data: bytes, one_way: bool = False, **options: Any) -> list[Row | BadRow]:
    stream = OneWayStream(data) if one_way else io.BytesIO(data)
    return list(read_rows(name, stream, ReadOptions(**options)))  # type: ignore[arg-type]


def values(rows: list[Row | BadRow]) -> list[dict[str, object]]:
    return [r.values for r in rows if isinstance(r, Row)]


def bad(rows: list[Row | BadRow]) -> list[tuple[int, str]]:
    return [(r.number, r.code) for r in rows if isinstance(r, BadRow)]


def header(name: str, data: bytes, **options: Any) -> list[str]:
    return columns(name, io.BytesIO(data), ReadOptions(**options))


def count(name: str, data: bytes, **options: Any) -> int:
    return count_rows(name, io.BytesIO(data), ReadOptions(**options))
