"""The page's form ↔ the field types: which input shows a field, the text it is pre-filled with, and reading
what the subscriber typed with the same rules as imports (`profilehub_shared.fields`, values read as text)."""

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.fields import STANDARD_FIELDS, FieldType, FieldValueError, coerce_custom, coerce_standard
from profilehub_shared.fields.definitions import StandardKind

from .i18n import STANDARD_LABELS

GENDERS = ("male", "female")
STANDARD_INPUTS = {
    StandardKind.email: "email",
    StandardKind.phones: "tel",
    StandardKind.line: "text",
    StandardKind.date: "date",
    StandardKind.gender: "select",
    StandardKind.ip: "text",
    StandardKind.timezone: "text",
}
CUSTOM_INPUTS = {
    FieldType.number: "number",
    FieldType.float: "decimal",
    FieldType.line: "text",
    FieldType.date: "date",
    FieldType.boolean: "checkbox",
    FieldType.enum: "select",
    FieldType.ip: "text",
    FieldType.tags: "tags",
    FieldType.object: "json",
    FieldType.object_array: "json",
}
CHECKED = "true"


@dataclass(frozen=True)
class FormField:
    """One input of the page: the field's name, its label, the kind of input, and the choices of a select."""

    name: str
    label: str
    input: str
    custom: bool
    options: tuple[str, ...] = ()
    max_length: int | None = None


@dataclass
class FormReading:
    """What a submitted form asks: field → text to write (changed fields only), and field → its error."""

    record: dict[str, str] = field(default_factory=dict)
    errors: dict[str, FieldValueError] = field(default_factory=dict)


def shown_fields(db: Database) -> list[FormField]:
    """The standard fields, then the custom fields, that the database shows on the page."""
    out = [
        FormField(
            name,
            STANDARD_LABELS.get(name, spec.title),
            STANDARD_INPUTS[spec.kind],
            False,
            GENDERS if spec.kind is StandardKind.gender else (),
            spec.max_length,
        )
        for name, spec in STANDARD_FIELDS.items()
        if (s := db.standard_fields.get(name)) is not None and s.show_in_subscription_manager
    ]
    for f in db.custom_fields:
        if f.show_in_subscription_manager:
            length = f.max_length if f.type is FieldType.line else None
            out.append(FormField(f.name, f.title or f.name, CUSTOM_INPUTS[f.type], True, tuple(f.options), length))
    return out


def stored_value(profile: dict[str, Any], f: FormField) -> Any:
    return (profile.get("fields") or {}).get(f.name) if f.custom else profile.get(f.name)


def form_text(f: FormField, value: Any) -> str:
    """The text an input shows for a stored value (what a subscriber would type to get that value)."""
    if value is None:
        return "false" if f.input == "checkbox" else ""
    if f.input == "checkbox":
        return CHECKED if value is True else "false"
    if isinstance(value, datetime | date) and f.input == "date":
        return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()
    if f.input == "json":
        return json.dumps(value, ensure_ascii=False, indent=2)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def submitted_text(f: FormField, form: dict[str, str]) -> str:
    """What the subscriber sent for `f`; an unticked checkbox is sent by no browser, so absent means false."""
    if f.input == "checkbox":
        return CHECKED if form.get(f.name) == CHECKED else "false"
    return form.get(f.name, "").replace("\r\n", "\n")


def check_value(db: Database, f: FormField, text: str) -> None:
    """FieldValueError when `text` is not a valid value of the field, read as an import reads a file cell."""
    if f.custom:
        custom = db.field(f.name)
        assert custom is not None
        coerce_custom(custom, text, from_text=True)
    else:
        coerce_standard(f.name, text, from_text=True)


def read_form(db: Database, fields: list[FormField], form: dict[str, str], profile: dict[str, Any]) -> FormReading:
    """The changed fields of a submitted form, each checked; an emptied input clears its field."""
    reading = FormReading()
    for f in fields:
        text = submitted_text(f, form)
        if text.strip() == form_text(f, stored_value(profile, f)).strip():
            continue
        if text.strip():
            try:
                check_value(db, f, text)
            except FieldValueError as exc:
                reading.errors[f.name] = exc
                continue
        reading.record[f.name] = text
    return reading
