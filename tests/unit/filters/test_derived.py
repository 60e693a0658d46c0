"""The derived keys the importer keeps so FerretDB can answer subscription and promo-code filters."""

from profilehub_shared.filters import promo_pools, subscription_key, subscription_keys


def test_subscription_keys_are_resource_channel_status() -> None:
    assert subscription_key("r1", "email", "subscribed") == "r1:email:subscribed"
    subs = [
        {"resource_id": "r2", "channel": "sms", "address": "+79001234567", "status": "unsubscribed", "priority": 0},
        {"resource_id": "r1", "channel": "email", "address": "a@x.io", "status": "subscribed", "priority": 1},
        {"resource_id": "r1", "channel": "email", "address": "b@x.io", "status": "subscribed", "priority": 2},
    ]
    assert subscription_keys(subs) == ["r1:email:subscribed", "r2:sms:unsubscribed"]
    assert subscription_keys([]) == []


def test_promo_pools_are_the_distinct_pool_ids() -> None:
    codes = [{"pool_id": "p2", "code": "A"}, {"pool_id": "p1", "code": "B"}, {"pool_id": "p2", "code": "C"}]
    assert promo_pools(codes) == ["p1", "p2"]
