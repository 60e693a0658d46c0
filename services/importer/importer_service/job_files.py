"""This process's copies of the files of the import jobs whose batches it takes (see `batch_sharing`): each
downloaded once, read forward batch by batch, dropped when done with."""

import asyncio
import contextlib
import os
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from profilehub_shared.contracts.jobs import ImportFileBatch, JobRequested
from profilehub_shared.contracts.schema_state import Database

from .domain.mapping import effective_mapping
from .downloads import download
from .files import ReadOptions, columns, read_rows
from .import_job import ImportDeps, batches, read_options
from .report_lines import Item

KEPT_BATCHES = 4  # batches read past on the way to another, kept for the taker of one of them
IDLE_SECONDS = 600.0  # a job's copy of its file is dropped when no batch of it came for this long


@dataclass
class JobFile:
    """This process's copy of a job's file, read forward batch by batch (each batch numbered as the runner's).

    Batches read past on the way to a later one are kept (a few), since the taker of one of them, or a taker
    applying the batches before its own, usually asks next; further back, the file is read again from the start.
    """

    path: str
    job: JobRequested
    mapping: dict[str, str]
    batch_rows: int
    limits: Any
    stream: BinaryIO | None = None
    chunks: Iterator[list[Item]] = field(default_factory=lambda: iter(()))
    position: int = 0  # the number of the batch `chunks` gives next
    kept: OrderedDict[int, list[Item]] = field(default_factory=OrderedDict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    turn_given: asyncio.Event = field(default_factory=asyncio.Event)  # set when a taker here gives the job's turn
    used_at: float = field(default_factory=time.monotonic)

    async def batch(self, number: int) -> list[Item]:
        """The rows of batch `number` (empty past the end of the file)."""
        self.used_at = time.monotonic()
        async with self.lock:
            if number in self.kept:
                return self.kept[number]
            return await asyncio.to_thread(self.read_to, number)

    def read_to(self, number: int) -> list[Item]:
        if self.stream is None or number < self.position:
            self.reopen()
        while True:
            chunk = next(self.chunks, [])
            at, self.position = self.position, self.position + 1
            self.kept[at] = chunk
            while len(self.kept) > KEPT_BATCHES:
                self.kept.popitem(last=False)
            if at >= number or not chunk:
                return chunk if at == number else []

    def reopen(self) -> None:
        self.close()
        params = self.job.import_params
        assert params is not None
        self.stream = open(self.path, "rb")  # noqa: SIM115 - kept open between batches, closed by `close`
        rows = read_rows(params.file_name, self.stream, read_options(params, self.limits))
        self.chunks = batches(rows, self.batch_rows)
        self.position = 0

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None

    def remove(self) -> None:
        self.close()
        with contextlib.suppress(OSError):
            os.unlink(self.path)


class JobFiles:
    """The files of the jobs whose batches this process takes: each downloaded once, dropped when done with."""

    def __init__(self) -> None:
        self.files: dict[str, JobFile] = {}
        self.lock = asyncio.Lock()

    async def of(self, deps: ImportDeps, db: Database, request: ImportFileBatch) -> JobFile:
        job = request.job
        async with self.lock:
            self.drop_idle()
            if job.job_id not in self.files:
                self.files[job.job_id] = await open_job_file(deps, db, request)
            return self.files[job.job_id]

    def drop(self, job_id: str) -> None:
        """Forget a job's file, unless a batch is being read from it (then it goes when idle)."""
        found = self.files.get(job_id)
        if found is not None and not found.lock.locked():
            del self.files[job_id]
            found.remove()

    def drop_idle(self) -> None:
        now = time.monotonic()
        for job_id in [j for j, f in self.files.items() if now - f.used_at > IDLE_SECONDS]:
            self.drop(job_id)

    def close(self) -> None:
        for found in self.files.values():
            found.remove()
        self.files.clear()


async def open_job_file(deps: ImportDeps, db: Database, request: ImportFileBatch) -> JobFile:
    params = request.job.import_params
    assert params is not None
    path = await download(deps.store.db, params.file_id)
    try:
        header = await asyncio.to_thread(header_of, path, params.file_name, read_options(params, deps.limits))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    mapping = effective_mapping(header, params.mapping, {f.name for f in db.custom_fields})
    return JobFile(path, request.job, mapping, request.batch_rows, deps.limits)


def header_of(path: str, name: str, options: ReadOptions) -> list[str]:
    with open(path, "rb") as f:
        return columns(name, f, options)
