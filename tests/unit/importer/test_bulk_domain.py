"""Pure parts of copy and bulk update: range slicing, records for a target database, actions on a profile."""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from importer_service.domain import bulk_actions as actions
from importer_service.domain.copying import record_for_target
from importer_service.domain.merge import RecordRejected
from importer_service.domain.records import read_record
from importer_service.domain.slicing import in_range, slice_of
from profilehub_shared.contracts.jobs import ChangeSubscription, SetValues, UnsetFields
from profilehub_shared.contracts.profiles import WriteOptions
from profilehub_shared.contracts.schema_state import Database, DatabaseSettings
from profilehub_shared.fields import CustomField, StandardFieldSettings

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def database(fields: list[dict[str, Any]], resources: list[str], **extra: Any) -> Database:
    settings = DatabaseSettings.model_validate(
        {
            "name": "shop",
            "subscription_manager": {"title": "t"},
            "resource_ids": resources,
            "email_settings": {"from_name": "Shop", "from_email": "a@shop.example"},
        }
    )
    custom = [CustomField.model_validate(f) for f in fields]
    return Database(id="db1", settings=settings, custom_fields=custom, created_at=T0, updated_at=T0, **extra)


SHOP = database(
    [{"name": "plan", "type": "enum", "options": ["free", "pro"]}, {"name": "score", "type": "number"}],
    ["news", "promo"],
    standard_fields={"first_name": StandardFieldSettings(required=True, default="Friend")},
)
PROFILE = {
    "_id": "p1",
    "email": "ann@shop.example",
    "phones": ["+79161234567"],
    "first_name": "Ann",
    "birth_date": datetime(1990, 5, 1, tzinfo=UTC),
    "fields": {"plan": "pro", "score": 7, "colour": "red"},
    "subscriptions": [
        {
            "resource_id": "news",
            "channel": "email",
            "status": "subscribed",
            "address": "ann@shop.example",
            "priority": 2,
        },
        {
            "resource_id": "old",
            "channel": "email",
            "status": "subscribed",
            "address": "ann@shop.example",
            "priority": 0,
        },
    ],
    "subscription_keys": ["news:email:subscribed", "old:email:subscribed"],
    "promo_codes": [{"pool_id": "pool1", "code": "A1", "assigned_at": T0}],
    "promo_pools": ["pool1"],
    "created_at": T0,
    "updated_at": T0,
    "has_interactions": True,
}


# --- range slicing


@given(st.text(min_size=1, max_size=40))
def test_a_profile_falls_in_exactly_one_of_two_adjacent_ranges(profile_id: str) -> None:
    assert in_range(profile_id, 0, 50) != in_range(profile_id, 50, 100)
    assert in_range(profile_id, 0, 100)
    assert slice_of(profile_id) == slice_of(profile_id)


@pytest.mark.parametrize(("low", "high"), [(0, 50), (10, 20), (0, 1), (99, 100)])
def test_ranges_select_an_even_share_of_ids(low: float, high: float) -> None:
    ids = [f"{i:032x}" for i in range(20_000)]
    share = sum(in_range(i, low, high) for i in ids) / len(ids) * 100
    assert share == pytest.approx(high - low, abs=0.6)


def test_an_empty_range_selects_nothing() -> None:
    assert not any(in_range(f"id{i}", 30, 30) for i in range(1000))


# --- copy: a profile as a record for the target


@pytest.mark.parametrize(
    ("fields", "resources", "kept_fields", "dropped", "kept_resources"),
    [
        ([{"name": "plan", "type": "enum", "options": ["free", "pro"]}], ["news"], {"plan"}, ["score", "colour"], ["news"]),
        ([], [], set(), ["plan", "score", "colour"], []),
        ([{"name": "score", "type": "number"}, {"name": "colour", "type": "line"}], ["old", "news"],
         {"score", "colour"}, ["plan"], ["news", "old"]),
    ],
)  # fmt: skip
def test_copy_keeps_what_the_target_has_and_names_what_it_drops(
    fields: list[dict[str, Any]],
    resources: list[str],
    kept_fields: set[str],
    dropped: list[str],
    kept_resources: list[str],
) -> None:
    target = database(fields, resources)
    record, lacking = record_for_target(PROFILE, target, "email")
    assert sorted(lacking) == sorted(dropped)
    assert set(record) - {"subscriptions"} == {"email", "phones", "first_name", "birth_date"} | kept_fields
    assert sorted(s["resource_id"] for s in record.get("subscriptions", [])) == kept_resources
    assert "promo_codes" not in record and "profile_id" not in record


def test_a_copied_record_reads_cleanly_in_the_target() -> None:
    target = database([{"name": "score", "type": "number"}], ["news"])
    record, _ = record_for_target(PROFILE, target, "profile_id")
    rec = read_record(target, record, WriteOptions(matching="profile_id", mode="update_only"))
    assert rec.ok, rec.errors
    assert rec.profile_id == "p1" and rec.custom == {"score": 7}
    assert rec.standard["birth_date"] in (date(1990, 5, 1), datetime(1990, 5, 1, tzinfo=UTC))
    assert rec.subscriptions[0]["priority"] == 2


# --- actions


def test_set_changes_only_what_differs_and_validates_types() -> None:
    rec = actions.prepare(SHOP, SetValues(values={"plan": "free", "score": 7, "city": "Oslo"}))
    assert rec is not None
    merged = actions.change_fields(SHOP, PROFILE, rec, T0)
    assert merged.outcome == "updated"
    assert set(merged.changes) == {"fields.plan", "city"}
    assert actions.change_fields(SHOP, merged.profile, rec, T0).outcome == "unchanged"


@pytest.mark.parametrize(
    ("action", "problem"),
    [
        (SetValues(values={"plan": "gold"}), "plan"),
        (SetValues(values={"nope": 1}), "nope: not a field"),
        (SetValues(values={"city": ""}), "use unset"),
        (SetValues(values={"subscriptions": []}), "subscriptions"),
        (UnsetFields(fields=["first_name"]), "required"),
        (UnsetFields(fields=["nope"]), "not a field"),
        (ChangeSubscription(type="subscribe", resource_id="other", channel="email"), "not allowed"),
    ],
)
def test_actions_that_do_not_fit_the_database_are_refused(action: Any, problem: str) -> None:
    with pytest.raises(actions.ActionNotUsable, match=problem):
        actions.prepare(SHOP, action)


def test_unset_clears_fields() -> None:
    rec = actions.prepare(SHOP, UnsetFields(fields=["score", "phones", "city"]))
    assert rec is not None
    merged = actions.change_fields(SHOP, PROFILE, rec, T0)
    assert merged.changes == {"fields.score": (7, None), "phones": (["+79161234567"], None)}
    assert "score" not in merged.profile["fields"] and "phones" not in merged.profile


@pytest.mark.parametrize(
    ("kind", "resource", "channel", "outcome", "address"),
    [
        ("subscribe", "promo", "email", "updated", "ann@shop.example"),
        ("subscribe", "promo", "sms", "updated", "+79161234567"),
        ("subscribe", "news", "email", "unchanged", "ann@shop.example"),
        ("unsubscribe", "news", "email", "updated", "ann@shop.example"),
        ("unsubscribe", "promo", "email", "unchanged", None),
    ],
)
def test_subscriptions_take_the_address_from_the_profile(
    kind: str, resource: str, channel: str, outcome: str, address: str | None
) -> None:
    action = ChangeSubscription(type=kind, resource_id=resource, channel=channel)  # type: ignore[arg-type]
    merged = actions.change_subscription(SHOP, PROFILE, action, T0)
    assert merged.outcome == outcome
    if outcome == "updated":
        sub = next(
            s for s in merged.profile["subscriptions"] if (s["resource_id"], s["channel"]) == (resource, channel)
        )
        assert sub["address"] == address
        assert sub["status"] == ("subscribed" if kind == "subscribe" else "unsubscribed")
        assert f"{resource}:{channel}:{sub['status']}" in merged.profile["subscription_keys"]


def test_subscribing_without_an_address_rejects_the_profile() -> None:
    action = ChangeSubscription(type="subscribe", resource_id="promo", channel="sms")
    with pytest.raises(RecordRejected) as caught:
        actions.change_subscription(SHOP, {"_id": "p2", "email": "b@shop.example"}, action, T0)
    assert caught.value.errors[0].code == "no_address"


def test_promo_codes_attach_once_per_pool_and_detach() -> None:
    assert actions.attach_code(PROFILE, "pool1", "B2", T0).outcome == "unchanged"  # already holds one
    assert actions.attach_code(PROFILE, "pool2", None, T0).outcome == "unchanged"  # the pool is used up
    attached = actions.attach_code(PROFILE, "pool2", "C3", T0)
    assert attached.outcome == "updated"
    assert [c["code"] for c in attached.profile["promo_codes"]] == ["A1", "C3"]
    assert attached.profile["promo_pools"] == ["pool1", "pool2"]
    detached = actions.detach_codes(attached.profile, "pool1", T0)
    assert [c["code"] for c in detached.profile["promo_codes"]] == ["C3"]
    assert detached.profile["promo_pools"] == ["pool2"]
    assert actions.detach_codes(detached.profile, "pool1", T0).outcome == "unchanged"
