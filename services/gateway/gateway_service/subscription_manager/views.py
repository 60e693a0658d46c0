"""What the page shows of a profile: its form fields and its subscriptions, per resource and channel."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from profilehub_shared.contracts.schema_state import Database

from .forms import FormField, form_text, shown_fields, stored_value


@dataclass(frozen=True)
class FieldView:
    field: FormField
    value: str
    error: str | None = None


@dataclass(frozen=True)
class SubscriptionView:
    resource_id: str
    resource_name: str
    channel: str
    status: str
    address: str | None
    suspended_until: datetime | None

    @property
    def key(self) -> str:
        return f"{self.resource_id}-{self.channel}"


def field_views(
    db: Database, profile: dict[str, Any], typed: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> list[FieldView]:
    """Each shown field, pre-filled with the stored value (or with what was typed, when the form had errors)."""
    typed, errors = typed or {}, errors or {}
    return [
        FieldView(f, typed[f.name] if f.name in typed else form_text(f, stored_value(profile, f)), errors.get(f.name))
        for f in shown_fields(db)
    ]


def subscription_views(db: Database, profile: dict[str, Any], names: dict[str, str]) -> list[SubscriptionView]:
    """The profile's subscriptions to resources the database allows, ordered by resource name and channel."""
    views = [
        SubscriptionView(
            s["resource_id"],
            names.get(s["resource_id"], s["resource_id"]),
            s["channel"],
            s.get("status", ""),
            s.get("address"),
            s.get("suspended_until"),
        )
        for s in profile.get("subscriptions") or []
        if s.get("resource_id") in db.settings.resource_ids
    ]
    return sorted(views, key=lambda v: (v.resource_name, v.channel))
