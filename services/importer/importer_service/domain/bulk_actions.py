"""What a bulk-update action does to one profile: plain functions over a profile, no Kafka, no Mongo."""

from datetime import datetime
from typing import Any

from profilehub_shared.contracts.jobs import BulkAction, ChangeSubscription, SetValues, UnsetFields
from profilehub_shared.contracts.profiles import WriteOptions
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.fields import STANDARD_FIELDS, FieldValueError
from profilehub_shared.filters.derived import promo_pools

from .merge import Merged, RecordRejected, update_profile
from .records import ReadRecord, read_record

CLEAR = WriteOptions(empty="clear")


class ActionNotUsable(ValueError):
    """The action does not fit the database (unknown field, bad value, resource not allowed): the job fails."""


def prepare(db: Database, action: BulkAction) -> ReadRecord | None:
    """Check the action once for the whole job; for set/unset, the record every profile is merged with."""
    if isinstance(action, SetValues):
        rec = read_record(db, dict(action.values), WriteOptions())
        problems = [f"{e.field}: {e.message}" for e in rec.errors] + [f"{n}: not a field" for n in rec.unknown]
        problems += [f"{n}: empty value (use unset to clear)" for n in sorted(rec.empty)]
        problems += [f"{n}: not a field value" for n in ("profile_id", "subscriptions") if n in action.values]
        if problems:
            raise ActionNotUsable("; ".join(problems))
        return rec
    if isinstance(action, UnsetFields):
        for name in action.fields:
            field = db.field(name)
            if field is None and name not in STANDARD_FIELDS:
                raise ActionNotUsable(f"{name}: not a field of this database")
            required = field.required if field is not None else getattr(db.standard_fields.get(name), "required", False)
            if required:
                raise ActionNotUsable(f"{name}: the field is required and cannot be cleared")
        return read_record(db, dict.fromkeys(action.fields), CLEAR)
    if isinstance(action, ChangeSubscription) and action.resource_id not in db.settings.resource_ids:
        raise ActionNotUsable(f"resource {action.resource_id!r} is not allowed in this database")
    return None


def change_fields(db: Database, profile: dict[str, Any], rec: ReadRecord, now: datetime) -> Merged:
    """Set or clear the prepared values (clearing is the `empty: clear` rule of imports)."""
    return update_profile(db, profile, rec, CLEAR, now)


def address_for(profile: dict[str, Any], channel: str) -> str | None:
    if channel == "email":
        return profile.get("email")
    if channel == "sms":
        return next(iter(profile.get("phones", [])), None)
    return None


def change_subscription(db: Database, profile: dict[str, Any], action: ChangeSubscription, now: datetime) -> Merged:
    """Subscribe (the address is the email, or the first phone for sms) or unsubscribe one resource channel."""
    key = (action.resource_id, action.channel)
    current = next((s for s in profile.get("subscriptions", []) if (s["resource_id"], s["channel"]) == key), None)
    if action.type == "unsubscribe":
        if current is None or current["status"] == "unsubscribed":
            return Merged("unchanged", profile)
        wanted = {**current, "status": "unsubscribed"}
    else:
        address = address_for(profile, action.channel) or (current or {}).get("address")
        if address is None and action.channel != "push":
            name = "email" if action.channel == "email" else "phones"
            raise RecordRejected([FieldValueError(name, None, "no_address", f"the profile has no {name} to subscribe")])
        wanted = {"resource_id": action.resource_id, "channel": action.channel, "status": "subscribed",
                  "address": address, "priority": (current or {}).get("priority", 0)}  # fmt: skip
    return update_profile(db, profile, ReadRecord(subscriptions=[wanted]), WriteOptions(), now)


def holds_code(profile: dict[str, Any], pool_id: str) -> bool:
    return any(c.get("pool_id") == pool_id for c in profile.get("promo_codes", []))


def with_codes(profile: dict[str, Any], codes: list[dict[str, Any]], now: datetime) -> Merged:
    old = profile.get("promo_codes", [])
    if codes == old:
        return Merged("unchanged", profile)
    changed = {**profile, "promo_codes": codes, "promo_pools": promo_pools(codes), "updated_at": now}
    return Merged("updated", changed, {"promo_codes": (old, codes)})


def attach_code(profile: dict[str, Any], pool_id: str, code: str | None, now: datetime) -> Merged:
    """Add the claimed code; a profile already holding one of the pool, or with no code left, is unchanged."""
    if code is None or holds_code(profile, pool_id):
        return Merged("unchanged", profile)
    entry = {"pool_id": pool_id, "code": code, "assigned_at": now}
    return with_codes(profile, [*profile.get("promo_codes", []), entry], now)


def detach_codes(profile: dict[str, Any], pool_id: str, now: datetime) -> Merged:
    """Remove the pool's codes from the profile (the codes stay assigned: a code is never handed out twice)."""
    kept = [c for c in profile.get("promo_codes", []) if c.get("pool_id") != pool_id]
    return with_codes(profile, kept, now)
