"""Pure rules of databases and their fields. Imports neither faststream nor pymongo."""

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from profilehub_shared.contracts.schema_state import Database, DatabaseSettings
from profilehub_shared.fields import (
    STANDARD_FIELDS,
    CustomField,
    FieldDefinitionError,
    StandardFieldSettings,
    check_standard_settings,
)

from .errors import Conflict, DatabaseHasInteractions, FieldTypeLocked, InvalidChange, NotFound


def invalid_from(exc: ValidationError, prefix: str = "") -> InvalidChange:
    """A pydantic error as a field-level refusal: field path, value (truncated), code and message."""
    details = [
        {
            "field": prefix + ".".join(str(p) for p in err["loc"]),
            "value": repr(err.get("input"))[:100],
            "code": err["type"],
            "message": err["msg"],
        }
        for err in exc.errors()
    ]
    return InvalidChange("; ".join(f"{d['field']}: {d['message']}" for d in details), details)


def new_database(database_id: str, settings: DatabaseSettings, now: datetime) -> Database:
    return Database(id=database_id, settings=settings, created_at=now, updated_at=now)


def _bump(db: Database, now: datetime, **changes: Any) -> Database:
    return db.model_copy(update={**changes, "updated_at": now, "version": db.version + 1})


def update_settings(db: Database, changes: dict[str, Any], now: datetime) -> Database:
    """Replace the given settings keys; the result is validated as a whole."""
    unknown = set(changes) - set(DatabaseSettings.model_fields)
    if unknown:
        raise InvalidChange(f"unknown database settings: {', '.join(sorted(unknown))}")
    try:
        settings = DatabaseSettings.model_validate({**db.settings.model_dump(), **changes})
    except ValidationError as exc:
        raise invalid_from(exc) from exc
    return _bump(db, now, settings=settings)


def clone_structure(db: Database, new_id: str, name: str, now: datetime) -> Database:
    """Same standard-field settings and custom fields, a new name, no profiles, fresh system data."""
    settings = db.settings.model_copy(update={"name": name})
    return Database(
        id=new_id,
        settings=settings,
        standard_fields=dict(db.standard_fields),
        custom_fields=list(db.custom_fields),
        created_at=now,
        updated_at=now,
    )


def add_field(db: Database, field: CustomField, now: datetime) -> Database:
    if db.field(field.name) is not None:
        raise Conflict(f"field {field.name!r} already exists in database {db.settings.name!r}")
    return _bump(db, now, custom_fields=[*db.custom_fields, field])


def existing_field(db: Database, name: str) -> CustomField:
    field = db.field(name)
    if field is None:
        raise NotFound(f"database {db.settings.name!r} has no custom field {name!r}")
    return field


def removed_options(db: Database, name: str, changes: dict[str, Any]) -> list[str]:
    """The options of enum field `name` that `changes` would take away."""
    field = existing_field(db, name)
    if field.type != "enum" or "options" not in changes or not isinstance(changes["options"], list):
        return []
    return [o for o in field.options if o not in changes["options"]]


def becomes_unique(db: Database, name: str, changes: dict[str, Any]) -> bool:
    return bool(changes.get("unique")) and not existing_field(db, name).unique


def ensure_options_unused(name: str, removed: list[str], holding: int) -> None:
    """Removing an enum option that profiles hold would leave values no option names: refused with the count."""
    if removed and holding:
        shown = ", ".join(repr(o) for o in removed[:10])
        raise Conflict(
            f"field {name!r} cannot drop option(s) {shown}: {holding} profiles hold them; "
            "change or clear those values first (bulk update), then remove the option",
            [{"field": "options", "value": shown[:100], "code": "option_in_use",
              "message": f"{holding} profiles hold the removed option(s)"}],
        )  # fmt: skip


def ensure_no_duplicates(name: str, duplicated: int) -> None:
    """A field becomes unique only while no two profiles share a value of it."""
    if duplicated:
        raise Conflict(
            f"field {name!r} cannot be declared unique: {duplicated} profiles share a value of it with another "
            "profile; make their values distinct first",
            [{"field": "unique", "value": "true", "code": "duplicate_values",
              "message": f"{duplicated} profiles hold duplicated values"}],
        )  # fmt: skip


def change_field(
    db: Database, name: str, changes: dict[str, Any], profiles_with_values: int, now: datetime
) -> Database:
    """Replace attributes of a field; its name is fixed, its type only while no profile holds a value."""
    field = existing_field(db, name)
    if "name" in changes and changes["name"] != name:
        raise InvalidChange("a field cannot be renamed; add a new field instead")
    if "type" in changes and changes["type"] != field.type and profiles_with_values:
        raise FieldTypeLocked(
            f"field {name!r} cannot change type from {field.type} to {changes['type']}: "
            f"{profiles_with_values} profiles hold values for it",
            [
                {
                    "field": "type",
                    "value": str(changes["type"]),
                    "code": "type_locked",
                    "message": f"{profiles_with_values} profiles hold values",
                }
            ],
        )
    try:
        changed = CustomField.model_validate({**field.model_dump(), **changes})
    except ValidationError as exc:
        raise invalid_from(exc) from exc
    fields = [changed if f.name == name else f for f in db.custom_fields]
    return _bump(db, now, custom_fields=fields)


def remove_field(db: Database, name: str, now: datetime) -> Database:
    existing_field(db, name)
    return _bump(db, now, custom_fields=[f for f in db.custom_fields if f.name != name])


def set_standard_field(db: Database, name: str, settings: StandardFieldSettings, now: datetime) -> Database:
    if name not in STANDARD_FIELDS:
        raise NotFound(f"{name!r} is not a standard field; standard fields: {', '.join(STANDARD_FIELDS)}")
    try:
        settings = check_standard_settings(name, settings)
    except FieldDefinitionError as exc:
        raise InvalidChange(exc.message, [exc.to_dict()]) from exc
    return _bump(db, now, standard_fields={**db.standard_fields, name: settings})


def ensure_deletable(db: Database, profiles_with_interactions: int) -> None:
    """A database whose profiles ever had an interaction cannot be deleted."""
    if profiles_with_interactions:
        raise DatabaseHasInteractions(
            f"database {db.settings.name!r} cannot be deleted: {profiles_with_interactions} profiles have "
            "interactions (messages sent, opened, clicked …); delete those profiles first",
            [
                {
                    "field": "profiles",
                    "value": str(profiles_with_interactions),
                    "code": "has_interactions",
                    "message": "profiles with interactions",
                }
            ],
        )
