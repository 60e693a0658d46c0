"""Best Send Time model: the rules (top hour, circular smoothing, shrinkage, time zones, evidence) and invariants."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml_service.bst.model import BstParameters, ProfileActivity, best_send_times

# Monday 2025-01-06, 00:00 UTC: day d of the window is a Monday + d.
MONDAY = datetime(2025, 1, 6, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute)


def business_sends(days: int = 28) -> tuple[datetime, ...]:
    """One send a day at 10:00 and one at 14:00 UTC: the usual skew toward business hours."""
    return tuple(at(day, hour) for day in range(days) for hour in (10, 14))


def profile(
    name: str, opens: list[datetime], sends: tuple[datetime, ...] = (), tz: str | None = None
) -> ProfileActivity:
    return ProfileActivity(name, sends=sends or business_sends(), engagements=tuple(opens), timezone=tz)


def crowd(size: int = 40, hour: int = 14) -> list[ProfileActivity]:
    """A database whose typical profile opens in the afternoon: the prior the sparse profiles shrink toward."""
    return [profile(f"crowd{i}", [at(day, hour, 20) for day in range(0, 20, 4)]) for i in range(size)]


def test_a_profile_that_always_opens_at_nine_gets_nine_as_top_hour() -> None:
    result = best_send_times([profile("p", [at(day, 9, 5) for day in range(10)]), *crowd()])
    assert result.profiles["p"].hours[0] == 9


@pytest.mark.parametrize("days", [range(3), range(10)])
def test_smoothing_is_circular_across_midnight(days: range) -> None:
    opens = [at(day, 23, 30) for day in days] + [at(day, 0, 30) for day in days]
    best = best_send_times([profile("p", opens)]).profiles["p"]
    ranked = sorted(range(24), key=lambda h: -best.hour_probabilities[h])
    assert set(ranked[:2]) == {23, 0}
    assert best.hours[0] in (23, 0)
    assert 12 not in best.hours


def test_smoothing_spreads_an_hour_to_both_sides_of_midnight() -> None:
    probabilities = (
        best_send_times([profile("p", [at(day, 23, 30) for day in range(4)])]).profiles["p"].hour_probabilities
    )
    assert probabilities[0] == pytest.approx(probabilities[22]) and probabilities[0] > probabilities[12]


def test_the_listed_hours_are_distinct_times_of_day() -> None:
    opens = [at(day, 9) for day in range(10)] + [at(day, 19) for day in range(6)]
    best = best_send_times([profile("p", opens)]).profiles["p"]
    assert best.hours[:2] == (9, 19)


def test_one_open_is_pulled_toward_the_database_profile_many_opens_are_not() -> None:
    params = BstParameters(min_engagements=1)
    few = profile("few", [at(0, 21)])
    many = profile("many", [at(day, 21) for day in range(25)])
    result = best_send_times([few, many, *crowd(hour=14)], params)
    database = result.hour_probabilities

    def pull(name: str) -> float:
        own = result.profiles[name].hour_probabilities
        return own[14] / own[21] if own[21] else float("inf")

    def distance_to_database(name: str) -> float:
        own = result.profiles[name].hour_probabilities
        return sum(abs(a / sum(own) - b / sum(database)) for a, b in zip(own, database, strict=True))

    assert pull("few") > 2 * pull("many")
    assert distance_to_database("few") < 0.6 * distance_to_database("many")  # one open: half its own, half prior
    assert result.profiles["many"].hours[0] == 21
    assert database.index(max(database)) == 14 == result.best_hour


def test_opens_are_read_in_the_profile_time_zone() -> None:
    opens = [at(day, 7, 10) for day in range(8)]  # 07:10 UTC is 16:10 in Tokyo (UTC+9, no DST)
    result = best_send_times([profile("tokyo", opens, tz="Asia/Tokyo"), profile("utc", opens)])
    assert result.profiles["tokyo"].hours[0] == 16
    assert result.profiles["utc"].hours[0] == 7


def test_daylight_saving_time_is_followed() -> None:
    winter = [datetime(2025, 1, d, 8, 15, tzinfo=UTC) for d in range(6, 12)]  # 09:15 CET
    summer = [datetime(2025, 7, d, 7, 15, tzinfo=UTC) for d in range(7, 13)]  # 09:15 CEST
    result = best_send_times([profile("berlin", winter + summer, tz="Europe/Berlin")])
    assert result.profiles["berlin"].hours[0] == 9


def test_an_unknown_time_zone_name_is_read_as_utc() -> None:
    opens = [at(day, 7) for day in range(5)]
    assert best_send_times([profile("p", opens, tz="Mars/Olympus")]).profiles["p"].hours[0] == 7


@pytest.mark.parametrize(
    ("opens", "minimum", "scored"),
    [(0, 1, False), (1, 1, True), (0, 0, False), (1, 2, False), (2, 2, True), (4, 5, False)],
)
def test_below_the_minimum_evidence_a_profile_gets_no_result(opens: int, minimum: int, scored: bool) -> None:
    p = profile("p", [at(day, 9) for day in range(opens)])
    result = best_send_times([p, *crowd()], BstParameters(min_engagements=minimum))
    assert ("p" in result.profiles) is scored
    assert 0 <= result.best_hour <= 23


def test_the_database_best_hour_exists_without_any_scored_profile() -> None:
    result = best_send_times([profile("p", [at(0, 18)])], BstParameters(min_engagements=2))
    assert result.profiles == {}
    assert result.best_hour == 18
    assert result.best_weekdays == (0,)  # that open was on a Monday
    assert best_send_times([]).best_hour in range(24)


def test_best_weekdays_are_detected() -> None:
    # Opens on Tuesdays (1) and Saturdays (5) only; sends every day.
    opens = [at(week * 7 + weekday, 19) for week in range(6) for weekday in (1, 5)]
    best = best_send_times([profile("p", opens), *crowd()]).profiles["p"]
    assert set(best.weekdays[:2]) == {1, 5}
    assert len(best.weekdays) <= 3
    assert best.weekday_probabilities[1] > best.weekday_probabilities[3]


def test_confidence_grows_with_evidence() -> None:
    profiles = [profile(f"p{n}", [at(day, 9) for day in range(n)]) for n in (2, 4, 8, 16, 32)]
    result = best_send_times([*profiles, *crowd()])
    confidences = [result.profiles[f"p{n}"].confidence for n in (2, 4, 8, 16, 32)]
    assert confidences == sorted(confidences) and len(set(confidences)) == 5
    assert all(0 < c < 1 for c in confidences)


def test_opens_at_hours_never_sent_to_still_count() -> None:
    """An evening reader of morning emails: the evening is their hour, not the send hour."""
    opens = [at(day, 20, 45) for day in range(6)]
    assert best_send_times([profile("p", opens), *crowd()]).profiles["p"].hours[0] == 20


def test_machine_opens_seconds_after_their_send_teach_nothing() -> None:
    """A privacy proxy "opens" every 10:00 send within seconds; the person reads in the evening."""
    sends = tuple(at(day, 10) for day in range(28))
    machine = [at(day, 10) + timedelta(seconds=4) for day in range(28)]
    human = [at(day, 20, 40) for day in range(0, 28, 5)]
    result = best_send_times([profile("p", machine + human, sends=sends), *crowd()])
    assert result.profiles["p"].hours[0] == 20
    only_machine = best_send_times([profile("m", machine, sends=sends), *crowd()])
    assert "m" not in only_machine.profiles  # no human evidence: left to the fallback
    assert only_machine.fallback(None).source == "database"


def test_a_click_weighs_more_than_an_open() -> None:
    opens = [at(day, 9) for day in range(4)]
    clicks = [at(day, 18, 30) for day in range(10, 13)]  # 3 clicks × 1.5 outweigh 4 opens
    activity = ProfileActivity("p", business_sends(), tuple(opens), None, tuple(clicks))
    assert best_send_times([activity, *crowd()]).profiles["p"].hours[0] == 18
    assert best_send_times([activity, *crowd()], BstParameters(click_weight=1.0)).profiles["p"].hours[0] == 9


def test_a_profile_without_evidence_gets_its_zone_population_then_the_database_in_its_own_local_time() -> None:
    tokyo = [profile(f"t{i}", [at(day, 11, 10) for day in range(0, 20, 4)], tz="Asia/Tokyo") for i in range(40)]
    result = best_send_times([*tokyo, *crowd(hour=9)])  # Tokyo reads at 20:10 local; the UTC crowd at 09:20
    in_tokyo = result.fallback("Asia/Tokyo")
    assert (in_tokyo.hours[0], in_tokyo.source, in_tokyo.confidence) == (20, "database", 0.0)
    assert result.fallback("Asia/Kolkata").hours == result.best_hours  # too few there: the database's
    assert result.fallback(None).hours[0] == 9


def test_the_best_hour_catches_most_within_an_hour_either_side() -> None:
    """Opens at 8, 9 and 10 once each beat a lone pair at 15: the ±1 h window at 9 catches three."""
    opens = [at(0, 8, 20), at(1, 9, 20), at(2, 10, 20), at(3, 15, 20), at(4, 15, 20)]
    best = best_send_times([profile("p", opens)], BstParameters(smoothing_hours=0.0)).profiles["p"]
    assert best.hours[0] == 9 and best.hours[1] in (14, 15, 16)  # each catches the pair at 15


timestamps = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2024, 6, 28), timezones=st.just(UTC)).map(
    lambda t: t.astimezone(UTC)
)
activities = st.builds(
    lambda sends, opens, tz: (sends, opens, tz),
    st.lists(timestamps, max_size=30),
    st.lists(timestamps, min_size=2, max_size=30),
    st.sampled_from([None, "Asia/Tokyo", "America/New_York", "Asia/Kolkata"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(activities, min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_invariants(population: list[tuple[list[datetime], list[datetime], str | None]], rnd: random.Random) -> None:
    profiles = [ProfileActivity(f"p{i}", tuple(s), tuple(o), tz) for i, (s, o, tz) in enumerate(population)]
    result = best_send_times(profiles)
    assert set(result.profiles) <= {p.profile_id for p in profiles}
    covered = [result.profiles.get(p.profile_id) or result.fallback(p.timezone) for p in profiles]
    assert all(
        (best.source == "profile") is (p.profile_id in result.profiles)
        for p, best in zip(profiles, covered, strict=True)
    )
    for best in covered:
        assert len(best.hours) == 3 == len(set(best.hours))
        assert all(h in range(24) for h in best.hours)
        assert 1 <= len(best.weekdays) <= 3 and len(set(best.weekdays)) == len(best.weekdays)
        assert all(d in range(7) for d in best.weekdays)
        assert all(0 <= p <= 1 for p in (*best.hour_probabilities, *best.weekday_probabilities))
        caught = [sum(best.hour_probabilities[(h + s) % 24] for s in (-1, 0, 1)) for h in range(24)]
        assert caught[best.hours[0]] == pytest.approx(max(caught))
        assert sum(best.hour_probabilities) == pytest.approx(1.0)
        assert 0 <= best.confidence <= 1
    assert all(0 <= p <= 1 for p in result.hour_probabilities)
    assert result.best_hour in range(24)

    # Shuffled events and profiles give the same answer.
    shuffled = [
        ProfileActivity(
            p.profile_id,
            tuple(rnd.sample(p.sends, len(p.sends))),
            tuple(rnd.sample(p.engagements, len(p.engagements))),
            p.timezone,
        )
        for p in rnd.sample(profiles, len(profiles))
    ]
    again = best_send_times(shuffled)
    assert again.best_hour == result.best_hour
    for name, best in result.profiles.items():
        assert again.profiles[name].hours == best.hours
        assert again.profiles[name].weekdays == best.weekdays
        assert again.profiles[name].hour_probabilities == pytest.approx(best.hour_probabilities)


def test_recency_weighting_lets_a_new_habit_win_when_asked_for() -> None:
    old = [at(day, 8, 30) for day in range(0, 10)]  # ten opens at 8, long ago
    new = [at(day, 19, 30) for day in range(170, 176)]  # six at 19, lately
    p = profile("p", old + new)
    assert best_send_times([p]).profiles["p"].hours[0] == 8  # by default every open in the window counts the same
    assert best_send_times([p], BstParameters(half_life_days=30)).profiles["p"].hours[0] == 19


def test_an_open_is_a_machine_one_only_within_the_threshold_after_a_send() -> None:
    from ml_service.bst.events import event_table, machine_made

    sends = (at(0, 10), at(1, 10))
    opens = (at(0, 10) + timedelta(seconds=30), at(0, 10) + timedelta(seconds=31), at(1, 9), at(1, 10))
    table = event_table([ProfileActivity("p", sends, opens), ProfileActivity("q", (), (at(0, 10, 1),))])
    keys = zip(table.row.tolist(), table.epoch.tolist(), table.kind.tolist(), strict=True)
    made = dict(zip(keys, machine_made(table, 30).tolist(), strict=True))
    epoch = int(at(0, 10).timestamp())
    assert made[(0, epoch + 30, 1)] and not made[(0, epoch + 31, 1)]
    assert not made[(0, epoch + 86_400 - 3600, 1)]  # before its day's send: the previous day's is a day old
    assert made[(0, epoch + 86_400, 1)]  # the same second as its send
    assert not made[(1, epoch + 60, 1)]  # another profile's send does not count
    assert not any(made[k] for k in made if k[2] == 0)  # a send is never a machine open
