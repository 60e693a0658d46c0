"""The keys of a record written through the API: fields of its database, or a 422 naming each one that is not.

The importer ignores (and counts) keys that are not fields, which suits the Kafka stream; an API caller gets the
answer at once instead, so that a typo or a system field does not vanish without a word.
"""

import difflib
from typing import Any

from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.fields import STANDARD_FIELDS
from profilehub_shared.fields.errors import short_repr

from ..errors import ApiError

# What a record may hold besides the fields: see the importer's `read_record`.
RECORD_KEYS = ("profile_id", "subscriptions")
SYSTEM_FIELDS = (
    "_id",
    "created_at",
    "updated_at",
    "has_interactions",
    "suppressed",
    "ml",
    "promo_codes",
    "fields",
    "activity",
)


def writable_keys(database: Database) -> list[str]:
    return [*STANDARD_FIELDS, *(f.name for f in database.custom_fields), *RECORD_KEYS]


def why_unknown(key: str, known: list[str]) -> str:
    if key in SYSTEM_FIELDS:
        return f"{key!r} is a system field the service keeps; a record cannot write it"
    if key.startswith("$") or "." in key:
        return f"{key!r} is not a field name (field names hold no '$' or '.')"
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{key!r} is not a field of this database{hint}"


def check_record_keys(database: Database, record: dict[str, Any]) -> None:
    """422 listing every key of `record` that is neither a standard or custom field nor `profile_id`/`subscriptions`."""
    known = writable_keys(database)
    unknown = [key for key in record if key not in known]
    if not unknown:
        return
    details = [
        {
            "field": f"record.{key}",
            "value": short_repr(key),
            "code": "unknown_field",
            "message": why_unknown(key, known),
        }
        for key in unknown
    ]
    names = ", ".join(repr(k) for k in unknown[:10])
    raise ApiError(422, "invalid", f"the record has keys that are not fields of the database: {names}", details)
