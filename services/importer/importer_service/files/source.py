"""Binary streams as the readers need them: a peeked head replayed, a seekable copy, a byte budget."""

import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO, Protocol

from .rows import CHUNK, RATIO_ALLOWANCE, SPOOL_IN_MEMORY, FileError


def read_up_to(stream: BinaryIO, size: int) -> bytes:
    """Read `size` bytes or up to the end: a download stream may return short reads before its end."""
    parts: list[bytes] = []
    left = size
    while left > 0:
        part = stream.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


class Replay(io.RawIOBase):
    """The head already read for sniffing, then the rest of the stream. Closing it leaves the stream open."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: "memoryview | bytearray") -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class Source:
    """A file to read: its name, the first CHUNK bytes (for sniffing) and the whole content, read once."""

    def __init__(self, name: str, stream: BinaryIO) -> None:
        self.name = name
        self._stream = stream
        self._origin = stream.tell() if is_seekable(stream) else None
        self.size: int | None = None  # bytes from here to the end, when the stream can tell
        if self._origin is not None:
            self.size = stream.seek(0, io.SEEK_END) - self._origin
            stream.seek(self._origin)
        self.head = read_up_to(stream, CHUNK)

    def reader(self) -> io.BufferedReader:
        """The content from its first byte, streamed (the stream need not be seekable)."""
        return io.BufferedReader(Replay(self.head, self._stream), CHUNK)

    @contextmanager
    def seekable(self) -> Iterator[BinaryIO]:
        """The content as a seekable file: the stream itself if it can seek, else a spooled copy (then removed)."""
        if self._origin is not None:
            self._stream.seek(self._origin)
            yield self._stream
            return
        with spooled(self.reader()) as copy:
            yield copy


def is_seekable(stream: BinaryIO) -> bool:
    seekable = getattr(stream, "seekable", None)
    return bool(seekable and seekable())


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@contextmanager
def spooled(stream: Readable, budget: "Budget | None" = None) -> Iterator[BinaryIO]:
    """A copy of a stream in a temporary file (in memory while small), bytes counted against `budget`."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as copy:
        while chunk := stream.read(CHUNK):
            if budget is not None:
                budget.spend(len(chunk))
            copy.write(chunk)
        copy.seek(0)
        yield copy  # type: ignore[misc]


class Budget:
    """Uncompressed bytes one archive may still produce; beyond it the archive is taken for a zip bomb.

    The limit is `max_bytes`, and, when the archive's own size is known, at most `max_ratio` times that size plus
    RATIO_ALLOWANCE (so a small archive of very repetitive text still reads).
    """

    def __init__(self, max_bytes: int, max_ratio: int | None = None, size: int | None = None) -> None:
        self.limit = max_bytes
        self.rule = f"at most {max_bytes:,} bytes"
        if max_ratio is not None and size is not None and max_ratio * size + RATIO_ALLOWANCE < max_bytes:
            self.limit = max_ratio * size + RATIO_ALLOWANCE
            self.rule = (
                f"at most {self.limit:,} bytes ({max_ratio} times its {size:,} bytes plus "
                f"{RATIO_ALLOWANCE // 1024**2} MiB)"
            )
        self.used = 0

    def check_declared(self, declared: int) -> None:
        """Sizes an archive declares for its members (zip, XLSX), refused before anything is expanded."""
        if declared > self.limit:
            raise FileError("archive_too_large", f"the archive expands to {declared:,} bytes; {self.rule} are read")

    def spend(self, size: int) -> None:
        self.used += size
        if self.used > self.limit:
            raise FileError(
                "archive_too_large", f"the archive expands beyond {self.limit:,} bytes; {self.rule} are read"
            )


class Metered(io.RawIOBase):
    """A decompressing stream whose every byte read is paid from a Budget."""

    def __init__(self, stream: BinaryIO, budget: Budget) -> None:
        self._stream = stream
        self._budget = budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: "memoryview | bytearray") -> int:  # type: ignore[override]
        data = self._stream.read(len(buffer))
        self._budget.spend(len(data))
        buffer[: len(data)] = data
        return len(data)
