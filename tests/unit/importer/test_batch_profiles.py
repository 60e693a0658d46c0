"""A batch's profiles found by their match values (the index that replaced scanning the batch per record)."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from importer_service.domain.matching import BatchProfiles, profile_matches


def profile(pid: str, email: str | None = None, phones: list[str] | None = None, **fields: Any) -> dict[str, Any]:
    p: dict[str, Any] = {"_id": pid, "fields": fields}
    if email is not None:
        p["email"] = email
    if phones is not None:
        p["phones"] = phones
    return p


def ids(found: list[dict[str, Any]]) -> list[str]:
    return [p["_id"] for p in found]


def test_email_finds_only_its_profile() -> None:
    batch = BatchProfiles("email", [profile("a", "a@x"), profile("b", "b@x"), profile("n")])
    assert ids(batch.find(["b@x"])) == ["b"]
    assert batch.find(["c@x"]) == []


def test_any_phone_finds_every_profile_holding_one_in_first_seen_order() -> None:
    batch = BatchProfiles("phone", [profile("b", phones=["+2", "+3"]), profile("a", phones=["+1"])])
    assert ids(batch.find(["+1", "+3"])) == ["b", "a"]


def test_a_profile_put_again_keeps_its_place_and_is_found_by_its_new_values_only() -> None:
    batch = BatchProfiles("phone", [profile("a", phones=["+1"]), profile("b", phones=["+2"])])
    batch.put(profile("a", phones=["+9"]))
    assert batch.find(["+1"]) == []
    assert ids(batch.find(["+9", "+2"])) == ["a", "b"]


def test_unique_custom_field_and_profile_id() -> None:
    by_field = BatchProfiles("field:code", [profile("a", code=7), profile("b", code=8), profile("c")])
    assert ids(by_field.find([8])) == ["b"]
    by_id = BatchProfiles("profile_id", [profile("a"), profile("b")])
    assert ids(by_id.find(["a"])) == ["a"]


emails = st.sampled_from(["a@x", "b@x", "c@x", "d@x"])


@given(st.lists(st.tuples(st.sampled_from("pqrs"), emails)), st.lists(emails, min_size=1, max_size=3))
def test_finds_what_a_scan_of_the_batch_finds(puts: list[tuple[str, str]], wanted: list[str]) -> None:
    batch = BatchProfiles("email")
    scan: dict[str, dict[str, Any]] = {}
    for pid, email in puts:
        batch.put(profile(pid, email))
        scan[pid] = profile(pid, email)
    assert ids(batch.find(wanted)) == [pid for pid, p in scan.items() if profile_matches(p, "email", wanted)]
