"""A long `$in` list is asked in pieces that together match what the query matches, and nothing else."""

import asyncio
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from profilehub_shared.mongo import IN_PIECE, PIECES_AT_ONCE, find_all, in_pieces

pytestmark = pytest.mark.unit

values = st.lists(st.integers() | st.text(max_size=5), max_size=40)
others = st.dictionaries(st.sampled_from(["list_id", "kind", "fields.x"]), st.text(max_size=4), max_size=2)


@given(listed=values, rest=others, piece=st.integers(min_value=1, max_value=12))
def test_the_pieces_hold_every_value_once_in_order_with_the_rest_of_the_query(
    listed: list[Any], rest: dict[str, Any], piece: int
) -> None:
    query = rest | {"email": {"$in": listed}}
    queries = in_pieces(query, piece)
    if len(listed) <= piece:
        assert queries == [query]
        return
    assert [v for q in queries for v in q["email"]["$in"]] == listed
    assert all(0 < len(q["email"]["$in"]) <= piece for q in queries)
    assert all({k: v for k, v in q.items() if k != "email"} == rest for q in queries)
    assert query["email"]["$in"] == listed  # the caller's query is not changed


def test_the_longest_list_is_cut_and_other_operators_are_left_whole() -> None:
    query = {"a": {"$in": [1, 2, 3]}, "b": {"$in": list(range(7))}, "c": {"$in": list(range(9)), "$ne": 4}}
    queries = in_pieces(query, 3)
    assert [q["b"]["$in"] for q in queries] == [[0, 1, 2], [3, 4, 5], [6]]
    assert all(q["a"] == query["a"] and q["c"] == query["c"] for q in queries)
    assert in_pieces({"c": query["c"], "d": {"$nin": list(range(9))}}, 3) == [
        {"c": query["c"], "d": {"$nin": list(range(9))}}
    ]


class CountingCollection:
    """Answers each find with the listed ids after a pause, and notes how many finds ran at once."""

    def __init__(self) -> None:
        self.running = self.most = 0

    def find(self, query: dict[str, Any], projection: Any = None, batch_size: int = 0) -> "CountingCollection.Cursor":
        return self.Cursor(self, query["_id"]["$in"])

    class Cursor:
        def __init__(self, owner: "CountingCollection", ids: list[Any]) -> None:
            self.owner, self.ids = owner, ids

        async def to_list(self) -> list[dict[str, Any]]:
            self.owner.running += 1
            self.owner.most = max(self.owner.most, self.owner.running)
            await asyncio.sleep(0.001)
            self.owner.running -= 1
            return [{"_id": i} for i in self.ids]


async def test_a_very_long_list_is_asked_a_few_pieces_at_a_time() -> None:
    coll = CountingCollection()
    ids = [*range(40 * IN_PIECE), 0, 1]  # 41 pieces, two ids listed twice
    found = await find_all(coll, {"_id": {"$in": ids}})  # type: ignore[arg-type]
    assert sorted(d["_id"] for d in found) == list(range(40 * IN_PIECE))
    assert coll.most == PIECES_AT_ONCE
