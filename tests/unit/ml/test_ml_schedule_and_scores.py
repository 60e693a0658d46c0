"""The refresh schedule with a controllable clock, and estimates turned into what profiles store."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ml_service.bst.model import BestSendTime
from ml_service.schedule import last_refresh_due, next_refresh_at, scheduled_job_id
from ml_service.scores import stored
from profilehub_shared.send_time import next_utc_hour


@pytest.mark.parametrize(
    ("hour", "now", "due"),
    [
        (0, datetime(2026, 3, 10, 12, 30, tzinfo=UTC), datetime(2026, 3, 11, 0, 0, tzinfo=UTC)),
        (13, datetime(2026, 3, 10, 12, 59, 59, tzinfo=UTC), datetime(2026, 3, 10, 13, 0, tzinfo=UTC)),
        (13, datetime(2026, 3, 10, 13, 0, 1, tzinfo=UTC), datetime(2026, 3, 11, 13, 0, tzinfo=UTC)),
        (23, datetime(2026, 12, 31, 23, 30, tzinfo=UTC), datetime(2027, 1, 1, 23, 0, tzinfo=UTC)),
    ],
)
def test_the_daily_refresh_fires_at_the_configured_utc_hour(hour: int, now: datetime, due: datetime) -> None:
    assert next_refresh_at(hour, now) == due


@given(st.integers(0, 23), st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)))
def test_the_last_firing_is_within_a_day_before_and_the_next_within_a_day_after(hour: int, now: datetime) -> None:
    last, upcoming = last_refresh_due(hour, now), next_refresh_at(hour, now)
    assert last.hour == upcoming.hour == hour and last.minute == upcoming.minute == 0
    assert now - timedelta(days=1) < last <= now <= upcoming < now + timedelta(days=1, seconds=1)


def test_one_job_id_per_database_and_firing() -> None:
    fire = datetime(2026, 3, 10, 0, 0, tzinfo=UTC)
    assert scheduled_job_id("db1", fire) == scheduled_job_id("db1", fire) == "ml-db1-20260310T00"
    assert scheduled_job_id("db1", fire + timedelta(days=1)) != scheduled_job_id("db1", fire)


SUMMER, WINTER = datetime(2026, 7, 1, 12, tzinfo=UTC), datetime(2026, 1, 15, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "now", "local", "utc"),
    [
        (None, SUMMER, 9, 9),
        ("Europe/Berlin", WINTER, 9, 8),
        ("Europe/Berlin", SUMMER, 9, 7),
        ("Asia/Tokyo", SUMMER, 8, 23),
        ("America/New_York", WINTER, 22, 3),
        ("Not/AZone", SUMMER, 5, 5),
        # Scored the day before a transition: the next 09:00 falls after it, and is read with that offset.
        ("Europe/Berlin", datetime(2026, 3, 28, 12, tzinfo=UTC), 9, 7),  # next 09:00 is CEST
        ("Europe/Berlin", datetime(2026, 10, 24, 12, tzinfo=UTC), 9, 8),  # next 09:00 is CET
        ("America/New_York", datetime(2026, 3, 7, 18, tzinfo=UTC), 9, 13),  # next 09:00 is EDT
        ("America/New_York", datetime(2026, 10, 31, 18, tzinfo=UTC), 9, 14),  # next 09:00 is EST
        ("Asia/Tokyo", datetime(2026, 3, 28, 12, tzinfo=UTC), 9, 0),
        ("Asia/Kolkata", datetime(2026, 3, 28, 12, tzinfo=UTC), 9, 3),  # 09:00 IST begins at 03:30 UTC
        # A local hour the spring jump skips comes the next day, in summer time.
        ("Europe/Berlin", datetime(2026, 3, 28, 12, tzinfo=UTC), 2, 0),
        # The local hour under way still counts as the next.
        ("Europe/Berlin", datetime(2026, 1, 15, 8, 40, tzinfo=UTC), 9, 8),
    ],
)
def test_local_hours_are_published_in_utc_with_the_offset_of_their_next_occurrence(
    zone: str | None, now: datetime, local: int, utc: int
) -> None:
    assert next_utc_hour(local, zone, now) == utc


@given(
    st.datetimes(datetime(2024, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)),
    st.integers(0, 23),
    st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Asia/Kolkata", "Australia/Lord_Howe"]),
)
def test_the_published_utc_hour_is_when_the_local_clock_next_shows_the_hour(
    now: datetime, local: int, zone: str
) -> None:
    """The oracle walks the clock in quarter hours (zones' offsets are whole quarters): from the quarter under way,
    the first moment the local clock shows the hour, back to where that hour began at the same offset."""
    tz = ZoneInfo(zone)
    moment = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    while moment.astimezone(tz).hour != local:
        moment += timedelta(minutes=15)
    earlier = moment - timedelta(minutes=15)
    while (
        earlier.astimezone(tz).hour == local and earlier.astimezone(tz).utcoffset() == moment.astimezone(tz).utcoffset()
    ):
        moment, earlier = earlier, earlier - timedelta(minutes=15)
    assert next_utc_hour(local, zone, now) == moment.hour


def test_an_estimate_is_stored_in_local_time_with_its_zone_utc_hours_iso_weekdays_and_a_bounded_confidence() -> None:
    estimate = BestSendTime(hours=(9, 14, 20), weekdays=(0, 6), confidence=0.812345, hour_probabilities=(),
                            weekday_probabilities=())  # fmt: skip
    bst = stored(estimate, "Europe/Berlin", WINTER)
    assert (bst.hours, bst.weekdays, bst.confidence) == ([8, 13, 19], [1, 7], 0.8123)
    assert (bst.local_hours, bst.timezone, bst.source) == ([9, 14, 20], "Europe/Berlin", "profile")
    unknown = stored(estimate, "Mars/Olympus", WINTER)
    assert (unknown.timezone, unknown.hours) == ("UTC", [9, 14, 20])


def test_a_fallback_is_stored_as_the_database_source() -> None:
    fallback = BestSendTime(hours=(19,), weekdays=(2,), confidence=0.0, hour_probabilities=(), weekday_probabilities=(),
                            source="database")  # fmt: skip
    bst = stored(fallback, "Asia/Tokyo", WINTER)
    assert (bst.source, bst.confidence, bst.local_hours, bst.hours) == ("database", 0.0, [19], [10])
