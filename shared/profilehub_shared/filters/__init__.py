"""Safe translation of profile filters (structured and quick search) into MongoDB queries for FerretDB 1.x.

No key or operator of the user's input reaches the database: field names are resolved against the schema, values
are read by the field's type, and every document key and `$` operator is built by this package.
"""

from .derived import (
    CHANNELS,
    PROMO_POOLS,
    STATUSES,
    SUBSCRIPTION_KEYS,
    promo_pools,
    subscription_key,
    subscription_keys,
)
from .model import MAX_CONDITIONS, MAX_GROUP_DEPTH, Condition, Filter, FilterError, Group, check_limits, parse_filter
from .quick import parse_quick_search
from .translate import QUERY_OPERATORS, to_query

__all__ = [
    "CHANNELS",
    "MAX_CONDITIONS",
    "MAX_GROUP_DEPTH",
    "PROMO_POOLS",
    "QUERY_OPERATORS",
    "STATUSES",
    "SUBSCRIPTION_KEYS",
    "Condition",
    "Filter",
    "FilterError",
    "Group",
    "check_limits",
    "parse_filter",
    "parse_quick_search",
    "promo_pools",
    "subscription_key",
    "subscription_keys",
    "to_query",
]
