"""What a subscriber's actions do to the profile's subscriptions: pure functions over the stored list.

A suspension keeps the status it interrupted (`resumes_to`) and ends at `suspended_until`; a confirmation of a
double opt-in records when and through what it happened.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from profilehub_shared.fields import FieldValueError

Subscriptions = list[dict[str, Any]]
SUSPENSION_KEYS = ("suspended_until", "resumes_to")


class ActionRefused(ValueError):
    """The action does not apply to this profile (e.g. no such subscription); names field, value and reason."""

    def __init__(self, error: FieldValueError) -> None:
        super().__init__(error.message)
        self.error = error


def _key(s: dict[str, Any]) -> tuple[str, str]:
    return (s["resource_id"], s["channel"])


def _with(subs: Subscriptions, resource_id: str, channel: str, change: Any) -> Subscriptions:
    """`subs` with the one subscription of resource and channel replaced by `change(sub)`; refused when absent."""
    if not any(_key(s) == (resource_id, channel) for s in subs):
        raise ActionRefused(
            FieldValueError(
                "subscriptions",
                f"{resource_id}/{channel}",
                "unknown_subscription",
                "the profile has no such subscription",
            )
        )
    return [change(dict(s)) if _key(s) == (resource_id, channel) else s for s in subs]


def _plain(s: dict[str, Any], status: str) -> dict[str, Any]:
    return {k: v for k, v in s.items() if k not in SUSPENSION_KEYS} | {"status": status}


def unsubscribe(subs: Subscriptions, resource_id: str, channel: str) -> Subscriptions:
    return _with(subs, resource_id, channel, lambda s: _plain(s, "unsubscribed"))


def unsubscribe_all(subs: Subscriptions) -> Subscriptions:
    return [_plain(s, "unsubscribed") if s.get("status") in ACTIVE else s for s in subs]


ACTIVE = ("subscribed", "suspended", "unconfirmed")
# A subscriber may come back from their own choices, never from what the mail system decided (bounces, complaints).
RESUBSCRIBABLE = ("unsubscribed", "suspended")


def resubscribe(subs: Subscriptions, resource_id: str, channel: str) -> Subscriptions:
    def back(s: dict[str, Any]) -> dict[str, Any]:
        if s.get("status") not in RESUBSCRIBABLE and s.get("status") != "subscribed":
            raise ActionRefused(
                FieldValueError("subscriptions.status", s.get("status"), "not_resubscribable", "this status is kept")
            )
        return _plain(s, "subscribed")

    return _with(subs, resource_id, channel, back)


def suspend(subs: Subscriptions, resource_id: str, channel: str, days: int, now: datetime) -> Subscriptions:
    def pause(s: dict[str, Any]) -> dict[str, Any]:
        if s.get("status") not in ("subscribed", "suspended"):
            raise ActionRefused(
                FieldValueError("subscriptions.status", s.get("status"), "not_suspendable", "only a subscription can")
            )
        resumes_to = s.get("resumes_to", "subscribed")
        return s | {"status": "suspended", "suspended_until": now + timedelta(days=days), "resumes_to": resumes_to}

    return _with(subs, resource_id, channel, pause)


def confirm(subs: Subscriptions, resource_id: str, channel: str, now: datetime) -> Subscriptions:
    def confirmed(s: dict[str, Any]) -> dict[str, Any]:
        if s.get("status") == "subscribed" and s.get("confirmed_at"):
            return s  # a second click on the same link changes nothing
        if s.get("status") != "unconfirmed":
            raise ActionRefused(
                FieldValueError("subscriptions.status", s.get("status"), "not_unconfirmed", "nothing to confirm")
            )
        return _plain(s, "subscribed") | {"confirmed_at": now, "confirmation_source": "confirm_link"}

    return _with(subs, resource_id, channel, confirmed)


def due(s: dict[str, Any], now: datetime) -> bool:
    until = s.get("suspended_until")
    return s.get("status") == "suspended" and isinstance(until, datetime) and aware(until) <= now


def aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def resume_due(subs: Subscriptions, now: datetime) -> Subscriptions:
    """Suspensions that ended by `now` back to the status they interrupted; others unchanged."""
    return [_plain(s, s.get("resumes_to", "subscribed")) if due(s, now) else s for s in subs]
