"""A profile's activity after some interactions: per family the count and the last time (see filters.activity).

Exactly once under redelivery: each interaction is first kept by its event id (the importer's `activity_events`),
and a profile records in `activity_applied` the ids it applied that the ledger may not yet mark applied: those its
last write applied and those earlier writes applied that are still open in the ledger. An id found there is not
applied again, so a crash between the profile write and marking its interactions applied counts nothing twice, even
when other batches (another partition, a half of a split batch) write the profile before the crashed one comes again.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from profilehub_shared.filters.activity import ACTIVITY, count_key, families_of, last_at_key

APPLIED = "activity_applied"
REVISION = "activity_rev"


@dataclass(frozen=True)
class Happened:
    """One interaction waiting to be counted: its ledger key (database and event id), profile, type and time."""

    key: str
    profile_id: str
    type: str
    at: datetime


def activity_changes(
    profile: dict[str, Any], happened: Sequence[Happened], still_open: Collection[str] = ()
) -> dict[str, Any]:
    """The `$set` of `profile` once `happened` is counted: changed `activity.*` keys and the applied ids.
    Interactions whose key the profile's `activity_applied` holds were counted by an earlier write; of those, the ones
    in `still_open` (not yet marked applied in the ledger) stay in `activity_applied`."""
    applied = list(profile.get(APPLIED) or ())
    before: dict[str, Any] = profile.get(ACTIVITY) or {}
    after = dict(before)
    batch = {event.key for event in happened}
    keys = [key for key in applied if key in still_open and key not in batch]
    applied_set = set(applied)
    for event in happened:
        keys.append(event.key)
        if event.key in applied_set:
            continue
        for family in families_of(event.type):
            after[count_key(family)] = after.get(count_key(family), 0) + 1
            last = after.get(last_at_key(family))
            if last is None or event.at > last:
                after[last_at_key(family)] = event.at
    changes: dict[str, Any] = {f"{ACTIVITY}.{k}": v for k, v in after.items() if before.get(k) != v}
    changes[APPLIED] = keys
    return changes
