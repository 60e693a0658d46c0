"""What the code relies on from the MongoDB-wire database, where deploy/local patches FerretDB (deploy/local/ferretdb):
many update statements in one command finish, filters by `_id` and `$in` give MongoDB's answers, and concurrent
updates of one document all land (no lost update), as they do on MongoDB."""

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from bson import ObjectId
from gridfs import AsyncGridFSBucket
from gridfs.errors import CorruptGridFile
from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.bulk_writes import (
    COMMANDS_AT_ONCE,
    INSERTS_PER_COMMAND,
    UPDATES_PER_COMMAND,
    bulk_update,
    insert_all,
)
from profilehub_shared.mongo import IN_PIECE, delete_matching, find_all, in_pieces
from profilehub_shared.stored_files import FileTooLarge, store_file, stored_file_chunks
from tests.conftest import latin_name

STATEMENTS = 450  # more than FerretDB's pool of connections (50), and than two commands of bulk_update
WRITERS = 24


async def test_concurrent_updates_of_one_document_all_land(mongo: AsyncDatabase) -> None:
    """Services set different fields of one profile at once (has_interactions, ml.bst, an import's values)."""
    coll = mongo[latin_name("concurrent")]
    await coll.insert_one({"_id": "p", "n": 0})
    for round_ in range(3):
        await asyncio.gather(
            *(coll.update_one({"_id": "p"}, {"$set": {f"f{round_}_{i}": i}}) for i in range(WRITERS)),
            *(coll.update_one({"_id": "p"}, {"$inc": {"n": 1}}) for _ in range(WRITERS)),
        )
    doc = await coll.find_one({"_id": "p"})
    assert doc is not None
    missing = [f"f{r}_{i}" for r in range(3) for i in range(WRITERS) if f"f{r}_{i}" not in doc]
    assert missing == [] and doc["n"] == 3 * WRITERS


async def test_updates_by_id_and_by_another_filter_at_once_all_land(mongo: AsyncDatabase) -> None:
    """Updates by `_id` run side by side (FerretDB patch: one lock stripe per id); one by another filter (a bulk
    update, `has_interactions` by `$in`) must still not interleave with them on the same documents."""
    coll = mongo[latin_name("mixed")]
    await coll.insert_many([{"_id": f"p{i}", "n": 0, "m": 0} for i in range(10)])
    await asyncio.gather(
        *(coll.update_one({"_id": f"p{i % 10}"}, {"$inc": {"n": 1}}) for i in range(10 * WRITERS)),
        *(coll.update_many({"n": {"$gte": 0}}, {"$inc": {"m": 1}}) for _ in range(WRITERS // 4)),
        *(coll.update_one({"_id": f"p{i % 10}"}, {"$set": {f"f{i}": i}}) for i in range(10 * WRITERS)),
    )
    docs = [d async for d in coll.find({})]
    assert [d["n"] for d in docs] == [WRITERS] * 10
    assert [d["m"] for d in docs] == [WRITERS // 4] * 10
    assert all(len([k for k in d if k.startswith("f")]) == WRITERS for d in docs)


async def test_concurrent_find_one_and_update_never_takes_one_document_twice(mongo: AsyncDatabase) -> None:
    """What job leases and promo-code claims rely on: each claim takes a different free document."""
    coll = mongo[latin_name("claims")]
    await coll.insert_many([{"_id": f"c{i:03d}", "owner": None} for i in range(WRITERS)])
    taken = await asyncio.gather(
        *(
            coll.find_one_and_update({"owner": None}, {"$set": {"owner": f"w{w}"}}, sort=[("_id", 1)])
            for w in range(WRITERS)
        )
    )
    ids = [d["_id"] for d in taken if d is not None]
    assert len(ids) == WRITERS and len(set(ids)) == WRITERS
    assert await coll.count_documents({"owner": None}) == 0


async def test_one_command_of_many_update_statements_finishes(mongo: AsyncDatabase) -> None:
    coll = mongo[latin_name("updates")]
    await coll.insert_many([{"_id": f"p{i}", "n": 0} for i in range(STATEMENTS)])
    async with asyncio.timeout(60):
        result = await coll.bulk_write(
            [UpdateOne({"_id": f"p{i}"}, {"$set": {"n": i}}) for i in range(STATEMENTS)], ordered=False
        )
    assert result.modified_count == STATEMENTS - 1  # p0 is set to the 0 it had
    assert await coll.count_documents({"n": 0}) == 1


async def test_statements_of_one_command_see_the_changes_of_those_before_them(mongo: AsyncDatabase) -> None:
    """FerretDB patch: a command of updates by `_id` reads its documents once and changes them in order."""
    coll = mongo[latin_name("in_order")]
    oid = ObjectId()
    await coll.insert_many([{"_id": "a", "n": 0}, {"_id": "b", "rev": 0}, {"_id": oid, "n": 0}, {"_id": 7, "n": 0}])
    result = await coll.bulk_write(
        [
            UpdateOne({"_id": "a"}, {"$inc": {"n": 1}}),
            UpdateOne({"_id": "b", "rev": 0}, {"$set": {"rev": 1, "first": True}}),
            UpdateOne({"_id": "a"}, {"$inc": {"n": 1}}),
            UpdateOne({"_id": "b", "rev": 0}, {"$set": {"stale": True}}),  # the guard moved on: no match
            UpdateOne({"_id": "b", "rev": 1}, {"$set": {"rev": 2}}),
            UpdateOne({"_id": oid}, {"$set": {"n": 5, "m.k": "v"}}),
            UpdateOne({"_id": "missing"}, {"$set": {"n": 1}}),
            UpdateOne({"_id": "a"}, {"$set": {"n": 2}}),  # already 2: matched, not modified
        ],
        ordered=True,
    )
    assert (result.matched_count, result.modified_count) == (6, 5)
    assert {d["_id"]: {k: v for k, v in d.items() if k != "_id"} async for d in coll.find({})} == {
        "a": {"n": 2},
        "b": {"rev": 2, "first": True},
        oid: {"n": 5, "m": {"k": "v"}},
        7: {"n": 0},
    }


async def test_a_failing_statement_stops_an_ordered_command_after_the_ones_before_it(mongo: AsyncDatabase) -> None:
    coll = mongo[latin_name("failing")]
    await coll.insert_many([{"_id": "a", "n": 0}, {"_id": "b", "n": "text"}, {"_id": "c", "n": 0}])
    # The command itself: FerretDB's reply to a failed statement lacks `n`, which PyMongo's bulk_write needs.
    reply = await mongo.command(
        "update",
        coll.name,
        updates=[{"q": {"_id": k}, "u": {"$inc": {"n": 1}}} for k in ("a", "b", "c")],  # $inc of b's text fails
        ordered=True,
    )
    assert reply["writeErrors"][0]["code"] == 14  # TypeMismatch
    assert [d["n"] async for d in coll.find({}).sort("_id", 1)] == [1, "text", 0]


async def test_concurrent_commands_over_the_same_documents_lose_no_update(mongo: AsyncDatabase) -> None:
    """Each command locks the stripes of all its ids, in one order: overlapping commands neither lose an update
    nor wait on each other for ever."""
    coll = mongo[latin_name("overlap")]
    ids = [f"p{i:03d}" for i in range(STATEMENTS)]
    await coll.insert_many([{"_id": i, "n": 0} for i in ids])

    async def writer(w: int) -> None:
        mine = ids[w:] + ids[:w] if w % 2 else list(reversed(ids))
        await coll.bulk_write([UpdateOne({"_id": i}, {"$inc": {"n": 1}}) for i in mine], ordered=False)

    async with asyncio.timeout(120):
        await asyncio.gather(*(writer(w) for w in range(WRITERS)), *(coll.update_one({"_id": "p000"},
            {"$inc": {"n": 1}}) for _ in range(WRITERS)))  # fmt: skip
    counts = {d["_id"]: d["n"] async for d in coll.find({})}
    assert counts == {i: WRITERS + (WRITERS if i == "p000" else 0) for i in ids}


async def test_bulk_update_counts_modified_and_upserted_across_commands(mongo: AsyncDatabase) -> None:
    assert STATEMENTS > 2 * UPDATES_PER_COMMAND
    coll = mongo[latin_name("updates")]
    await coll.insert_many([{"_id": f"p{i}", "n": 0} for i in range(STATEMENTS // 2)])
    updates = [UpdateOne({"_id": f"p{i}"}, {"$set": {"n": i + 1}}, upsert=True) for i in range(STATEMENTS)]
    async with asyncio.timeout(60):
        matched, modified, upserted = await bulk_update(coll, updates)
    assert (matched, modified, upserted) == (STATEMENTS // 2, STATEMENTS // 2, STATEMENTS - STATEMENTS // 2)
    assert sorted([d["n"] async for d in coll.find({}, {"n": 1})]) == list(range(1, STATEMENTS + 1))


async def test_insert_all_stores_every_document_once_across_side_by_side_commands(mongo: AsyncDatabase) -> None:
    documents = [{"_id": f"d{i:05d}", "n": i} for i in range(3 * INSERTS_PER_COMMAND + 7)]
    assert len(documents) > COMMANDS_AT_ONCE * INSERTS_PER_COMMAND / 2
    coll = mongo[latin_name("inserts")]
    await coll.insert_many(documents[5:900:7])  # stored already, by a write before a crash: done, not an error
    async with asyncio.timeout(60):
        inserted = await insert_all(coll, documents)
    assert inserted == len(documents) - len(documents[5:900:7])
    assert sorted([d["n"] async for d in coll.find({}, {"n": 1})]) == list(range(len(documents)))


async def test_id_filters_find_exactly_the_documents_with_that_id(mongo: AsyncDatabase) -> None:
    coll = mongo[latin_name("ids")]
    oid = ObjectId()
    await coll.insert_many([{"_id": f"p{i}", "n": i} for i in range(50)] + [{"_id": oid, "n": -1}, {"_id": 7, "n": -2}])
    assert (await coll.find_one({"_id": "p3"}) or {}).get("n") == 3
    assert (await coll.find_one({"_id": oid}) or {}).get("n") == -1
    assert (await coll.find_one({"_id": 7}) or {}).get("n") == -2
    assert await coll.find_one({"_id": "p"}) is None
    assert {d["_id"] async for d in coll.find({"_id": {"$in": ["p1", "p2", "nope", oid]}})} == {"p1", "p2", oid}
    assert {d["_id"] async for d in coll.find({"_id": {"$in": ["p1", 7]}})} == {"p1", 7}
    assert await coll.count_documents({"_id": {"$in": []}}) == 0
    assert (await coll.update_one({"_id": "p4"}, {"$set": {"n": 40}})).modified_count == 1
    assert (await coll.delete_many({"_id": {"$in": ["p5", "p6"]}})).deleted_count == 2
    assert sorted([d["n"] async for d in coll.find({"_id": {"$in": ["p4", "p5", "p6"]}})]) == [40]


@pytest.mark.parametrize("indexed", [False, True])
async def test_in_on_a_field_matches_scalars_and_array_elements_only(mongo: AsyncDatabase, indexed: bool) -> None:
    coll = mongo[latin_name("ins")]
    if indexed:  # the pushed-down lookup then goes through the index (values, and arrays that may hold one)
        await coll.create_index("email")
    await coll.insert_many(
        [
            {"_id": "scalar", "email": "a@x"},
            {"_id": "array", "email": ["b@x", "c@x"]},
            {"_id": "number", "email": 5},
            {"_id": "nested", "email": {"v": "a@x"}},
            {"_id": "missing"},
            {"_id": "other", "email": "z@x"},
            {"_id": "empty", "email": []},
            {"_id": "true", "email": True},
            {"_id": "mixed", "email": [1, "d@x", {"a": 1}]},
            {"_id": "object_in_array", "email": [{"a@x": 1}, {"c@x": 2}]},  # no element is one of the strings
            {"_id": "later", "email": ["y@x", "z@x", "a@x"]},
        ]
    )

    async def ids(values: list[object]) -> set[str]:
        return {d["_id"] async for d in coll.find({"email": {"$in": values}})}

    assert await ids(["a@x", "c@x"]) == {"scalar", "array", "later"}
    assert await ids(["b@x"]) == {"array"}
    assert await ids([5, "nope"]) == {"number"}
    assert await ids([None]) == {"missing"}
    assert await ids(["v"]) == set()
    assert await ids(["d@x", "z@x"]) == {"mixed", "other", "later"}


async def test_a_file_larger_than_one_reply_is_read_back_whole(mongo: AsyncDatabase) -> None:
    bucket = latin_name("files")
    data = os.urandom(50 * 1024 * 1024)  # past FerretDB's 48 MB message limit when a getMore has no batch size
    file_id = await AsyncGridFSBucket(mongo, bucket).upload_from_stream("big.bin", data)
    digest = hashlib.sha256()
    async for chunk in stored_file_chunks(mongo, bucket, file_id):
        digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
    await mongo[f"{bucket}.chunks"].delete_one({"files_id": file_id, "n": 3})
    with pytest.raises(CorruptGridFile, match="chunk 3 is missing"):
        async for _ in stored_file_chunks(mongo, bucket, file_id):
            pass


async def test_deleting_more_documents_than_one_sql_statement_holds(mongo: AsyncDatabase) -> None:
    """FerretDB 1.x fails a delete_many matching over 65,535 documents; `delete_matching` deletes them in chunks,
    each the range of its ids, which must spare the documents inside a range that the query does not match, and
    ids of every kind (numbers, text, object ids, documents) mixed in one collection."""
    coll = mongo[latin_name("deletes")]
    many = 70_000
    kept = {i for i in range(0, many, 7)}  # inside every range, not matched
    for start in range(0, many, 10_000):
        docs = [{"_id": i, "group": "b" if i in kept else "a"} for i in range(start, start + 10_000)]
        await coll.insert_many(docs)
    others: list[Any] = [*(f"t{i}" for i in range(50)), *(ObjectId() for _ in range(50)), {"k": 1}, 2.5, True]
    await coll.insert_many([{"_id": i, "group": "a"} for i in others])
    await coll.insert_many([{"_id": "keep", "group": "b"}, {"_id": ObjectId(), "group": "b"}])
    expected = many - len(kept) + len(others)
    assert await delete_matching(coll, {"group": "a"}) == expected
    assert await coll.count_documents({"group": "a"}) == 0
    assert await coll.count_documents({"group": "b"}) == len(kept) + 2


async def test_a_long_in_list_finds_what_one_query_finds_each_document_once(mongo: AsyncDatabase) -> None:
    """`find_all` asks a list longer than `IN_PIECE` in pieces: the same documents as the single query, a document
    matched by values in two pieces given once, other conditions and the projection kept."""
    coll = mongo[latin_name("pieces")]
    count = 3 * IN_PIECE
    docs = [{"_id": f"p{i}", "phones": [f"a{i}", f"b{i}"], "kind": i % 2, "x": i} for i in range(count)]
    await coll.insert_many(docs)
    wanted = [f"a{i}" for i in range(0, count, 2)] + [f"b{i}" for i in range(0, count, 2)] + ["a-none"]
    query = {"phones": {"$in": wanted}, "kind": 0}
    assert len(in_pieces(query)) > 2
    found = await find_all(coll, query, {"x": 1})
    one_query = await coll.find(query, {"x": 1}).to_list()
    assert sorted(d["_id"] for d in found) == sorted(d["_id"] for d in one_query)
    assert len(found) == count // 2 and {tuple(d) for d in found} == {("_id", "x")}
    with pytest.raises(ValueError, match="keep _id"):
        await find_all(coll, query, {"_id": 0, "x": 1})


async def test_stored_files_read_back_through_gridfs_and_a_file_over_its_limit_leaves_nothing(
    mongo: AsyncDatabase,
) -> None:
    bucket = latin_name("files")
    data = os.urandom(3 * 1024 * 1024 + 17)

    async def pieces(size: int) -> AsyncIterator[bytes]:
        for start in range(0, len(data), size):
            yield data[start : start + size]

    length = await store_file(mongo, bucket, "f1", "f1.bin", {"content_type": "x"}, pieces(100_003))
    assert length == len(data)
    assert b"".join([c async for c in stored_file_chunks(mongo, bucket, "f1")]) == data
    grid_out = await AsyncGridFSBucket(mongo, bucket).open_download_stream("f1")  # PyMongo reads it as its own
    assert await grid_out.read() == data and grid_out.metadata == {"content_type": "x"}

    with pytest.raises(FileTooLarge):
        await store_file(mongo, bucket, "f2", "f2.bin", {}, pieces(1_000_000), limit=2_000_000)
    assert await mongo[f"{bucket}.files"].count_documents({"_id": "f2"}) == 0
    assert await mongo[f"{bucket}.chunks"].count_documents({"files_id": "f2"}) == 0
