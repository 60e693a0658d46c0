"""Field definitions: the 10 custom types, custom-field settings, and the standard fields every database has."""

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.json_schema import JsonDict
from pydantic_core import PydanticCustomError

from .errors import FieldDefinitionError, FieldValueError

NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}", re.ASCII)
DEFAULT_MAX_LENGTH = 10_000


class FieldType(StrEnum):
    """The 10 custom-field types (SPEC §2)."""

    number = "number"
    float = "float"
    line = "line"
    date = "date"
    boolean = "boolean"
    enum = "enum"
    ip = "ip"
    tags = "tags"
    object = "object"
    object_array = "object_array"


# Types whose values compare exactly, so they can identify a profile on import (float does not compare exactly).
UNIQUE_TYPES = frozenset({FieldType.number, FieldType.line, FieldType.date, FieldType.enum, FieldType.ip})


class StandardKind(StrEnum):
    """How a standard field's value is read."""

    email = "email"
    phones = "phones"
    line = "line"
    date = "date"
    gender = "gender"
    ip = "ip"
    timezone = "timezone"


@dataclass(frozen=True)
class StandardFieldSpec:
    """A standard field: its kind and, for text, its length limit."""

    name: str
    kind: StandardKind
    title: str
    max_length: int = 1000


def _spec(name: str, kind: StandardKind, title: str, max_length: int = 1000) -> tuple[str, StandardFieldSpec]:
    return name, StandardFieldSpec(name, kind, title, max_length)


STANDARD_FIELDS: dict[str, StandardFieldSpec] = dict(
    [
        _spec("email", StandardKind.email, "Email"),
        _spec("phones", StandardKind.phones, "Phones"),
        _spec("first_name", StandardKind.line, "First name"),
        _spec("last_name", StandardKind.line, "Last name"),
        _spec("birth_date", StandardKind.date, "Date of birth"),
        _spec("gender", StandardKind.gender, "Gender"),
        _spec("reg_date", StandardKind.date, "Registration date"),
        _spec("reg_ip", StandardKind.ip, "Registration IP"),
        _spec("reg_city", StandardKind.line, "Registration city"),
        _spec("reg_country", StandardKind.line, "Registration country", 200),
        _spec("reg_url", StandardKind.line, "Registration URL"),
        _spec("ip", StandardKind.ip, "IP address"),
        _spec("city", StandardKind.line, "City"),
        _spec("country", StandardKind.line, "Country", 200),
        _spec("region", StandardKind.line, "Region"),
        _spec("postal_code", StandardKind.line, "Postal code"),
        _spec("timezone", StandardKind.timezone, "Time zone"),
        _spec("vendor", StandardKind.line, "Lead source"),
    ]
)

# Keys an import record or a profile uses for other things; a custom field by these names would be unreachable.
RESERVED_NAMES = frozenset(
    {
        "profile_id",
        "subscriptions",
        "promo_codes",
        "created_at",
        "updated_at",
        "has_interactions",
        "ml",
        "suppressed",
        "activity",
    }
)


def _refuse(error: FieldDefinitionError) -> PydanticCustomError:
    # The code becomes the pydantic error type, so API callers get e.g. `unique_not_allowed`, not `value_error`.
    return PydanticCustomError(error.code, "{message}", {"message": error.message})


# What str.strip() removes (Python's whitespace), and NUL: an option may neither start nor end with one.
_EDGE = r"[^\u0000\t\n\u000b\u000c\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
OPTIONS_SCHEMA: JsonDict = {
    "maxItems": 1000,
    "uniqueItems": True,
    "items": {"type": "string", "minLength": 1, "maxLength": 1000, "pattern": rf"^{_EDGE}(?:[^\u0000]*{_EDGE})?$"},
}


class CustomField(BaseModel):
    """A custom field of a database. Attribute order matters: `default` is checked against those before it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(
        description="API key: a Latin letter, then letters, digits, '_' or '-' (64 at most); not the name of a "
        "standard or system field (in any case)",
        json_schema_extra={"pattern": f"^{NAME_PATTERN.pattern}$"},  # checked by the validator, with its own code
    )
    title: str = Field("", max_length=1000, description="Display name, free text")
    type: FieldType = Field(description="One of the 10 types; fixed once profiles hold values")
    options: list[str] = Field(
        default_factory=list,
        validate_default=True,
        description="The choices of an enum field (enum only): at most 1000 distinct ones, each 1 to 1000 "
        "characters without NUL or outer blanks",
        json_schema_extra=OPTIONS_SCHEMA,  # _check_options enforces it, with its own codes
    )
    max_length: int = Field(DEFAULT_MAX_LENGTH, ge=1, le=1_000_000, description="Longest text of a line field")
    peer_keys: bool = Field(False, description="object_array only: every element has the same keys")
    unique: bool = Field(False, description="Usable as an import matching key (number, line, date, enum, ip)")
    default: Any = Field(None, description="Written for new profiles when the value is absent or empty")
    required: bool = Field(False, description="The value must be given on import unless a default is set")
    show_in_subscription_manager: bool = Field(False, description="Shown, and editable, on the subscriber's page")

    @field_validator("name")
    @classmethod
    def _name_is_usable(cls, name: str) -> str:
        if not NAME_PATTERN.fullmatch(name):
            raise _refuse(
                FieldDefinitionError(
                    "name", name, "invalid_name", "a name is a Latin letter then up to 63 letters, digits, '_' or '-'"
                )
            )
        if name.lower() in STANDARD_FIELDS or name.lower() in RESERVED_NAMES:
            raise _refuse(
                FieldDefinitionError(
                    "name", name, "reserved_name", f"{name!r} is the name of a standard or system field"
                )
            )
        return name

    @field_validator("options")
    @classmethod
    def _options_fit_type(cls, options: list[str], info: ValidationInfo) -> list[str]:
        if info.data.get("type") == FieldType.enum:
            _check_options(options)
        elif options:
            raise _refuse(
                FieldDefinitionError("options", options, "options_not_allowed", "only enum fields have options")
            )
        return options

    @field_validator("max_length", "peer_keys", "unique")
    @classmethod
    def _setting_fits_type(cls, value: Any, info: ValidationInfo) -> Any:
        kind, setting = info.data.get("type"), str(info.field_name)
        allowed = {
            "max_length": (kind == FieldType.line or value == DEFAULT_MAX_LENGTH),
            "peer_keys": (kind == FieldType.object_array or not value),
            "unique": (kind in UNIQUE_TYPES or not value),
        }
        if kind is not None and not allowed[setting]:
            raise _refuse(
                FieldDefinitionError(
                    setting, value, f"{setting}_not_allowed", f"{setting} is not available for {kind} fields"
                )
            )
        return value

    @field_validator("default")
    @classmethod
    def _default_fits_type(cls, default: Any, info: ValidationInfo) -> Any:
        if default is None or not {"name", "type", "options", "max_length", "peer_keys"} <= info.data.keys():
            return default  # an earlier attribute is already wrong; that error is the one to report
        from .coerce import coerce_custom  # coerce needs this module's types; importing here breaks the cycle

        try:
            return coerce_custom(CustomField.model_construct(**info.data), default)
        except FieldValueError as exc:
            raise _refuse(FieldDefinitionError("default", default, "invalid_default", exc.reason)) from None


def _check_options(options: list[str]) -> None:
    if not options:
        raise _refuse(FieldDefinitionError("options", options, "options_required", "an enum field needs options"))
    if len(options) > 1000 or len(set(options)) != len(options):
        raise _refuse(FieldDefinitionError("options", options, "invalid_options", "at most 1000 distinct options"))
    for option in options:
        if not option.strip() or option != option.strip() or len(option) > 1000 or "\x00" in option:
            raise _refuse(
                FieldDefinitionError(
                    "options", option, "invalid_option", "an option is 1 to 1000 characters, no NUL, no outer spaces"
                )
            )


class StandardFieldSettings(BaseModel):
    """The settings of a standard field in one database (check the default with `check_standard_settings`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default: Any = Field(None, description="Written for new profiles when the value is absent or empty")
    required: bool = Field(False, description="The value must be given on import unless a default is set")
    show_in_subscription_manager: bool = Field(False, description="Shown, and editable, on the subscriber's page")


def check_standard_settings(name: str, settings: StandardFieldSettings) -> StandardFieldSettings:
    """`settings` of standard field `name` with the default in its stored form; FieldDefinitionError if it is wrong."""
    if name not in STANDARD_FIELDS:
        raise FieldDefinitionError("name", name, "unknown_field", "not a standard field")
    if settings.default is None:
        return settings
    from .coerce import coerce_standard  # see CustomField._default_fits_type

    try:
        default = coerce_standard(name, settings.default)
    except FieldValueError as exc:
        raise FieldDefinitionError(f"{name}.default", settings.default, "invalid_default", exc.reason) from None
    return settings.model_copy(update={"default": default})
