"""The activity a profile gets from some interactions: counts and last times per family, applied ids skipped."""

from datetime import UTC, datetime, timedelta

from importer_service.domain.activity import APPLIED, Happened, activity_changes

AT = datetime(2026, 11, 1, tzinfo=UTC)


def event(key: str, kind: str, minutes: int) -> Happened:
    return Happened(key, "p1", kind, AT + timedelta(minutes=minutes))


def test_a_first_interaction_sets_count_and_time_of_its_families() -> None:
    changes = activity_changes({"_id": "p1"}, [event("e1", "hbounce", 0)])
    assert changes == {
        "activity.hbounce_count": 1, "activity.last_hbounce_at": AT,
        "activity.bounce_count": 1, "activity.last_bounce_at": AT, APPLIED: ["e1"],
    }  # fmt: skip


def test_counts_add_up_and_the_last_time_is_the_latest_whatever_the_order() -> None:
    profile = {"activity": {"open_count": 4, "last_open_at": AT + timedelta(days=1)}, APPLIED: ["e0"]}
    changes = activity_changes(profile, [event("e1", "open", 5), event("e2", "open", 60 * 48)])
    assert changes == {"activity.open_count": 6, "activity.last_open_at": AT + timedelta(days=2), APPLIED: ["e1", "e2"]}


def test_ids_the_profile_applied_last_time_count_nothing_again() -> None:
    profile = {"activity": {"click_count": 1, "last_click_at": AT}, APPLIED: ["e1"]}
    assert activity_changes(profile, [event("e1", "click", 0)]) == {APPLIED: ["e1"]}
    changes = activity_changes(profile, [event("e1", "click", 0), event("e2", "click", 1)])
    assert changes == {
        "activity.click_count": 2,
        "activity.last_click_at": AT + timedelta(minutes=1),
        APPLIED: ["e1", "e2"],
    }


def test_ids_still_open_in_the_ledger_stay_known_to_the_profile_and_closed_ones_are_dropped() -> None:
    profile = {"activity": {"click_count": 2, "last_click_at": AT}, APPLIED: ["crashed", "closed"]}
    changes = activity_changes(profile, [event("e3", "click", 1)], still_open={"crashed", "elsewhere"})
    assert changes[APPLIED] == ["crashed", "e3"]
    assert changes["activity.click_count"] == 3
    again = activity_changes({**profile, APPLIED: changes[APPLIED]}, [event("crashed", "click", 0)], {"crashed"})
    assert again == {APPLIED: ["crashed"]}  # redelivered: counted before, nothing added
