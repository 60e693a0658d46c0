"""Whether the change a write makes fits in one Kafka message as its `ProfileChanged` event.

A write whose event could not be published must not be made: it is refused as `too_large` instead. Most changes
are far below the limit, so a cheap upper bound decides them; only a change that might be too large is measured.
"""

from typing import Any

from profilehub_shared.contracts.base import MAX_MESSAGE_BYTES

# What an event carries besides its changes (ids, source, job id, times), generously.
ENVELOPE_BYTES = 1024


SCALAR_BOUND = 40  # null, a boolean, a number, a date as ISO text
SCALARS = frozenset({int, float, bool, type(None)})


def upper_bound(value: Any) -> int:
    """Bytes that `value` can take at most as JSON (a character is at most 6 bytes: `\\u001f`)."""
    kind = type(value)
    if kind is str or isinstance(value, str):
        return 6 * len(value) + 2
    if kind in SCALARS:
        return SCALAR_BOUND
    if isinstance(value, dict):
        return 2 + sum(upper_bound(k) + upper_bound(v) + 2 for k, v in value.items())
    if isinstance(value, list | tuple):
        return 2 + sum(upper_bound(v) + 1 for v in value)
    return SCALAR_BOUND  # other numbers, dates as ISO text


def changes_bound(changes: dict[str, tuple[Any, Any]]) -> int:
    """`upper_bound` of the event's changes and envelope. Checked for every written record, so a new value
    that is text (most) is bounded here and an old value of none (every change of a new profile) costs no call."""
    total = ENVELOPE_BYTES
    for path, (old, new) in changes.items():
        total += 6 * len(path) + 34
        total += SCALAR_BOUND if old is None else upper_bound(old)
        total += 6 * len(new) + 2 if type(new) is str else upper_bound(new)
    return total


def largest_change(changes: dict[str, tuple[Any, Any]]) -> str:
    """The field whose old and new values weigh most: what a `too_large` refusal names."""
    return max(changes, key=lambda p: upper_bound(changes[p][0]) + upper_bound(changes[p][1]))


def too_large_reason(size: int) -> str:
    return (
        f"the change would make a {size:,}-byte ProfileChanged event, over the {MAX_MESSAGE_BYTES:,}-byte limit "
        "of one Kafka message; shorten the value"
    )
