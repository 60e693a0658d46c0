"""Files stored in MongoDB as GridFS collections, written and read a few chunks at a time (FerretDB 1.x answers
a GridFS bucket as plain collections)."""

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from bson import Binary, ObjectId
from gridfs.errors import CorruptGridFile, NoFile
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from .mongo import delete_matching

# FerretDB does not cap a reply at 16 MiB as MongoDB does: a getMore without a batch size returns every remaining
# chunk of a file at once, which fails past the 48 MB message limit. So files are read a few chunks per reply.
CHUNKS_PER_REPLY = 16


CHUNK_SIZE = 255 * 1024  # GridFS's default chunk size
CHUNKS_PER_INSERT = 16


async def store_file(
    db: AsyncDatabase,
    bucket: str,
    file_id: ObjectId | str,
    filename: str,
    metadata: dict[str, Any],
    pieces: AsyncIterator[bytes],
    limit: int | None = None,
) -> int:
    """Write a GridFS file from `pieces`, a few chunks per insert, and its files document last; returns its length.

    PyMongo's GridIn buffers up to 48 MB of chunks before it inserts them (an upload or an export result then
    costs that much memory each); this keeps at most `CHUNKS_PER_INSERT` chunks. A file cut short (an error, a
    crash, more than `limit` bytes: FileTooLarge) has no files document and its chunks are removed when they can
    be; readers see no file.
    """
    chunks = db[f"{bucket}.chunks"]
    await chunks.create_index([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)
    pending: list[dict[str, Any]] = []
    buffer, n, length = bytearray(), 0, 0

    def cut(size: int) -> None:
        nonlocal n
        pending.append({"files_id": file_id, "n": n, "data": Binary(bytes(buffer[:size]))})
        del buffer[:size]
        n += 1

    try:
        async for piece in pieces:
            length += len(piece)
            if limit is not None and length > limit:
                raise FileTooLarge(f"the file is larger than {limit} bytes")
            buffer += piece
            while len(buffer) >= CHUNK_SIZE:
                cut(CHUNK_SIZE)
                if len(pending) >= CHUNKS_PER_INSERT:
                    await chunks.insert_many(pending)
                    pending.clear()
        if buffer:
            cut(len(buffer))
        if pending:
            await chunks.insert_many(pending)
    except BaseException:
        with contextlib.suppress(Exception):
            await delete_matching(chunks, {"files_id": file_id})
        raise
    await db[f"{bucket}.files"].insert_one(
        {
            "_id": file_id,
            "length": length,
            "chunkSize": CHUNK_SIZE,
            "uploadDate": datetime.now(UTC),
            "filename": filename,
            "metadata": metadata,
        }
    )
    return length


class FileTooLarge(ValueError):
    """A stored file went past its size limit."""


async def stored_file_chunks(db: AsyncDatabase, bucket: str, file_id: ObjectId | str) -> AsyncIterator[bytes]:
    """The bytes of a GridFS file in `bucket`, chunk by chunk (memory stays flat), checked for gaps and length."""
    meta = await db[f"{bucket}.files"].find_one({"_id": file_id})
    if meta is None:
        raise NoFile(f"no file {file_id} in {bucket}")
    expected = size = 0
    chunks = db[f"{bucket}.chunks"].find({"files_id": file_id}, sort=[("n", 1)], batch_size=CHUNKS_PER_REPLY)
    async for chunk in chunks:
        if chunk["n"] != expected:
            raise CorruptGridFile(f"file {file_id} in {bucket}: chunk {expected} is missing")
        expected += 1
        size += len(chunk["data"])
        yield bytes(chunk["data"])
    if size != meta["length"]:
        raise CorruptGridFile(f"file {file_id} in {bucket}: {size} bytes stored of {meta['length']}")
