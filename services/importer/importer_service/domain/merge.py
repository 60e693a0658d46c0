"""Merging a read record into a profile: defaults and required for new profiles, untouched absent fields."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from profilehub_shared.contracts.profiles import WriteOptions
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.fields import FieldValueError
from profilehub_shared.filters.derived import subscription_keys

from .records import ReadRecord

Outcome = Literal["created", "updated", "unchanged"]


@dataclass
class Merged:
    """The profile after the write and what changed (path → old, new); `unchanged` writes nothing."""

    outcome: Outcome
    profile: dict[str, Any]
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    remembered: bool = False  # the write also stores `last_write` (stream writes: see written_events)
    released: list[str] = field(default_factory=list)  # claims of unique values the write gives up


def _settings_of(db: Database) -> dict[str, tuple[str, Any, bool]]:
    """Path in the profile → (field name, default, required) for every field with a setting."""
    out: dict[str, tuple[str, Any, bool]] = {}
    for name, s in db.standard_fields.items():
        out[name] = (name, s.default, s.required)
    for f in db.custom_fields:
        out[f"fields.{f.name}"] = (f.name, f.default, f.required)
    return out


def _get(profile: dict[str, Any], path: str) -> Any:
    if path.startswith("fields."):
        return profile.get("fields", {}).get(path[7:])
    return profile.get(path)


def _set(profile: dict[str, Any], path: str, value: Any) -> None:
    if path.startswith("fields."):
        fields = profile.setdefault("fields", {})
        if value is None:
            fields.pop(path[7:], None)
        else:
            fields[path[7:]] = value
    elif value is None:
        profile.pop(path, None)
    else:
        profile[path] = value


def given_values(rec: ReadRecord) -> dict[str, Any]:
    return {**rec.standard, **{f"fields.{k}": v for k, v in rec.custom.items()}}


def _empty_paths(db: Database, rec: ReadRecord) -> list[str]:
    return [f"fields.{n}" if db.field(n) is not None else n for n in rec.empty]


def merge_subscriptions(current: list[dict[str, Any]], given: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Given subscriptions replace the ones with the same resource and channel; others stay."""
    by_key = {(s["resource_id"], s["channel"]): s for s in current}
    for s in given:
        by_key[(s["resource_id"], s["channel"])] = s
    return list(by_key.values())


def new_profile(
    db: Database, rec: ReadRecord, profile_id: str, now: datetime, settings: "NewProfileRules | None" = None
) -> Merged:
    """A new profile: given values, then defaults for absent or empty fields; required fields must be there.
    `settings`: `NewProfileRules.of(db)`, built once for a batch of new profiles."""
    fields = {name: value for name, value in rec.custom.items() if value is not None}
    profile: dict[str, Any] = {"_id": profile_id, "fields": fields}
    profile.update((name, value) for name, value in rec.standard.items() if value is not None)
    missing: list[FieldValueError] = []
    for path, (name, default, required) in (settings or NewProfileRules.of(db)).settings:
        if _get(profile, path) is None and default is not None:
            _set(profile, path, default)
        if required and _get(profile, path) is None:
            missing.append(FieldValueError(name, None, "required", f"{name} is required and has no default"))
    if missing:
        raise RecordRejected(missing)
    if rec.subscriptions:
        profile["subscriptions"] = merge_subscriptions([], rec.subscriptions)
        profile["subscription_keys"] = subscription_keys(profile["subscriptions"])
    profile.update(created_at=now, updated_at=now, has_interactions=False)
    changes = {path: (None, value) for path, value in profile.items() if path not in SYSTEM_PATHS}
    del changes["fields"]
    changes.update({f"fields.{name}": (None, value) for name, value in fields.items()})
    return Merged("created", profile, changes)


@dataclass(frozen=True)
class NewProfileRules:
    """The settings a new profile is checked against: path → (field name, default, required), only the fields
    with a default or required (the rest change nothing)."""

    settings: list[tuple[str, tuple[str, Any, bool]]]

    @classmethod
    def of(cls, db: Database) -> "NewProfileRules":
        return cls([(path, s) for path, s in _settings_of(db).items() if s[1] is not None or s[2]])


def update_profile(
    db: Database, existing: dict[str, Any], rec: ReadRecord, opts: WriteOptions, now: datetime
) -> Merged:
    """An existing profile: given values replace, absent fields stay, empty ones stay unless `empty: clear`."""
    profile = {**existing, "fields": dict(existing.get("fields", {}))}
    changes: dict[str, tuple[Any, Any]] = {}
    updates = given_values(rec)
    if opts.empty == "clear":
        updates |= {path: None for path in _empty_paths(db, rec)}
    for path, value in updates.items():
        old = _get(profile, path)
        if old != value:
            _set(profile, path, value)
            changes[path] = (old, value)
    if rec.subscriptions:
        old_subs = existing.get("subscriptions", [])
        new_subs = merge_subscriptions(old_subs, rec.subscriptions)
        if new_subs != old_subs:
            profile["subscriptions"] = new_subs
            profile["subscription_keys"] = subscription_keys(new_subs)
            changes["subscriptions"] = (old_subs, new_subs)
    if not changes:
        return Merged("unchanged", existing)
    profile["updated_at"] = now
    return Merged("updated", profile, changes)


SYSTEM_PATHS = {"_id", "created_at", "updated_at", "has_interactions", "subscription_keys"}


class RecordRejected(Exception):
    """The record cannot be written; `errors` say why, field by field."""

    def __init__(self, errors: list[FieldValueError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors
