"""The field-type system: field definitions, the standard fields, and coercion of raw input to stored values.

Pure: no Kafka, no MongoDB. Every invalid value raises FieldValueError (field, truncated value, code, message).
"""

from .coerce import coerce_custom, coerce_standard
from .definitions import (
    STANDARD_FIELDS,
    CustomField,
    FieldType,
    StandardFieldSettings,
    StandardFieldSpec,
    StandardKind,
    check_standard_settings,
)
from .errors import FieldDefinitionError, FieldError, FieldValueError
from .objects import checked_object, checked_object_array, parse_json_text

__all__ = [
    "STANDARD_FIELDS",
    "CustomField",
    "FieldDefinitionError",
    "FieldError",
    "FieldType",
    "FieldValueError",
    "StandardFieldSettings",
    "StandardFieldSpec",
    "StandardKind",
    "check_standard_settings",
    "checked_object",
    "checked_object_array",
    "coerce_custom",
    "coerce_standard",
    "parse_json_text",
]
