"""Export results in GridFS (bucket `exports`), named by their job and removed when they expire.

A result is uploaded only once its local file is complete, under the job's id: a restarted job first deletes
whatever a killed run left (chunks of an unfinished upload included), so no truncated file is ever served.
"""

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from gridfs import AsyncGridFSBucket, NoFile
from pymongo.asynchronous.database import AsyncDatabase

from ..stored_files import store_file

BUCKET = "exports"
CHUNK = 1024 * 1024


async def local_pieces(path: str) -> AsyncIterator[bytes]:
    with open(path, "rb") as local:  # noqa: ASYNC230  # a local file read 1 MiB at a time
        while piece := local.read(CHUNK):
            yield piece


class ResultFiles:
    def __init__(self, db: AsyncDatabase, expiry: timedelta) -> None:
        self.db, self.expiry = db, expiry
        self.bucket = AsyncGridFSBucket(db, BUCKET)

    async def discard(self, job_id: str) -> None:
        with contextlib.suppress(NoFile):  # the chunks of an unfinished upload go too
            await self.bucket.delete(job_id)

    async def store(self, job_id: str, path: str, filename: str, content_type: str) -> datetime:
        """Upload the finished file at `path`; returns when it expires."""
        await self.discard(job_id)
        expires_at = datetime.now(UTC) + self.expiry
        metadata = {"content_type": content_type, "expires_at": expires_at}
        await store_file(self.db, BUCKET, job_id, filename, metadata, local_pieces(path))
        return expires_at

    async def remove_expired(self, now: datetime | None = None) -> int:
        """Delete every result past its expiry; returns how many."""
        expired = self.db[f"{BUCKET}.files"].find(
            {"metadata.expires_at": {"$lt": now or datetime.now(UTC)}}, {"_id": 1}
        )
        ids = [d["_id"] async for d in expired]
        for file_id in ids:
            await self.discard(file_id)
        return len(ids)
