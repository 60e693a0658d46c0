"""How an incoming record finds its profile: by email, any phone, profile id, or a unique custom field."""

from typing import Any

from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.fields import FieldValueError

from .records import ReadRecord


class MatchingNotUsable(ValueError):
    """The matching option itself is wrong for this database (the whole write is refused, not one record)."""


def check_matching(db: Database, matching: str, mode: str) -> None:
    if matching == "profile_id" and mode != "update_only":
        raise MatchingNotUsable("matching by profile_id only updates: use mode update_only")
    if matching.startswith("field:"):
        name = matching[6:]
        field = db.field(name)
        if field is None:
            raise MatchingNotUsable(f"matching field {name!r} is not a custom field of {db.settings.name!r}")
        if not field.unique:
            raise MatchingNotUsable(f"matching field {name!r} is not declared unique")


def match_values(rec: ReadRecord, matching: str) -> list[Any]:
    """The values the record is matched on; empty when the record lacks its matching key."""
    if matching == "email":
        return [rec.standard["email"]] if "email" in rec.standard else []
    if matching == "phone":
        return list(rec.standard.get("phones", []))
    if matching == "profile_id":
        return [rec.profile_id] if rec.profile_id else []
    name = matching[6:]
    return [rec.custom[name]] if name in rec.custom else []


def missing_key(matching: str) -> FieldValueError:
    name = {"email": "email", "phone": "phones", "profile_id": "profile_id"}.get(matching, matching[6:])
    return FieldValueError(name, None, "missing_match_key", f"the record has no {name}, which it is matched on")


def query_for(matching: str, values: list[Any]) -> dict[str, Any]:
    """The MongoDB filter finding profiles with any of these match values (values are already validated)."""
    path = {"email": "email", "phone": "phones", "profile_id": "_id"}.get(matching) or f"fields.{matching[6:]}"
    return {path: {"$in": values}}


def profile_matches(profile: dict[str, Any], matching: str, values: list[Any]) -> bool:
    if matching == "email":
        return profile.get("email") in values
    if matching == "phone":
        return bool(set(profile.get("phones", [])) & set(values))
    if matching == "profile_id":
        return profile.get("_id") in values
    return profile.get("fields", {}).get(matching[6:]) in values
