"""The cheap bound on a change's size as JSON is never below the size of the event that carries it."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import to_json

from importer_service.change_events import change_json
from importer_service.domain.event_size import ENVELOPE_BYTES, changes_bound, upper_bound
from importer_service.domain.merge import Merged
from tests.unit.importer.test_writes import database

values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
)


@given(value=values)
def test_the_bound_holds_for_any_value(value: Any) -> None:
    assert upper_bound(value) >= len(to_json(value))  # how events are written


@given(changes=st.dictionaries(st.text(min_size=1), st.tuples(values, values), max_size=5))
def test_the_bound_of_changes_holds(changes: dict[str, tuple[Any, Any]]) -> None:
    event = change_json(database(), Merged("updated", {"_id": "p" * 64}, changes), "import_file", "j" * 64)
    assert changes_bound(changes) >= len(event.encode())


@given(changes=st.dictionaries(st.text(min_size=1), st.tuples(values, values), max_size=5))
def test_the_bound_of_changes_is_the_bound_of_each_value(changes: dict[str, tuple[Any, Any]]) -> None:
    """Its shortcuts for text and for no old value give what `upper_bound` gives them."""
    each = sum(6 * len(path) + 34 + upper_bound(old) + upper_bound(new) for path, (old, new) in changes.items())
    assert changes_bound(changes) == ENVELOPE_BYTES + each
