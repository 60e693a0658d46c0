"""Bulk writes in commands of bounded size, several commands side by side.

One command is one goroutine of FerretDB and one PostgreSQL connection at a time: a large insert or update sent
as one command uses one core of the database however many it has. Cut into pieces sent side by side, the same
documents went in faster (60,000 profiles with three indexes, in writes of 5,000: 18,000 a second as one
command each, 25,000 as two pieces side by side, 26,000–27,000 as four). Each piece is unordered, as the whole
write was: which documents are written does not depend on how it is cut.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NamedTuple, TypeVar

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from .mongo import only_duplicate_keys

# Update statements per command. FerretDB, as deploy/local patches it, reads a command's documents by `_id` in one
# query and writes them in one transaction, so larger commands cost fewer round trips (100,000 updates: 10.2 s in
# commands of 20, 8.1 s in commands of 250). A stock FerretDB 1.x holds one pooled connection per statement until
# the command ends and never finishes one of more statements than its pool (50): it needs those patches anyway
# (it also loses concurrent updates of one document).
UPDATES_PER_COMMAND = 200
INSERTS_PER_COMMAND = 500
COMMANDS_AT_ONCE = 4  # of one write: the database's cores and a few of the client's connections

Piece = TypeVar("Piece")
Done = TypeVar("Done")


async def side_by_side(
    pieces: Sequence[Piece], write: Callable[[Piece], Awaitable[Done]], at_once: int = COMMANDS_AT_ONCE
) -> list[Done]:
    """`write` of every piece, at most `at_once` at a time; once every piece has ended, the first error, if any,
    is raised (the pieces that succeeded stay written, as in one unordered command)."""
    gate = asyncio.Semaphore(at_once)

    async def one(piece: Piece) -> Done:
        async with gate:
            return await write(piece)

    ended = await asyncio.gather(*(one(p) for p in pieces), return_exceptions=True)
    failed = next((outcome for outcome in ended if isinstance(outcome, BaseException)), None)
    if failed is not None:
        raise failed
    return [outcome for outcome in ended if not isinstance(outcome, BaseException)]


def cut(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[at : at + size]) for at in range(0, len(items), size)]


class UpdateCounts(NamedTuple):
    matched: int
    modified: int
    upserted: int


async def bulk_update(
    collection: AsyncCollection, updates: Sequence[UpdateOne], at_once: int = COMMANDS_AT_ONCE
) -> UpdateCounts:
    """Unordered update statements in commands of `UPDATES_PER_COMMAND`, `at_once` commands at a time. Two
    statements of one call may run in either order: give one statement a document (`at_once=1` keeps the order
    of the commands, for statements that upsert one key twice)."""

    async def write(command: list[UpdateOne]) -> UpdateCounts:
        result = await collection.bulk_write(command, ordered=False)
        return UpdateCounts(result.matched_count, result.modified_count, result.upserted_count)

    done = await side_by_side(cut(updates, UPDATES_PER_COMMAND), write, at_once)
    return UpdateCounts(*(sum(column) for column in zip(*done, strict=True))) if done else UpdateCounts(0, 0, 0)


async def insert_all(collection: AsyncCollection, documents: Sequence[Any], at_once: int = COMMANDS_AT_ONCE) -> int:
    """Insert every document, unordered, in commands of `INSERTS_PER_COMMAND`, `at_once` at a time; returns how
    many were inserted. A document whose `_id` is stored already counts as done, not as an error (idempotent
    writes: a redelivery, or a write again after a crash); any other write error is raised."""

    async def write(command: list[Any]) -> int:
        try:
            return len((await collection.insert_many(command, ordered=False)).inserted_ids)
        except BulkWriteError as exc:
            if not only_duplicate_keys(exc):
                raise
            return int(exc.details.get("nInserted", 0))

    return sum(await side_by_side(cut(documents, INSERTS_PER_COMMAND), write, at_once))
