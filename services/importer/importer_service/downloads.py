"""Local copies of uploaded files: each import runner and batch taker reads a copy of its own."""

import contextlib
import os
import tempfile
from pathlib import Path

import psutil
from bson import ObjectId
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.stored_files import stored_file_chunks


async def download(db: AsyncDatabase, file_id: str) -> str:
    """Copy the upload to a local temporary file, chunk by chunk (memory stays flat).

    Each copy has a name of its own, with the process id in it: the runner of a job and the replicas taking its
    batches each read their own, also when they share a host. Copies of a process killed meanwhile are removed by
    `sweep_downloads` when the importer starts again.
    """
    upload = ObjectId(file_id)  # validated before it names a file
    handle, path = tempfile.mkstemp(prefix=f"{DOWNLOAD_PREFIX}{upload}-{os.getpid()}-")
    with os.fdopen(handle, "wb") as out:
        async for chunk in stored_file_chunks(db, "uploads", upload):
            out.write(chunk)
    return path


DOWNLOAD_PREFIX = "profilehub-import-"


def sweep_downloads(folder: str | None = None) -> int:
    """Remove the copies of uploads left by importer processes that are gone (killed mid-job); returns how many."""
    removed = 0
    for path in Path(folder or tempfile.gettempdir()).glob(f"{DOWNLOAD_PREFIX}*-*-*"):
        pid = path.name.removeprefix(DOWNLOAD_PREFIX).split("-")[1]
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
    return removed
