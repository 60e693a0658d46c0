"""Turning raw input (a JSON value, or a CSV/XLSX cell) into the value stored in MongoDB, or a FieldValueError."""

from .contacts import coerce_email, coerce_gender, coerce_timezone
from .dates import coerce_date
from .definitions import STANDARD_FIELDS, CustomField, FieldType, StandardKind
from .errors import FieldValueError
from .objects import checked_object, checked_object_array, parse_json_text
from .phones import coerce_phones
from .scalars import (
    coerce_boolean,
    coerce_enum,
    coerce_float,
    coerce_ip,
    coerce_line,
    coerce_number,
    coerce_tags,
)


def coerce_custom(
    field: CustomField,
    raw: object,
    *,
    from_text: bool = False,
    date_format: str | None = None,
    timezone: str | None = None,
    trim: bool = True,
) -> object:
    """The stored form of `raw` for custom field `field`, or FieldValueError naming field, value and reason.

    Text is read alike from a file cell and from a JSON string (upstream CRMs send strings for everything): yes/no
    booleans, numbers as text, tags separated by `,` `|` `;`, objects as JSON text. `from_text=True` (a file cell)
    also reads a spreadsheet's 1/0 as a boolean. Line text is trimmed unless `trim` is False; naive date-times are
    in `timezone`. Stored forms: int, float, str, aware UTC datetime, bool, list[str], dict, list[dict].
    """
    name = field.name
    from_text = from_text or isinstance(raw, str)
    if field.type in (FieldType.object, FieldType.object_array) and from_text and isinstance(raw, str):
        raw = parse_json_text(name, raw)
    match field.type:
        case FieldType.number:
            return coerce_number(name, raw)
        case FieldType.float:
            return coerce_float(name, raw)
        case FieldType.line:
            return coerce_line(name, raw, field.max_length, strip=trim)
        case FieldType.date:
            return coerce_date(name, raw, date_format=date_format, timezone=timezone)
        case FieldType.boolean:
            return coerce_boolean(name, raw, from_text=from_text)
        case FieldType.enum:
            return coerce_enum(name, raw, field.options)
        case FieldType.ip:
            return coerce_ip(name, raw)
        case FieldType.tags:
            return coerce_tags(name, raw)
        case FieldType.object:
            return checked_object(name, raw)
        case FieldType.object_array:
            return checked_object_array(name, raw, peer_keys=field.peer_keys)
    raise FieldValueError(name, raw, "unknown_type", f"unknown field type {field.type!r}")


def coerce_standard(
    name: str,
    raw: object,
    *,
    from_text: bool = False,
    default_phone_region: str | None = None,
    date_format: str | None = None,
    timezone: str | None = None,
    trim: bool = True,
    row_country: str | None = None,
) -> object:
    """The stored form of `raw` for standard field `name` (email, phones, birth_date …), or FieldValueError.

    Phones become a list of E.164 strings; national numbers are read in `row_country` (the record's own country,
    code or name), else `default_phone_region` (ISO country, e.g. "RU"). Text fields are trimmed unless `trim` is
    False. `from_text` is accepted for symmetry: standard fields read text the same either way.
    """
    spec = STANDARD_FIELDS.get(name)
    if spec is None:
        raise FieldValueError(name, raw, "unknown_field", "not a standard field")
    match spec.kind:  # asked for every standard value of every row: no table of readers built per call
        case StandardKind.email:
            return coerce_email(name, raw)
        case StandardKind.phones:
            return coerce_phones(name, raw, default_region=default_phone_region, row_country=row_country)
        case StandardKind.line:
            return coerce_line(name, raw, spec.max_length, strip=trim)
        case StandardKind.date:
            return coerce_date(name, raw, date_format=date_format, timezone=timezone)
        case StandardKind.gender:
            return coerce_gender(name, raw)
        case StandardKind.ip:
            return coerce_ip(name, raw)
        case StandardKind.timezone:
            return coerce_timezone(name, raw)
    raise FieldValueError(name, raw, "unknown_field", f"no reader for standard fields of kind {spec.kind!r}")
