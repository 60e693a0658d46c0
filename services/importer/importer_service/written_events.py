"""The change events of stream writes survive a crash between the write and the publish.

A stream write stores, in the same profile document and so in the same atomic write, the JSON of the
`ProfileChanged` it is about to publish and the commands it applied (`last_write`). When a command comes again
(a redelivery after a crash), it is found there: it is not applied a second time, which would replay it over the
later commands of its batch; its stored event is published again, with the same event id, so that consumers that
de-duplicate on it (history does) keep it once. The event id derives from the profile and the commands applied,
so that a replica that wrote a batch after it had lost its partition (stopped past the session timeout, then
resumed) and the replica that took the batch over publish one event id for one change. File imports, copies and
bulk updates need none of this: their stored plans keep their events.

The event is kept as one compact JSON text without what the profile and its database say already (its id, the
profile's and the database's ids): FerretDB's cost of an insert grows with the document's size and its fields
(a streamed profile was 760 bytes of BSON, 550 of them its event), and the rest is kept exactly, so the event
published again is the very text published the first time.
"""

import uuid
from typing import Any

import orjson

from .domain.merge import Merged

LAST_WRITE = "last_write"
EVENTS = uuid.UUID("4f1d5c1e-7a0b-4d8e-9c52-3e6f0a9b1d27")  # the namespace of stream change event ids


def event_id_of(profile_id: str, refs: dict[str, str]) -> uuid.UUID:
    """The same id for the same commands applied to the same profile, whichever replica writes them."""
    return uuid.uuid5(EVENTS, "|".join([profile_id, *sorted(refs)]))


def remembered(refs: dict[str, str], event_json: str) -> str:
    """What a write stores of its commands and its event (see `event_again` for the way back)."""
    event = orjson.loads(event_json)
    changes = [[c["field"], c["old"], c["new"]] for c in event["changes"]]
    return orjson.dumps(
        [refs, event["occurred_at"], event["change"], event["source"], event["job_id"], changes]
    ).decode()


def event_again(database_id: str, profile_id: str, stored: str) -> tuple[dict[str, str], str]:
    """The commands and the very event JSON that `remembered` kept."""
    refs, occurred_at, change, source, job_id, changes = orjson.loads(stored)
    event = {
        "event_id": str(event_id_of(profile_id, refs)),
        "occurred_at": occurred_at,
        "database_id": database_id,
        "profile_id": profile_id,
        "change": change,
        "source": source,
        "changes": [{"field": field, "old": old, "new": new} for field, old, new in changes],
        "job_id": job_id,
    }
    return refs, orjson.dumps(event).decode()


def written_before(database_id: str, known: list[dict[str, Any]]) -> dict[str, tuple[str, str, str]]:
    """Command ref → (profile id, outcome, event JSON) for the commands that the stored profiles say were written.
    Profiles written before events were kept compact hold `{"refs": ..., "event": <the event JSON>}`."""
    found: dict[str, tuple[str, str, str]] = {}
    for profile in known:
        last = profile.get(LAST_WRITE)
        if isinstance(last, str):
            refs, event = event_again(database_id, profile["_id"], last)
        elif isinstance(last, dict):
            refs, event = last.get("refs", {}), last.get("event", "")
        else:
            continue
        for ref, outcome in refs.items():
            found[ref] = (profile["_id"], outcome, event)
    return found


def remember(merged: Merged, refs: dict[str, str], event_json: str) -> None:
    """Have the write of `merged` also store its event and the commands it applies."""
    merged.profile[LAST_WRITE] = remembered(refs, event_json)
    merged.remembered = True
