"""Turning raw input (a JSON value, or a CSV/XLSX cell) into the value stored in MongoDB, or a FieldValueError.

`coerce_custom` and `coerce_standard` read one value. An import reads every row's value of a field with the same
options, so it asks once for the field's reader (`custom_reader`, `standard_reader`) and calls it per value: the
choice of rules is made once a batch, not once a cell; the two coerce functions are those readers called once.
"""

from collections.abc import Callable
from functools import partial

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

Reader = Callable[[object], object]  # raw value → stored value, or FieldValueError
StandardReader = Callable[[object, str | None], object]  # raw value, the row's country → stored value


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
    return custom_reader(field, from_text=from_text, date_format=date_format, timezone=timezone, trim=trim)(raw)


def custom_reader(
    field: CustomField,
    *,
    from_text: bool = False,
    date_format: str | None = None,
    timezone: str | None = None,
    trim: bool = True,
) -> Reader:
    """`coerce_custom` of `field` with these options, as a function of the raw value alone."""
    name = field.name
    match field.type:
        case FieldType.number:
            return partial(coerce_number, name)
        case FieldType.float:
            return partial(coerce_float, name)
        case FieldType.line:
            return partial(coerce_line, name, max_length=field.max_length, strip=trim)
        case FieldType.date:
            return partial(coerce_date, name, date_format=date_format, timezone=timezone)
        case FieldType.boolean:
            return lambda raw: coerce_boolean(name, raw, from_text=from_text or isinstance(raw, str))
        case FieldType.enum:
            return partial(coerce_enum, name, options=field.options)
        case FieldType.ip:
            return partial(coerce_ip, name)
        case FieldType.tags:
            return partial(coerce_tags, name)
        case FieldType.object:
            return lambda raw: checked_object(name, parse_json_text(name, raw) if isinstance(raw, str) else raw)
        case FieldType.object_array:
            peers = field.peer_keys
            return lambda raw: checked_object_array(
                name, parse_json_text(name, raw) if isinstance(raw, str) else raw, peer_keys=peers
            )
    return partial(refused, name, "unknown_type", f"unknown field type {field.type!r}")


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
    read = standard_reader(
        name, default_phone_region=default_phone_region, date_format=date_format, timezone=timezone, trim=trim
    )
    return read(raw, row_country)


def standard_reader(
    name: str,
    *,
    default_phone_region: str | None = None,
    date_format: str | None = None,
    timezone: str | None = None,
    trim: bool = True,
) -> StandardReader:
    """`coerce_standard` of `name` with these options, as a function of the raw value and the row's country."""
    spec = STANDARD_FIELDS.get(name)
    if spec is None:
        return alike(partial(refused, name, "unknown_field", "not a standard field"))
    match spec.kind:
        case StandardKind.email:
            return alike(partial(coerce_email, name))
        case StandardKind.phones:
            return lambda raw, country: coerce_phones(
                name, raw, default_region=default_phone_region, row_country=country
            )
        case StandardKind.line:
            return alike(partial(coerce_line, name, max_length=spec.max_length, strip=trim))
        case StandardKind.date:
            return alike(partial(coerce_date, name, date_format=date_format, timezone=timezone))
        case StandardKind.gender:
            return alike(partial(coerce_gender, name))
        case StandardKind.ip:
            return alike(partial(coerce_ip, name))
        case StandardKind.timezone:
            return alike(partial(coerce_timezone, name))
    return alike(partial(refused, name, "unknown_field", f"no reader for standard fields of kind {spec.kind!r}"))


def alike(read: Reader) -> StandardReader:
    """A reader that reads the same in every country."""
    return lambda raw, _country: read(raw)


def refused(field: str, code: str, message: str, raw: object) -> object:
    raise FieldValueError(field, raw, code, message)
