"""What subscribers' actions do to the stored subscriptions (pure)."""

from datetime import UTC, datetime, timedelta

import pytest

from importer_service.domain import subscriber_actions as actions

NOW = datetime(2026, 12, 1, tzinfo=UTC)
SUBS = [
    {"resource_id": "news", "channel": "email", "status": "subscribed", "address": None, "priority": 0},
    {"resource_id": "news", "channel": "sms", "status": "subscribed", "address": None, "priority": 0},
    {"resource_id": "promo", "channel": "email", "status": "hardbounced", "address": None, "priority": 0},
]


def test_unsubscribe_changes_only_that_channel() -> None:
    out = actions.unsubscribe(SUBS, "news", "email")
    assert [s["status"] for s in out] == ["unsubscribed", "subscribed", "hardbounced"]


def test_unsubscribe_all_keeps_what_the_mail_system_decided() -> None:
    assert [s["status"] for s in actions.unsubscribe_all(SUBS)] == ["unsubscribed", "unsubscribed", "hardbounced"]


@pytest.mark.parametrize("days", [14, 30, 60, 90])
def test_suspend_then_resume_when_the_period_ends(days: int) -> None:
    out = actions.suspend(SUBS, "news", "sms", days, NOW)
    assert out[1]["status"] == "suspended" and out[1]["suspended_until"] == NOW + timedelta(days=days)
    assert actions.resume_due(out, NOW + timedelta(days=days) - timedelta(seconds=1)) == out
    back = actions.resume_due(out, NOW + timedelta(days=days))
    assert back == SUBS
    assert actions.resume_due(back, NOW + timedelta(days=days + 1)) == back  # once


def test_a_bounced_address_cannot_be_resubscribed_or_paused() -> None:
    with pytest.raises(actions.ActionRefused):
        actions.resubscribe(SUBS, "promo", "email")
    with pytest.raises(actions.ActionRefused):
        actions.suspend(SUBS, "promo", "email", 30, NOW)


def test_an_unknown_subscription_is_refused_by_name() -> None:
    with pytest.raises(actions.ActionRefused) as refused:
        actions.unsubscribe(SUBS, "news", "push")
    assert refused.value.error.code == "unknown_subscription"


def test_confirm_records_when_and_how_once() -> None:
    subs = [SUBS[0] | {"status": "unconfirmed"}]
    out = actions.confirm(subs, "news", "email", NOW)
    assert out[0] | {} == SUBS[0] | {"confirmed_at": NOW, "confirmation_source": "confirm_link"}
    assert actions.confirm(out, "news", "email", NOW + timedelta(hours=1)) == out
    with pytest.raises(actions.ActionRefused):
        actions.confirm(SUBS, "news", "email", NOW)
