"""The exported `ml.bst`: UTC hours read from the local best hours with the zone's offset at the export's moment."""

from datetime import UTC, datetime

from profilehub_shared.exporting.columns import column
from profilehub_shared.send_time import next_utc_hours
from tests.unit.filters.conftest import make_db


def test_exported_utc_hours_are_the_local_best_hours_at_the_moment_of_export() -> None:
    get = column(make_db(), "ml.bst", 0).get
    stored = {"hours": [23], "weekdays": [1], "confidence": 0.5, "local_hours": [9, 20], "timezone": "America/New_York"}
    before = next_utc_hours([9, 20], "America/New_York", datetime.now(UTC))
    exported = get({"ml": {"bst": stored}})
    after = next_utc_hours([9, 20], "America/New_York", datetime.now(UTC))
    assert exported["hours"] in (before, after)  # not the stale 23 written at scoring
    assert {k: v for k, v in exported.items() if k != "hours"} == {k: v for k, v in stored.items() if k != "hours"}


def test_a_score_without_zone_is_exported_as_stored() -> None:
    get = column(make_db(), "ml.bst", 0).get
    old = {"hours": [7], "weekdays": [1], "confidence": 0.5}
    assert get({"ml": {"bst": old}}) == old
    assert get({}) is None
