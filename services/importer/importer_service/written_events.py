"""The change events of stream writes survive a crash between the write and the publish.

A stream write stores, in the same profile document and so in the same atomic write, the JSON of the
`ProfileChanged` it is about to publish and the commands it applied (`last_write`). When a command comes again
(a redelivery after a crash), it is found there: it is not applied a second time, which would replay it over the
later commands of its batch; its stored event is published again, with the same event id, so that consumers that
de-duplicate on it (history does) keep it once. The event id derives from the profile and the commands applied,
so that a replica that wrote a batch after it had lost its partition (stopped past the session timeout, then
resumed) and the replica that took the batch over publish one event id for one change. File imports, copies and
bulk updates need none of this: their stored plans keep their events.
"""

import uuid
from typing import Any

from .domain.merge import Merged

LAST_WRITE = "last_write"
EVENTS = uuid.UUID("4f1d5c1e-7a0b-4d8e-9c52-3e6f0a9b1d27")  # the namespace of stream change event ids


def event_id_of(profile_id: str, refs: dict[str, str]) -> uuid.UUID:
    """The same id for the same commands applied to the same profile, whichever replica writes them."""
    return uuid.uuid5(EVENTS, "|".join([profile_id, *sorted(refs)]))


def written_before(known: list[dict[str, Any]]) -> dict[str, tuple[str, str, str]]:
    """Command ref → (profile id, outcome, event JSON) for the commands that the stored profiles say were written."""
    found: dict[str, tuple[str, str, str]] = {}
    for profile in known:
        last = profile.get(LAST_WRITE)
        if isinstance(last, dict):
            for ref, outcome in last.get("refs", {}).items():
                found[ref] = (profile["_id"], outcome, last.get("event", ""))
    return found


def remember(merged: Merged, refs: dict[str, str], event_json: str) -> None:
    """Have the write of `merged` also store its event and the commands it applies."""
    merged.profile[LAST_WRITE] = {"refs": refs, "event": event_json}
    merged.remembered = True
