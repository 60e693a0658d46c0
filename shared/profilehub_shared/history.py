"""Reading profile history (the history service's `history` collection): queries, order, cursors, entries.

Entries are stored as `{_id: event id, database_id, profile_id, type, occurred_at, payload}` with the payload as
JSON text: senders' payloads may hold keys MongoDB refuses (`$x`, `a.b`) and change values may be arrays of
arrays, which FerretDB 1.x cannot store.
"""

import base64
import json
from datetime import UTC, datetime
from typing import Any

from .contracts.history import HistoryEntry

ORDER = [("occurred_at", 1), ("_id", 1)]


def history_query(
    database_id: str,
    profile_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    types: list[str] | None = None,
) -> dict[str, Any]:
    """Events of a database (or of one profile) in [since, until), of the given types (all when none)."""
    query: dict[str, Any] = {"database_id": database_id}
    if profile_id is not None:
        query["profile_id"] = profile_id
    period = ({"$gte": since} if since else {}) | ({"$lt": until} if until else {})
    if period:
        query["occurred_at"] = period
    if types:
        query["type"] = {"$in": sorted(set(types))}
    return query


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def cursor_of(doc: dict[str, Any]) -> str:
    """An opaque cursor: the last entry's time and id (the listing's order)."""
    raw = json.dumps([aware(doc["occurred_at"]).isoformat(), doc["_id"]])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def after_cursor(query: dict[str, Any], cursor: str) -> dict[str, Any]:
    """`query` past the entry `cursor` names; ValueError when the cursor is not one of ours."""
    try:
        at_text, last_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        at = datetime.fromisoformat(at_text)
    except (ValueError, TypeError) as exc:
        raise ValueError("not a cursor of this listing") from exc
    if not isinstance(last_id, str):
        raise ValueError("not a cursor of this listing")
    later = {"$or": [{"occurred_at": {"$gt": at}}, {"occurred_at": at, "_id": {"$gt": last_id}}]}
    return {"$and": [query, later]}


def entry_of(doc: dict[str, Any]) -> HistoryEntry:
    return HistoryEntry(
        event_id=doc["_id"],
        database_id=doc["database_id"],
        profile_id=doc["profile_id"],
        type=doc["type"],
        occurred_at=aware(doc["occurred_at"]),
        payload=json.loads(doc.get("payload") or "{}"),
    )
