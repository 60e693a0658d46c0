"""Bulk writes cut in commands sent side by side: every piece written, a few at a time, errors after all ended."""

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from profilehub_shared.bulk_writes import cut, side_by_side


@given(st.lists(st.integers()), st.integers(min_value=1, max_value=50))
def test_the_pieces_hold_every_item_once_in_order(items: list[int], size: int) -> None:
    pieces = cut(items, size)
    assert [i for p in pieces for i in p] == items
    assert all(0 < len(p) <= size for p in pieces)


async def test_pieces_are_written_at_most_a_few_at_a_time_and_every_result_is_kept() -> None:
    running = most = 0

    async def write(piece: list[int]) -> int:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.001)
        running -= 1
        return sum(piece)

    done = await side_by_side(cut(list(range(100)), 7), write, at_once=3)
    assert most == 3
    assert sum(done) == sum(range(100))


async def test_a_failed_piece_is_raised_once_every_other_piece_has_been_written() -> None:
    written: list[int] = []

    async def write(piece: list[int]) -> None:
        await asyncio.sleep(0.001 * piece[0])
        if piece[0] == 0:
            raise RuntimeError("piece 0 refused")
        written.extend(piece)

    with pytest.raises(RuntimeError, match="piece 0 refused"):
        await side_by_side(cut(list(range(20)), 5), write, at_once=2)
    assert sorted(written) == list(range(5, 20))
