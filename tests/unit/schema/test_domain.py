"""Pure rules of databases and fields (schema_service.domain)."""

from datetime import UTC, datetime

import pytest

from profilehub_shared.contracts.schema_state import DatabaseSettings
from profilehub_shared.fields import CustomField, StandardFieldSettings
from schema_service import domain
from schema_service.errors import Conflict, DatabaseHasInteractions, FieldTypeLocked, InvalidChange, NotFound

T0 = datetime(2026, 1, 1, tzinfo=UTC)
T1 = datetime(2026, 1, 2, tzinfo=UTC)


def settings(**overrides: object) -> DatabaseSettings:
    return DatabaseSettings.model_validate(
        {
            "name": "shop",
            "subscription_manager": {"title": "News", "language": "ru"},
            "email_settings": {"from_name": "Shop", "from_email": "news@shop.example"},
            **overrides,
        }
    )


def field(**spec: object) -> CustomField:
    return CustomField.model_validate({"name": "plan", "type": "enum", "options": ["free", "pro"], **spec})


def test_new_database_starts_at_version_one_with_no_fields() -> None:
    db = domain.new_database("d1", settings(), T0)
    assert (db.version, db.custom_fields, db.created_at, db.updated_at) == (1, [], T0, T0)


def test_update_replaces_only_given_keys_and_bumps_version() -> None:
    db = domain.update_settings(domain.new_database("d1", settings(tags=["a"]), T0), {"description": "x"}, T1)
    assert (db.settings.description, db.settings.tags, db.version, db.updated_at) == ("x", ["a"], 2, T1)


@pytest.mark.parametrize(
    ("changes", "field_path"),
    [
        ({"name": ""}, "name"),
        ({"email_settings": {"from_name": "x", "from_email": "not-an-email"}}, "email_settings.from_email"),
        ({"subscription_manager": {"title": "t", "language": "xx"}}, "subscription_manager.language"),
    ],
)
def test_invalid_update_names_the_field(changes: dict[str, object], field_path: str) -> None:
    with pytest.raises(InvalidChange) as refused:
        domain.update_settings(domain.new_database("d1", settings(), T0), changes, T1)
    assert refused.value.details[0]["field"] == field_path


def test_unknown_setting_is_refused() -> None:
    with pytest.raises(InvalidChange, match="unknown database settings: colour"):
        domain.update_settings(domain.new_database("d1", settings(), T0), {"colour": "red"}, T1)


def test_clone_copies_structure_with_new_name_and_fresh_system_data() -> None:
    source = domain.add_field(domain.new_database("d1", settings(), T0), field(), T0)
    source = domain.set_standard_field(source, "first_name", StandardFieldSettings(required=True), T0)
    clone = domain.clone_structure(source, "d2", "shop copy", T1)
    assert clone.custom_fields == source.custom_fields
    assert clone.standard_fields == source.standard_fields
    assert (clone.id, clone.settings.name, clone.version, clone.created_at) == ("d2", "shop copy", 1, T1)


def test_field_names_are_unique_per_database() -> None:
    db = domain.add_field(domain.new_database("d1", settings(), T0), field(), T0)
    with pytest.raises(Conflict):
        domain.add_field(db, field(title="again"), T1)


def test_type_change_allowed_while_no_profile_holds_values() -> None:
    db = domain.add_field(domain.new_database("d1", settings(), T0), field(), T0)
    changed = domain.change_field(db, "plan", {"type": "line", "options": []}, 0, T1)
    assert changed.field("plan").type == "line"  # type: ignore[union-attr]


def test_type_change_refused_while_profiles_hold_values() -> None:
    db = domain.add_field(domain.new_database("d1", settings(), T0), field(), T0)
    with pytest.raises(FieldTypeLocked, match="3 profiles hold values"):
        domain.change_field(db, "plan", {"type": "line", "options": []}, 3, T1)


def test_title_and_options_change_even_with_values() -> None:
    db = domain.add_field(domain.new_database("d1", settings(), T0), field(), T0)
    changed = domain.change_field(db, "plan", {"title": "Plan", "options": ["free", "pro", "max"]}, 10, T1)
    assert changed.field("plan") == field(title="Plan", options=["free", "pro", "max"])


def test_changed_field_is_validated_as_a_whole() -> None:
    db = domain.add_field(domain.new_database("d1", settings(), T0), field(), T0)
    with pytest.raises(InvalidChange):
        domain.change_field(db, "plan", {"default": "gold"}, 0, T1)


def test_rename_and_missing_fields_are_refused() -> None:
    db = domain.add_field(domain.new_database("d1", settings(), T0), field(), T0)
    with pytest.raises(InvalidChange):
        domain.change_field(db, "plan", {"name": "tier"}, 0, T1)
    with pytest.raises(NotFound):
        domain.remove_field(db, "nope", T1)


def test_remove_field() -> None:
    db = domain.add_field(domain.new_database("d1", settings(), T0), field(), T0)
    assert domain.remove_field(db, "plan", T1).custom_fields == []


def test_standard_field_settings_only_for_standard_fields() -> None:
    db = domain.new_database("d1", settings(), T0)
    with pytest.raises(NotFound):
        domain.set_standard_field(db, "plan", StandardFieldSettings(), T1)


def test_delete_refused_with_the_count_of_interacted_profiles() -> None:
    db = domain.new_database("d1", settings(), T0)
    domain.ensure_deletable(db, 0)
    with pytest.raises(DatabaseHasInteractions, match="2 profiles have interactions"):
        domain.ensure_deletable(db, 2)
