"""Turning a file row into a record: column → field mapping, subscription columns, unmapped columns."""

from typing import Any

from profilehub_shared.fields import STANDARD_FIELDS

SUBSCRIPTION_PREFIX = "subscription."
TRUTHY = {"1", "yes", "y", "true", "on", "subscribed"}
FALSY = {"0", "no", "n", "false", "off", "unsubscribed"}


def effective_mapping(columns: list[str], mapping: dict[str, str], custom_fields: set[str]) -> dict[str, str]:
    """The given mapping, or else every column named like a field (standard, custom, or subscription.*)."""
    if mapping:
        return {c: f for c, f in mapping.items() if c in columns}
    known = set(STANDARD_FIELDS) | custom_fields | {"profile_id"}
    return {c: c for c in columns if c in known or c.startswith(SUBSCRIPTION_PREFIX)}


def unknown_targets(mapping: dict[str, str], custom_fields: set[str]) -> list[str]:
    """Mapped columns whose field the database does not have (the gateway refuses them at upload; a field removed
    since then would otherwise drop its column without a word). Subscription columns are checked row by row."""
    known = set(STANDARD_FIELDS) | custom_fields | {"profile_id"}
    return [c for c, f in mapping.items() if f not in known and not f.startswith(SUBSCRIPTION_PREFIX)]


def subscription_status(cell: object) -> str | None:
    """A subscription cell: a status name, or yes/no style text; empty means no change."""
    text = str(cell).strip().lower() if cell is not None else ""
    if not text:
        return None
    if text in TRUTHY:
        return "subscribed"
    if text in FALSY:
        return "unsubscribed"
    return text  # validated against the known statuses when the record is read


def record_from_row(values: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    """The record a row stands for: mapped fields by name, subscription columns as a `subscriptions` list."""
    record: dict[str, Any] = {}
    subscriptions: list[dict[str, Any]] = []
    for column, target in mapping.items():
        if column not in values:
            continue
        if target.startswith(SUBSCRIPTION_PREFIX):
            _, resource_id, channel = [*target.split(".", 2), "", ""][:3]
            status = subscription_status(values[column])
            if status is not None:
                subscriptions.append({"resource_id": resource_id, "channel": channel, "status": status})
        else:
            record[target] = values[column]
    if subscriptions:
        record["subscriptions"] = subscriptions
    return record
