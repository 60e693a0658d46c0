"""Derived profile fields that let FerretDB 1.x answer subscription and promo-code filters.

FerretDB 1.x runs `$elemMatch` only with operator expressions, not with conditions on several keys of one
sub-document, so "resource r1, channel email, status subscribed" cannot be asked of `subscriptions` directly.
The importer therefore keeps, on every write, flat keys next to the lists they summarise:

- `subscription_keys`: `"<resource_id>:<channel>:<status>"` for each entry of `subscriptions`;
- `promo_pools`: the `pool_id` of each entry of `promo_codes`.

Both are plain string arrays, matched with `$eq`/`$ne`/`$in`/`$nin`, which MongoDB and FerretDB both run.
"""

from collections.abc import Iterable, Mapping
from typing import Any

SUBSCRIPTION_KEYS = "subscription_keys"
PROMO_POOLS = "promo_pools"
CHANNELS = ("email", "sms", "push")
STATUSES = ("subscribed", "unsubscribed", "suspended", "unconfirmed", "hardbounced", "complainer", "invalid")


def subscription_key(resource_id: str, channel: str, status: str) -> str:
    """The `subscription_keys` entry of one subscription. Ids, channels and statuses never contain ':'."""
    return f"{resource_id}:{channel}:{status}"


def subscription_keys(subscriptions: Iterable[Mapping[str, Any]]) -> list[str]:
    """The `subscription_keys` value of a profile with these `subscriptions` (sorted, distinct)."""
    return sorted({subscription_key(s["resource_id"], s["channel"], s["status"]) for s in subscriptions})


def promo_pools(promo_codes: Iterable[Mapping[str, Any]]) -> list[str]:
    """The `promo_pools` value of a profile with these `promo_codes` (sorted, distinct)."""
    return sorted({code["pool_id"] for code in promo_codes})
