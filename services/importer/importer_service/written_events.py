"""The change events of stream writes survive a crash between the write and the publish.

A stream write stores, in the same profile document and so in the same atomic write, the JSON of the
`ProfileChanged` it is about to publish and the commands it applied (`last_write`). When a command comes again
(a redelivery after a crash), it is found there: it is not applied a second time, which would replay it over the
later commands of its batch; its stored event is published again, with the same event id, so that consumers that
de-duplicate on it (history does) keep it once. File imports, copies and bulk updates need none of this: their
stored plans keep their events.
"""

from typing import Any

from .domain.merge import Merged

LAST_WRITE = "last_write"


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
