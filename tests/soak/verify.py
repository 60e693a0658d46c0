"""Validation after the soak: what was acknowledged by the broker against what is stored and what was rejected.

- every acknowledged upsert is reflected exactly once: one profile per email, holding its last version's values;
- every acknowledged interaction is stored exactly once in `history` (by event id), and flags its profile;
- every profile's activity counts each of its interactions exactly once (its counts equal its history's, by type);
- every profile change on profiles.changed.v1 is stored in `history`;
- every poison record is on a rejection topic (profiles.upsert-rejected.v1, interactions.rejected.v1, `<topic>.dlq`),
  found by the Kafka key it was published with (`consumed.key`);
- no offset was committed ahead of its write: for each consumer group, partition and committed offset (snapshots taken
  during the run and at the end), every record below that offset has its effect in storage. A group whose offsets
  reached the end while a partition's records are missing (the "200,100 of 300,000" observation) fails here.
"""

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import ConsumerRecord
from pymongo.asynchronous.database import AsyncDatabase

from profilehub_shared.contracts.history import InteractionRejected
from profilehub_shared.contracts.interactions import InteractionRecorded
from profilehub_shared.contracts.profiles import ProfileChanged, ProfileUpsertRejected, UpsertProfile
from profilehub_shared.counts import current_count
from profilehub_shared.mongo import profiles_collection_name
from tests.soak.kafka_reading import Offsets, Reader
from tests.soak.traffic import TYPES, Sent, email, first_name

# The consumer groups whose writes the soak checks, and the topic each consumes.
GROUPS = {
    "importer-upserts": UpsertProfile.topic,
    "importer-interactions": InteractionRecorded.topic,
    "history-interactions": InteractionRecorded.topic,
    "history-changes": ProfileChanged.topic,
}
REJECTION_TOPICS = (ProfileUpsertRejected.topic, InteractionRejected.topic)


@dataclass
class Findings:
    counts: dict[str, int] = field(default_factory=dict)
    losses: dict[str, list[str]] = field(default_factory=dict)
    duplicates: dict[str, list[str]] = field(default_factory=dict)
    ahead: dict[str, list[str]] = field(default_factory=dict)  # "group snapshot" -> records committed past, missing
    broken: dict[str, list[str]] = field(default_factory=dict)  # what stopped working in a service that lives on

    def total(self, kind: dict[str, list[str]]) -> int:
        return sum(len(v) for v in kind.values())


def dead_background_tasks(logs: Path) -> list[str]:
    """Background tasks (job runners, schedulers) that died while their process lived on: nothing restarts them."""
    died = re.compile(r'"message": "(background task \S+ died)"')
    return [f"{log.name}: {m.group(1)}" for log in sorted(logs.glob("*.log")) for m in died.finditer(log.read_text())]


def value_of(record: ConsumerRecord) -> dict[str, Any] | None:
    try:
        parsed = json.loads(record.value)
    except (ValueError, TypeError):
        return None
    return parsed if isinstance(parsed, dict) else None


def rejected_keys(records: list[ConsumerRecord]) -> dict[str, set[str]]:
    """Kafka key of each rejected or dead-lettered record -> the topics its rejection is on."""
    found: dict[str, set[str]] = {}
    for record in records:
        value = value_of(record) or {}
        consumed = value.get("consumed") if isinstance(value.get("consumed"), dict) else {}
        key = consumed.get("key") or value.get("key")  # `key`: dead letters before `consumed` existed
        if isinstance(key, str):
            found.setdefault(key, set()).add(record.topic)
    return found


class Storage:
    """What the services stored for the soak's database."""

    def __init__(self, profiles: list[dict[str, Any]], history: list[dict[str, Any]]) -> None:
        self.by_email: dict[str, list[dict[str, Any]]] = {}
        for p in profiles:
            self.by_email.setdefault(p.get("email", ""), []).append(p)
        self.flagged = {p["_id"] for p in profiles if p.get("has_interactions")}
        self.activity = Counter(
            {(p["_id"], k.removesuffix("_count")): n for p in profiles for k, n in (p.get("activity") or {}).items()
             if k.endswith("_count")}
        )  # fmt: skip
        self.interacted = Counter((h["profile_id"], h["type"]) for h in history if h["type"] in TYPES)
        self.history_ids = Counter(h["_id"] for h in history)
        self.created = Counter(h["profile_id"] for h in history if h["type"] == "profile_created")

    @classmethod
    async def read(cls, db: AsyncDatabase, db_id: str) -> "Storage":
        projection = {"email": 1, "first_name": 1, "fields": 1, "has_interactions": 1, "activity": 1}
        profiles = await db[profiles_collection_name(db_id)].find({}, projection, batch_size=50_000).to_list(None)
        history = await db.history.find(
            {"database_id": db_id}, {"_id": 1, "type": 1, "profile_id": 1}, batch_size=50_000
        ).to_list(None)
        return cls(profiles, history)

    def seq(self, address: str) -> int:
        found = self.by_email.get(address) or [{}]
        return int(found[0].get("fields", {}).get("seq", 0))


def effect_check(group: str, storage: Storage, rejected: dict[str, set[str]]) -> Callable[[ConsumerRecord], bool]:
    """Whether one consumed record of `group` has its effect: stored, or (poison) rejected."""

    def check(record: ConsumerRecord) -> bool:
        key = (record.key or b"").decode(errors="replace")
        if key.startswith("poison-"):
            # The importer leaves invalid interactions to the history service, which reports them.
            return group == "importer-interactions" or key in rejected
        value = value_of(record) or {}
        if group == "importer-upserts":
            return storage.seq(value.get("record", {}).get("email", "")) >= value.get("record", {}).get("seq", 1)
        if group == "importer-interactions":
            return value.get("profile_id") in storage.flagged
        return storage.history_ids[value.get("event_id")] == 1

    return check


async def verify(
    reader: Reader,
    db: AsyncDatabase,
    db_id: str,
    emails: int,
    sent: Sent,
    snapshots: list[tuple[str, dict[str, Offsets]]],
) -> Findings:
    f = Findings()
    storage = await Storage.read(db, db_id)
    topics = await reader.topics()
    rejections = await reader.read_all([t for t in topics if t in REJECTION_TOPICS or t.endswith(".dlq")])
    rejected = rejected_keys(rejections)
    consumed = {t: await reader.read_all([t]) for t in set(GROUPS.values())}

    # Upserts: one profile per email, with the values of its last version (2).
    wrong, missing, twice = [], [], []
    for i in range(emails):
        found = storage.by_email.get(email(i), [])
        if not found:
            missing.append(email(i))
        elif len(found) > 1:
            twice.append(f"{email(i)} x{len(found)}")
        elif (found[0].get("first_name"), storage.seq(email(i))) != (first_name(i, 2), 2):
            wrong.append(f"{email(i)}: {found[0].get('first_name')!r} seq {storage.seq(email(i))}")
    profiles = sum(len(v) for k, v in storage.by_email.items())
    f.counts |= {"emails": emails, "profiles": profiles}
    f.losses |= {"upserts: profile missing": missing, "upserts: not the last values": wrong}
    f.duplicates |= {"upserts: email held by several profiles": twice}
    f.duplicates["upserts: profile created more than once"] = [p for p, n in storage.created.items() if n > 1]
    f.losses["upserts: profiles other than the soak's"] = [k for k in storage.by_email if not k.startswith("soak")]
    # The database's maintained profile count (importer counter, kept through the kills) matches what is stored.
    counted = await current_count(db, db_id)
    f.counts["profile count (counter)"] = counted or 0
    off = f"counter says {counted}, {profiles} stored"
    f.losses["profile count: below the profiles stored"] = [off] if (counted or 0) < profiles else []
    f.duplicates["profile count: above the profiles stored"] = [off] if (counted or 0) > profiles else []

    # Interactions: each acknowledged event id stored exactly once; changes: each ProfileChanged stored.
    f.losses["interactions: not in history"] = sorted(sent.interaction_ids - set(storage.history_ids))
    f.duplicates["history: event id stored more than once"] = [i for i, n in storage.history_ids.items() if n > 1]
    # Activity: each interaction kept in history counted once in its profile's activity, under kill -9 too.
    pairs = set(storage.activity) | set(storage.interacted)
    f.losses["activity: interactions not counted"] = sorted(
        f"{p} {t}: {storage.activity[p, t]} of {storage.interacted[p, t]}"
        for p, t in pairs
        if storage.activity[p, t] < storage.interacted[p, t]
    )
    f.duplicates["activity: interactions counted twice"] = sorted(
        f"{p} {t}: {storage.activity[p, t]} of {storage.interacted[p, t]}"
        for p, t in pairs
        if storage.activity[p, t] > storage.interacted[p, t]
    )
    f.counts["interactions in activity"] = sum(storage.activity.values())
    changes = {(value_of(r) or {}).get("event_id") for r in consumed[ProfileChanged.topic]}
    f.losses["profile changes: not in history"] = sorted(str(c) for c in changes if c not in storage.history_ids)
    f.counts |= {
        "interactions acknowledged": len(sent.interaction_ids),
        "interactions stored": len(sent.interaction_ids & set(storage.history_ids)),
        "profile changes published": len(changes),
    }

    # Poison: every one on a rejection topic, found by its key.
    f.losses["poison: on no rejection topic"] = sorted(k for k in sent.poison_keys if k not in rejected)
    f.counts |= {
        "poison published": len(sent.poison_keys),
        "poison rejected": len(set(sent.poison_keys) & set(rejected)),
    }

    # No committed offset ahead of its write.
    for label, by_group in snapshots:
        for group, committed in by_group.items():
            passed = committed_past_missing(consumed[GROUPS[group]], committed, effect_check(group, storage, rejected))
            if passed:
                f.ahead[f"{group} ({label})"] = passed
    return f


def committed_past_missing(
    records: list[ConsumerRecord], committed: Offsets, has_effect: Callable[[ConsumerRecord], bool]
) -> list[str]:
    """The records below their partition's committed offset whose effect is missing: a committed offset promises
    that everything before it was written."""
    return [
        f"{r.topic}[{r.partition}]@{r.offset}"
        for r in records
        if r.offset < committed.get((r.topic, r.partition), 0) and not has_effect(r)
    ]
