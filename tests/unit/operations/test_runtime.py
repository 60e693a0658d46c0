"""The garbage collector a started service runs with: long-lived objects frozen out of its passes, passes rarer,
cycles still collected."""

import gc
from collections.abc import Iterator

import pytest

from profilehub_shared.runtime import settle_garbage_collector


@pytest.fixture
def collector_restored() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_what_lives_at_start_is_frozen_and_passes_come_rarely(collector_restored: None) -> None:
    kept = [Node() for _ in range(100)]
    settle_garbage_collector(youngest=12_345)
    assert gc.get_freeze_count() >= len(kept)
    assert gc.get_threshold()[0] == 12_345


def test_cycles_made_later_are_still_collected(collector_restored: None) -> None:
    settle_garbage_collector()
    a, b = Node(), Node()
    a.other, b.other = b, a
    del a, b
    assert gc.collect() >= 2
