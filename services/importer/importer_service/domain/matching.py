"""How an incoming record finds its profile: by email, any phone, profile id, or a unique custom field."""

from collections import defaultdict
from collections.abc import Iterable
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


def key_values(profile: dict[str, Any], matching: str) -> Iterable[Any]:
    """The values a stored profile is found by under `matching`."""
    if matching == "email":
        return [profile["email"]] if "email" in profile else []
    if matching == "phone":
        return profile.get("phones", [])
    if matching == "profile_id":
        return [profile["_id"]]
    value = profile.get("fields", {}).get(matching[6:])
    return [] if value is None else [value]


class BatchProfiles:
    """The profiles a batch reads and writes, found by their match values without scanning them all.

    `find` gives the profiles matching any of the values, in the order they were first seen; a profile put again
    keeps its place and is found by its new values (candidates are checked, so values it lost find nothing).
    """

    def __init__(self, matching: str, profiles: Iterable[dict[str, Any]] = ()) -> None:
        self.matching = matching
        self.profiles: dict[str, dict[str, Any]] = {}
        self.order: dict[str, int] = {}
        self.by_value: defaultdict[Any, set[str]] = defaultdict(set)
        for profile in profiles:
            self.put(profile)

    def put(self, profile: dict[str, Any]) -> None:
        pid = profile["_id"]
        self.order.setdefault(pid, len(self.order))
        self.profiles[pid] = profile
        for value in key_values(profile, self.matching):
            self.by_value[value].add(pid)

    def find(self, values: list[Any]) -> list[dict[str, Any]]:
        candidates = {pid for v in values for pid in self.by_value.get(v, ())}
        return [
            self.profiles[pid]
            for pid in sorted(candidates, key=self.order.__getitem__)
            if profile_matches(self.profiles[pid], self.matching, values)
        ]
