"""The `suppressed` flag: a profile's email, its email's domain or one of its phones on the attached list."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from importer_service.domain.merge import Merged
from importer_service.domain.suppression import (
    Listed,
    is_suppressed,
    lookup_values,
    needs_flag,
    refreshed_flag,
    with_flag,
)
from importer_service.suppression_job import refresh_plan
from profilehub_shared.contracts.profiles import ProfileChanged
from tests.unit.importer.test_writes import database

LISTED = Listed.of(
    [
        {"kind": "email", "value": "ann@example.com"},
        {"kind": "phone", "value": "+79161234567"},
        {"kind": "domain", "value": "spam.test"},
    ]
)


def profile(email: str | None = None, phones: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    p: dict[str, Any] = {"_id": "p1", "fields": {}, **extra}
    if email is not None:
        p["email"] = email
    if phones is not None:
        p["phones"] = phones
    return p


def test_a_listed_email_suppresses_whatever_its_case() -> None:
    assert is_suppressed(profile("ann@example.com"), LISTED)
    assert is_suppressed(profile("Ann@Example.com"), LISTED)
    assert not is_suppressed(profile("bob@example.com"), LISTED)


def test_a_listed_domain_suppresses_its_addresses_but_not_subdomains_or_lookalikes() -> None:
    assert is_suppressed(profile("x@spam.test"), LISTED)
    assert not is_suppressed(profile("x@mail.spam.test"), LISTED)
    assert not is_suppressed(profile("spam.test@good.test"), LISTED)


def test_any_listed_phone_suppresses() -> None:
    assert is_suppressed(profile(phones=["+12025550100", "+79161234567"]), LISTED)
    assert not is_suppressed(profile(phones=["+12025550100"]), LISTED)
    assert not is_suppressed(profile(), LISTED)


def test_entries_of_unknown_kinds_are_ignored() -> None:
    assert Listed.of([{"kind": "fax", "value": "ann@example.com"}]) == Listed()


def test_lookup_values_name_every_key_that_could_suppress() -> None:
    found = lookup_values([profile("Ann@Example.com", ["+1"]), profile(phones=["+2"]), profile()])
    assert found == sorted({"ann@example.com", "example.com", "+1", "+2"})


@given(
    st.lists(st.sampled_from(["a@x.test", "b@y.test", "c@x.test", None]), max_size=6),
    st.lists(st.sampled_from(["a@x.test", "x.test", "+1", "+2", "zzz"]), max_size=5),
)
def test_a_batch_needs_only_its_own_entries(emails: list[str | None], entries: list[str]) -> None:
    """Looking up only `lookup_values` gives the same flags as the whole list would."""
    profiles = [profile(e, ["+1"] if i % 2 else None) for i, e in enumerate(emails)]
    kinds = {"a@x.test": "email", "x.test": "domain", "+1": "phone", "+2": "phone", "zzz": "email"}
    whole = Listed.of({"kind": kinds[v], "value": v} for v in entries)
    wanted = set(lookup_values(profiles))
    only = Listed.of({"kind": kinds[v], "value": v} for v in entries if v in wanted)
    assert [is_suppressed(p, whole) for p in profiles] == [is_suppressed(p, only) for p in profiles]


def test_a_new_profile_always_carries_the_flag() -> None:
    listed = with_flag(Merged("created", profile("ann@example.com")), LISTED)
    clean = with_flag(Merged("created", profile("bob@example.com")), LISTED)
    assert listed.profile["suppressed"] is True
    assert clean.profile["suppressed"] is False
    assert "suppressed" not in listed.changes  # created events list given values, not system fields


def test_an_update_that_flips_the_flag_records_the_change() -> None:
    before = profile("ann@example.com", suppressed=True)
    after = {**before, "email": "bob@example.com"}
    merged = with_flag(Merged("updated", after, {"email": ("ann@example.com", "bob@example.com")}), LISTED)
    assert merged.profile["suppressed"] is False
    assert merged.changes["suppressed"] == (True, False)


def test_an_update_that_keeps_the_flag_records_nothing_more() -> None:
    merged = with_flag(Merged("updated", profile("bob@example.com"), {"email": ("a@b.c", "bob@example.com")}), LISTED)
    assert "suppressed" not in merged.changes


def test_only_new_profiles_and_changed_contacts_need_the_flag() -> None:
    assert needs_flag(Merged("created", profile()))
    assert needs_flag(Merged("updated", profile(), {"phones": (None, ["+1"])}))
    assert not needs_flag(Merged("updated", profile(), {"fields.city": (None, "Oslo")}))
    assert not needs_flag(Merged("unchanged", profile("ann@example.com")))


def test_a_refresh_writes_only_flags_that_are_wrong() -> None:
    assert refreshed_flag(profile("ann@example.com"), LISTED) is True
    assert refreshed_flag(profile("ann@example.com", suppressed=True), LISTED) is None
    assert refreshed_flag(profile("bob@example.com", suppressed=True), LISTED) is False
    assert refreshed_flag(profile("bob@example.com"), LISTED) is None  # absent reads as not suppressed
    assert refreshed_flag(profile("bob@example.com", suppressed=False), LISTED) is None


def test_a_refresh_plan_writes_and_reports_only_the_flips() -> None:
    profiles: list[dict[str, Any]] = [
        {"_id": "a", "email": "ann@example.com"},  # listed, flag absent: flips to true
        {"_id": "b", "email": "bob@example.com", "suppressed": True},  # no longer listed: flips to false
        {"_id": "c", "email": "cid@example.com", "suppressed": False},  # right already
    ]
    plan = refresh_plan(database(), "job1", profiles, LISTED)
    assert plan["counts"] == {"updated": 2, "unchanged": 1}
    assert [(w["id"], w["set"]) for w in plan["writes"]] == [
        ("a", [{"path": "suppressed", "value": True}]),
        ("b", [{"path": "suppressed", "value": False}]),
    ]
    events = [ProfileChanged.model_validate_json(e["json"]) for e in plan["events"]]
    assert [(e.profile_id, e.source, e.changes[0].old, e.changes[0].new) for e in events] == [
        ("a", "suppression", None, True),
        ("b", "suppression", True, False),
    ]
