"""Durable before acknowledged: every service's client writes with w=majority and j=true by default, and the real
MongoDB-wire database (FerretDB locally, a mongod replica set in compose) accepts those writes of every kind."""

from collections.abc import AsyncIterator

import pytest
from gridfs import AsyncGridFSBucket
from pymongo import InsertOne, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.write_concern import WriteConcern

from profilehub_shared.mongo import database, open_mongo
from profilehub_shared.settings import ServiceSettings
from tests.conftest import latin_name


@pytest.fixture
async def durable_db(settings: ServiceSettings) -> AsyncIterator[AsyncDatabase]:
    client = open_mongo(settings, "test-durable")
    try:
        yield database(client, settings)
    finally:
        await client.close()


def test_services_write_with_majority_and_journal_by_default(settings: ServiceSettings) -> None:
    client = open_mongo(settings, "test-durable")
    assert client.write_concern == WriteConcern(w="majority", j=True)
    assert ServiceSettings().mongo_write_concern == "majority" and ServiceSettings().mongo_journal is True


@pytest.mark.parametrize(
    ("w", "j", "expected"), [("1", False, WriteConcern(w=1, j=False)), ("2", True, WriteConcern(w=2, j=True))]
)
def test_the_write_concern_is_a_setting(settings: ServiceSettings, w: str, j: bool, expected: WriteConcern) -> None:
    chosen = settings.model_copy(update={"mongo_write_concern": w, "mongo_journal": j})
    assert open_mongo(chosen, "test-durable").write_concern == expected


def test_a_write_concern_that_is_no_number_nor_majority_is_refused() -> None:
    with pytest.raises(ValueError, match="mongo_write_concern"):
        ServiceSettings(mongo_write_concern="most")


async def test_every_kind_of_write_is_acknowledged_with_majority_and_journal(durable_db: AsyncDatabase) -> None:
    coll = durable_db[latin_name("durable")]
    assert coll.write_concern == WriteConcern(w="majority", j=True)
    assert (await coll.insert_one({"_id": "a", "n": 1})).acknowledged
    assert len((await coll.insert_many([{"_id": f"m{i}"} for i in range(50)], ordered=False)).inserted_ids) == 50
    assert (await coll.update_one({"_id": "a"}, {"$inc": {"n": 1}})).modified_count == 1
    assert (await coll.update_one({"_id": "u"}, {"$set": {"n": 7}}, upsert=True)).upserted_id == "u"
    result = await coll.bulk_write([InsertOne({"_id": "b"}), UpdateOne({"_id": "b"}, {"$set": {"n": 3}})])
    assert (result.inserted_count, result.modified_count) == (1, 1)
    assert (await coll.find_one_and_update({"_id": "a"}, {"$set": {"claimed": True}}))["n"] == 2
    assert (await coll.delete_many({"_id": {"$regex": "^m"}})).deleted_count == 50
    assert await coll.find_one({"_id": "a"}) == {"_id": "a", "n": 2, "claimed": True}
    await coll.drop()


async def test_gridfs_files_are_stored_with_majority_and_journal(durable_db: AsyncDatabase) -> None:
    bucket = AsyncGridFSBucket(durable_db, bucket_name=latin_name("files"))
    file_id = await bucket.upload_from_stream("a.txt", b"x" * 300_000)
    assert await (await bucket.open_download_stream(file_id)).read() == b"x" * 300_000
