"""A profile of one database as a record for another: what the target has is kept, the rest is dropped."""

from typing import Any

from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.fields import STANDARD_FIELDS


def record_for_target(profile: dict[str, Any], target: Database, matching: str) -> tuple[dict[str, Any], list[str]]:
    """The record to import into `target`, and the custom fields it lacks (their values are dropped).

    Standard fields exist everywhere; subscriptions stay only for resources the target allows. Promo codes and
    system fields are not copied: a code belongs to one profile, and the target keeps its own system data.
    """
    record: dict[str, Any] = {name: value for name, value in profile.items() if name in STANDARD_FIELDS}
    dropped: list[str] = []
    for name, value in profile.get("fields", {}).items():
        if target.field(name) is not None:
            record[name] = value
        else:
            dropped.append(name)
    allowed = set(target.settings.resource_ids)
    subscriptions = [s for s in profile.get("subscriptions", []) if s.get("resource_id") in allowed]
    if subscriptions:
        record["subscriptions"] = subscriptions
    if matching == "profile_id":
        record["profile_id"] = profile["_id"]
    return record, dropped
