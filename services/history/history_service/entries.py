"""What the history service stores for each event: pure functions from messages to stored entries."""

import json
from typing import Any

from pydantic import ValidationError

from profilehub_shared.contracts.interactions import InteractionRecorded
from profilehub_shared.contracts.profiles import ProfileChanged


def stored(
    event_id: str, database_id: str, profile_id: str, kind: str, at: Any, payload: dict[str, Any] | str
) -> dict[str, Any]:
    """The entry as stored; its payload as JSON text (given as such, or dumped here)."""
    return {
        "_id": event_id,
        "database_id": database_id,
        "profile_id": profile_id,
        "type": kind,
        "occurred_at": at,
        "payload": payload
        if isinstance(payload, str)
        else json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
    }


def payload_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


CHANGE_PAYLOAD = {"source", "changes", "job_id"}


def change_entry(event: ProfileChanged) -> dict[str, Any]:
    """A profile change as kept: its payload is the event's source, changes and job, as the event's own JSON
    (one serialiser call: a dump of each change, then of the whole, cost 35 µs of the service's 46 an event)."""
    payload = event.model_dump_json(include=CHANGE_PAYLOAD)
    return stored(str(event.event_id), event.database_id, event.profile_id, f"profile_{event.change}",
                  event.occurred_at, payload)  # fmt: skip


def interaction_entry(event: InteractionRecorded) -> dict[str, Any]:
    payload = {"message_id": event.message_id, **event.payload} if event.message_id else dict(event.payload)
    return stored(str(event.event_id), event.database_id, event.profile_id, event.type, event.occurred_at, payload)


def read_interaction(raw: bytes) -> InteractionRecorded | str:
    """The interaction in `raw`, or why it is not one (names the field, the value and the reason)."""
    try:
        return InteractionRecorded.model_validate_json(raw)
    except ValidationError as exc:
        reasons = []
        for err in exc.errors()[:5]:
            where = ".".join(str(p) for p in err["loc"]) or "message"
            value = json.dumps(err.get("input"), default=str)[:100] if err["type"] != "json_invalid" else ""
            reasons.append(f"{where}: {err['msg']}" + (f" (got {value})" if value else ""))
        return "; ".join(reasons)
