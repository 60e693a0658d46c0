"""A change event built as a plain document is the very JSON the contract's model gives, for any field values."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from importer_service.change_events import change_json
from importer_service.domain.merge import Merged
from profilehub_shared.contracts.profiles import FieldChange, ProfileChanged
from tests.unit.importer.test_writes import database

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
    st.datetimes(timezones=st.just(UTC)),
    st.dates(),
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3)
)
changes = st.dictionaries(st.text(min_size=1), st.tuples(values, values), max_size=6)


def as_json_value(value: Any) -> Any:
    """What the field rules hand over, as the model stores it (dates as ISO text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return [as_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: as_json_value(v) for k, v in value.items()}
    return value


@given(changes=changes, outcome=st.sampled_from(["created", "updated"]), job_id=st.none() | st.text(max_size=8))
def test_change_json_is_what_the_model_gives(
    changes: dict[str, tuple[Any, Any]], outcome: str, job_id: str | None
) -> None:
    db = database()
    merged = Merged(outcome, {"_id": "p1"}, changes)  # type: ignore[arg-type]
    event_id = uuid.uuid4()
    text = change_json(db, merged, "import_file", job_id, event_id)
    read = ProfileChanged.model_validate_json(text)
    expected = ProfileChanged(
        event_id=event_id,
        occurred_at=read.occurred_at,
        database_id=db.id,
        profile_id="p1",
        change=outcome,  # type: ignore[arg-type]
        source="import_file",
        job_id=job_id,
        changes=[FieldChange(field=f, old=as_json_value(o), new=as_json_value(n)) for f, (o, n) in changes.items()],
    )
    assert text == expected.model_dump_json()
    assert read.occurred_at.tzinfo is not None and abs((datetime.now(UTC) - read.occurred_at).total_seconds()) < 60


@given(
    occurred_at=st.datetimes(timezones=st.just(UTC))
    | st.datetimes(timezones=st.just(UTC)).map(lambda t: t.replace(microsecond=0)),
    value=st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(codec="utf-8")),
)
def test_times_numbers_and_text_are_written_as_the_model_writes_them(occurred_at: datetime, value: Any) -> None:
    """Whole seconds (no fraction), the ends of int64, floats in exponent form, any text the codec takes."""
    db = database()
    merged = Merged("created", {"_id": "p1"}, {"fields.x": (None, value)})
    event_id = uuid.uuid4()
    text = change_json(db, merged, "import_file", "j", event_id, occurred_at)
    expected = ProfileChanged(
        event_id=event_id,
        occurred_at=occurred_at,
        database_id=db.id,
        profile_id="p1",
        change="created",
        source="import_file",
        job_id="j",
        changes=[FieldChange(field="fields.x", old=None, new=value)],
    )
    assert text == expected.model_dump_json()
