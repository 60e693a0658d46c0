"""An import's events go to the partition a single publish of each would pick: aiokafka's default partitioner."""

import pytest
from aiokafka.partitioner import DefaultPartitioner, murmur2
from hypothesis import given
from hypothesis import strategies as st

from profilehub_shared import keyed_batches

pytestmark = pytest.mark.unit


@given(st.binary(max_size=80))
def test_the_hash_is_kafkas_murmur2(key: bytes) -> None:
    assert keyed_batches.murmur2(key) == murmur2(key)


@given(st.binary(min_size=1, max_size=80), st.lists(st.integers(0, 50), min_size=1, max_size=12, unique=True))
def test_the_partition_is_the_default_partitioners(key: bytes, partitions: list[int]) -> None:
    ordered = sorted(partitions)
    assert keyed_batches.partition_of(key, ordered) == DefaultPartitioner()(key, ordered, ordered)
