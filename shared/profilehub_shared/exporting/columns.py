"""Which profile values an export's columns hold: names as users give them, resolved against the database."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..contracts.schema_state import Database
from ..fields import FieldType
from ..fields.definitions import STANDARD_FIELDS, StandardKind
from ..filters.activity import ACTIVITY, activity_column
from ..send_time import next_utc_hours

Getter = Callable[[dict[str, Any]], Any]
SYSTEM = ("created_at", "updated_at", "has_interactions", "suppressed")
FLAGS = ("has_interactions", "suppressed")  # absent on older profiles: false
CHANNELS = ("email", "sms", "push")
LINK_COLUMN = "subscription_manager_url"  # a signed link per profile, minted by the exporter (see subscription_links)


@dataclass(frozen=True)
class Column:
    """One exported column: its header, how to read it from a stored profile, and the kind of its values
    (text, flag, date, tags, json; `any` decides per value) which says how a CSV or XLSX cell is written."""

    name: str
    get: Getter
    kind: str = "any"


class ColumnError(ValueError):
    """A column name the database does not have; names the field, the value and the reason."""

    def __init__(self, field: str, value: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field, self.value, self.code, self.message = field, value, code, message

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "value": self.value[:100], "code": self.code, "message": self.message}


def _key(key: str, default: Any = None) -> Getter:
    return lambda p: p.get(key, default)


def _custom(name: str) -> Getter:
    return lambda p: (p.get("fields") or {}).get(name)


def _subscription(resource_id: str, channel: str) -> Getter:
    def status(p: dict[str, Any]) -> Any:
        found = (s for s in p.get("subscriptions") or () if (s["resource_id"], s["channel"]) == (resource_id, channel))
        return next((s.get("status") for s in found), None)

    return status


def _activity(key: str, default: Any) -> Getter:
    return lambda p: (p.get(ACTIVITY) or {}).get(key, default)


def _bst(p: dict[str, Any]) -> Any:
    bst = (p.get("ml") or {}).get("bst")
    if isinstance(bst, dict) and bst.get("local_hours") is not None and bst.get("timezone"):
        # UTC hours with the offset of the export's moment: the next occurrence of each local best hour
        return {**bst, "hours": next_utc_hours(bst["local_hours"], bst["timezone"], datetime.now(UTC))}
    return bst


STANDARD_KINDS = {StandardKind.date: "date", StandardKind.phones: "json"}
CUSTOM_KINDS = {
    FieldType.date: "date",
    FieldType.boolean: "flag",
    FieldType.tags: "tags",
    FieldType.object: "json",
    FieldType.object_array: "json",
}


def column(db: Database, name: str, at: int, link: Getter | None = None) -> Column:
    """The column `name`; ColumnError when the database has no such field. `link` mints the profile's
    subscription-manager URL (without it the column is only checked, as the gateway does)."""
    if name == LINK_COLUMN:
        return Column(name, link or _key("subscription_manager_url"), "text")
    if name == "profile_id":
        return Column(name, _key("_id"), "text")
    if name in STANDARD_FIELDS:
        return Column(name, _key(name), STANDARD_KINDS.get(STANDARD_FIELDS[name].kind, "text"))
    if name in SYSTEM:
        return Column(name, _key(name, False), "flag") if name in FLAGS else Column(name, _key(name), "date")
    if name in ("subscriptions", "promo_codes"):
        return Column(name, _key(name), "json")
    if name == "ml.bst":
        return Column(name, _bst, "json")
    if name == ACTIVITY:
        return Column(name, _key(ACTIVITY, {}), "json")
    if (activity := activity_column(name)) is not None and db.field(ACTIVITY) is None:
        key, kind = activity
        return Column(name, _activity(key, None), "date") if kind == "date" else Column(name, _activity(key, 0))
    if name.startswith("subscription."):
        parts = name.split(".")
        if len(parts) != 3 or parts[1] not in db.settings.resource_ids or parts[2] not in CHANNELS:
            raise ColumnError(
                f"fields[{at}]", name, "unknown_subscription",
                "a subscription column is subscription.<resource_id>.<channel>, with a resource the database "
                f"allows ({', '.join(db.settings.resource_ids) or 'none'}) and a channel of {', '.join(CHANNELS)}",
            )  # fmt: skip
        return Column(name, _subscription(parts[1], parts[2]), "text")
    custom = db.field(name)
    if custom is None:
        raise ColumnError(f"fields[{at}]", name, "unknown_field", f"database {db.id} has no field {name!r}")
    return Column(name, _custom(name), CUSTOM_KINDS.get(custom.type, "text"))


def profile_columns(db: Database, names: list[str], link: Getter | None = None) -> list[Column]:
    """The columns of an export, in the given order; ColumnError for an unknown or repeated name."""
    seen: set[str] = set()
    out = []
    for at, name in enumerate(names):
        if name in seen:
            raise ColumnError(f"fields[{at}]", name, "duplicate_field", f"{name!r} is asked for twice")
        seen.add(name)
        out.append(column(db, name, at, link))
    return out
