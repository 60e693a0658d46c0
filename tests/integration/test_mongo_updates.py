"""Many update statements in one go finish: FerretDB 1.x once held a connection per statement until the command
ended and hung past its pool of 50 (deploy/local/ferretdb patches it; `bulk_update` stays under it anyway)."""

import asyncio

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.mongo import UPDATES_PER_COMMAND, bulk_update
from tests.conftest import latin_name

STATEMENTS = 120


async def test_one_command_of_many_update_statements_finishes(mongo: AsyncDatabase) -> None:
    coll = mongo[latin_name("updates")]
    await coll.insert_many([{"_id": f"p{i}", "n": 0} for i in range(STATEMENTS)])
    async with asyncio.timeout(60):
        result = await coll.bulk_write(
            [UpdateOne({"_id": f"p{i}"}, {"$set": {"n": i}}) for i in range(STATEMENTS)], ordered=False
        )
    assert result.modified_count == STATEMENTS - 1  # p0 is set to the 0 it had
    assert await coll.count_documents({"n": 0}) == 1


async def test_bulk_update_counts_modified_and_upserted_across_commands(mongo: AsyncDatabase) -> None:
    assert STATEMENTS > 2 * UPDATES_PER_COMMAND
    coll = mongo[latin_name("updates")]
    await coll.insert_many([{"_id": f"p{i}", "n": 0} for i in range(STATEMENTS // 2)])
    updates = [UpdateOne({"_id": f"p{i}"}, {"$set": {"n": i + 1}}, upsert=True) for i in range(STATEMENTS)]
    async with asyncio.timeout(60):
        modified, upserted = await bulk_update(coll, updates)
    assert (modified, upserted) == (STATEMENTS // 2, STATEMENTS - STATEMENTS // 2)
    assert sorted([d["n"] async for d in coll.find({}, {"n": 1})]) == list(range(1, STATEMENTS + 1))
