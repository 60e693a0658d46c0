"""The profile counter's notes of expected profiles are stored packed, and read back as the ids they hold."""

from hypothesis import given
from hypothesis import strategies as st

from profilehub_shared.counts import expected_of, expected_writes, packed_ids, unpacked_ids


@given(st.lists(st.text()))
def test_packed_ids_read_back_as_they_were(ids: list[str]) -> None:
    assert unpacked_ids(packed_ids(ids)) == ids


def test_notes_of_an_earlier_version_as_plain_lists_are_read_too() -> None:
    counter = {"count": 3, "expected": {"old": ["a", "b"], "new": packed_ids(["c"])}}
    assert expected_writes(counter) == {"old": ["a", "b"], "new": ["c"]}
    assert expected_of(counter) == {"a", "b", "c"}
    assert expected_of({"count": 0}) == set()
