"""Writing a batch of records: read, match, merge in order, one bulk write, then the change events.

Used alike by file imports, the upsert stream and the API. Records of one batch are applied in order
against an in-memory view, so a later record sees an earlier one (duplicates in a file: last wins).
"""

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from profilehub_shared.contracts.base import MAX_MESSAGE_BYTES
from profilehub_shared.contracts.profiles import (
    ProfileChanged,
    ProfileUpsertWarned,
    RejectedField,
    Source,
    WriteOptions,
)
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.fields import FieldValueError
from profilehub_shared.geo import configured_locator

from .change_events import StoredChange, change_bytes, change_json, event_ids, event_size
from .domain.event_size import ENVELOPE_BYTES, largest_change, too_large_reason
from .domain.geo import fill_geo
from .domain.matching import BatchProfiles, check_matching, match_values, missing_key, query_for
from .domain.merge import Merged, NewProfileRules, RecordRejected, new_profile, update_profile
from .domain.records import ReadRecord, RecordReader
from .domain.suppression import NOTHING_LISTED, Listed, lookup_values, needs_flag, with_flag
from .unique import UniqueGuard, planned_despite_races, unique_names
from .written_events import event_id_of, remember, written_before


class ProfileWriter(Protocol):
    async def find(self, database_id: str, query: dict[str, Any]) -> list[dict[str, Any]]: ...
    async def save(self, database_id: str, merged: list[Merged]) -> None: ...
    async def listed(self, list_id: str, values: list[str]) -> Listed: ...
    async def unique_guard(self, db: Database, values: dict[str, list[Any]]) -> UniqueGuard: ...
    async def take_unique(self, guard: UniqueGuard) -> None: ...


@dataclass
class Incoming:
    """One record to write: its position (row number or message id), its values, and how to read them."""

    ref: str
    values: dict[str, Any]
    from_text: bool = False
    new_id: str = field(default_factory=lambda: uuid.uuid4().hex)  # deterministic ids make retries idempotent


@dataclass
class Rejection:
    ref: str
    values: dict[str, Any]
    errors: list[RejectedField]


@dataclass
class BatchResult:
    merged: list[Merged] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    outcomes: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # ref → (outcome, profile id)
    rejected: list[Rejection] = field(default_factory=list)
    events: list[StoredChange] = field(default_factory=list)  # the ProfileChanged events to publish
    unknown_fields: Counter[str] = field(default_factory=Counter)
    republish: dict[str, str] = field(default_factory=dict)  # profile id → stored event JSON of a redelivery
    ignored: dict[str, list[str]] = field(default_factory=dict)  # ref → keys of the record that are not fields
    warnings: list[ProfileUpsertWarned] = field(default_factory=list)  # stream: applied with ignored keys
    skipped: list[Rejection] = field(default_factory=list)  # written records' values left out (per-value rejection)

    @property
    def changes(self) -> list[ProfileChanged]:
        """The events as models (read back from their JSON)."""
        return [ProfileChanged.model_validate_json(e["json"]) for e in self.events]


def rejected_field(err: FieldValueError) -> RejectedField:
    return RejectedField(field=err.field, value=err.value, code=err.code, message=err.message)


async def write_batch(
    writer: ProfileWriter,
    db: Database,
    batch: list[Incoming],
    opts: WriteOptions,
    source: Source,
    job_id: str | None = None,
    *,
    remember_writes: bool = False,
) -> BatchResult:
    """Apply `batch` to `db`'s profiles; every record ends created, updated, unchanged or rejected.

    `result.changes` are to be published, and `result.republish` too: events of commands that were written
    before a crash but maybe never published (stream writes remember them, see `written_events`).
    """
    result = await plan_batch(writer, db, batch, opts, source, job_id, remember_writes=remember_writes)
    await writer.save(db.id, result.merged)
    return result


Reads = list[tuple[Incoming, ReadRecord]]


def read_batch(db: Database, batch: list[Incoming], opts: WriteOptions, *, skip_invalid_values: bool = False) -> Reads:
    """Every record of `batch` read by the field rules: CPU only, no database, so a job can read its next batch
    in a thread while the last one is written. What `plan_batch` starts from."""
    reader = RecordReader.of(db, opts)
    reads = [
        (item, reader.read(item.values, from_text=item.from_text, skip_invalid=skip_invalid_values)) for item in batch
    ]
    if opts.detect_geo:
        locate = configured_locator().locate
        for _, rec in reads:
            fill_geo(rec, locate)
    return reads


async def plan_batch(
    writer: ProfileWriter,
    db: Database,
    batch: list[Incoming],
    opts: WriteOptions,
    source: Source,
    job_id: str | None = None,
    *,
    remember_writes: bool = False,
    skip_invalid_values: bool = False,
    reads: Reads | None = None,
) -> BatchResult:
    """Decide what `batch` does to the profiles (reads only); `writer.save(result.merged)` applies it.

    With `remember_writes` (the stream: every `Incoming.ref` is a command's unique event id), each write also
    stores its event and the commands it applies, and a command found written already is not applied again.
    A value of a unique field that another profile holds rejects its record (`duplicate_unique`, see `unique`).
    With `skip_invalid_values` (file imports) a record is written without the values its fields refuse; they are
    in `result.skipped`, and `counts["skipped_values"]` counts such records. `reads`: the batch already read by
    `read_batch` (with the same options), used by the first attempt; an attempt again after a race reads anew.
    """
    ahead = [reads]

    async def attempt() -> BatchResult:
        given, ahead[0] = ahead[0], None
        read = given if given is not None else read_batch(db, batch, opts, skip_invalid_values=skip_invalid_values)
        return await plan_once(writer, db, read, opts, source, job_id, remember_writes=remember_writes)

    return await planned_despite_races(attempt)


def unique_values(db: Database, reads: list[tuple[Incoming, Any]]) -> dict[str, list[Any]]:
    """The values of unique fields the records bring."""
    names = unique_names(db)
    return {n: [rec.custom[n] for _, rec in reads if rec.ok and n in rec.custom] for n in names}


async def plan_once(
    writer: ProfileWriter,
    db: Database,
    reads: Reads,
    opts: WriteOptions,
    source: Source,
    job_id: str | None = None,
    *,
    remember_writes: bool = False,
) -> BatchResult:
    check_matching(db, opts.matching, opts.mode)
    result = BatchResult()
    now = datetime.now(UTC)
    wanted = [v for _, rec in reads if rec.ok for v in match_values(rec, opts.matching)]
    known = await writer.find(db.id, query_for(opts.matching, wanted)) if wanted else []
    view = BatchProfiles(opts.matching, known)
    guard = await writer.unique_guard(db, unique_values(db, reads))
    touched: dict[str, Merged] = {}
    refs: dict[str, dict[str, str]] = {}  # profile id → command ref → outcome, for stream writes
    written = written_before(db.id, known) if remember_writes else {}
    rules = NewProfileRules.of(db)
    ids = event_ids(len(reads))  # one for each record at most: a record's event is built once, when it is written
    events: dict[str, str] = {}  # profile id → its event's JSON (an import's: the stream's are built below)
    for item, rec in reads:
        result.unknown_fields.update(rec.unknown)
        if rec.unknown:
            result.ignored[item.ref] = list(rec.unknown)
        if item.ref in written:  # a redelivered command, written already: its event goes out again
            pid, outcome, stored_event = written[item.ref]
            result.outcomes[item.ref] = (outcome, pid)
            result.republish[pid] = stored_event
            continue
        try:
            if not rec.ok:
                raise RecordRejected(rec.errors)
            values = match_values(rec, opts.matching)
            if not values:
                raise RecordRejected([missing_key(opts.matching)])
            found = view.find(values)
            merged = decide(db, rec, found, item, opts, now, rules)
            outcome = merged.outcome  # the record's own, before a combined write
            if merged.profile["_id"] in touched:
                merged = combine(touched[merged.profile["_id"]], merged)
            guard.check(merged)
        except RecordRejected as rejected:
            result.counts["rejected"] += 1
            result.rejected.append(Rejection(item.ref, item.values, [rejected_field(e) for e in rejected.errors]))
            result.outcomes[item.ref] = ("rejected", None)
            continue
        pid = merged.profile["_id"]
        if remember_writes or merged.outcome == "unchanged":
            oversize, built = event_size(db, merged, source, job_id), b""
        else:  # built here once, it is both measured and kept (a bound first, then the event, cost twice)
            built = change_bytes(db, merged, source, job_id, next(ids), now)
            oversize = len(built) if len(built) + ENVELOPE_BYTES > MAX_MESSAGE_BYTES else 0
        if oversize:
            result.counts["rejected"] += 1
            error = FieldValueError(largest_change(merged.changes), None, "too_large", too_large_reason(oversize))
            result.rejected.append(Rejection(item.ref, item.values, [rejected_field(error)]))
            result.outcomes[item.ref] = ("rejected", None)
            continue
        result.outcomes[item.ref] = (outcome, pid)
        if rec.skipped:
            result.counts["skipped_values"] += 1
            result.skipped.append(Rejection(item.ref, item.values, [rejected_field(e) for e in rec.skipped]))
        if pid in touched or (job_id is not None and found and found[0].get("last_job_id") == job_id):
            result.counts["duplicates"] += 1  # the same profile twice in one file: the last occurrence wins
        else:
            result.counts[outcome] += 1
        if merged.outcome != "unchanged":
            if job_id is not None:
                merged.profile["last_job_id"] = job_id
            view.put(merged.profile)
            touched[pid] = merged
            if built:
                events[pid] = built.decode()
            refs.setdefault(pid, {})[item.ref] = outcome
    result.merged = list(touched.values())
    await writer.take_unique(guard)
    flipped = await flag_suppressed(writer, db, result.merged)
    if not remember_writes:
        for m in flipped:  # its event again, with the flag's change
            events[m.profile["_id"]] = change_json(db, m, source, job_id, None, now)
        result.events = [{"key": pid, "json": events[pid]} for pid in touched]
        return result
    for m in result.merged:
        done = refs[m.profile["_id"]]
        event = change_json(db, m, source, job_id, event_id_of(m.profile["_id"], done))
        remember(m, done, event)
        result.events.append({"key": m.profile["_id"], "json": event})
    return result


async def flag_suppressed(writer: ProfileWriter, db: Database, merged: list[Merged]) -> list[Merged]:
    """Decide `suppressed` for new profiles and changed contacts, from the entries of the database's list.
    Returns the updates whose flag flipped: their changes have one more, `suppressed`."""
    flagged = [m for m in merged if needs_flag(m)]
    if not flagged:
        return []
    list_id = db.settings.suppression_list_id
    listed = await writer.listed(list_id, lookup_values(m.profile for m in flagged)) if list_id else NOTHING_LISTED
    flipped = []
    for m in flagged:
        had_change = "suppressed" in m.changes
        with_flag(m, listed)
        if not had_change and "suppressed" in m.changes:
            flipped.append(m)
    return flipped


def combine(first: Merged, then: Merged) -> Merged:
    """Two writes to one profile in a batch: one write of the final state, with all the changes."""
    if then.outcome == "unchanged":
        return first
    changes = dict(first.changes)
    for path, (old, new) in then.changes.items():
        changes[path] = (first.changes[path][0] if path in first.changes else old, new)
    return Merged(first.outcome, then.profile, changes)


def decide(
    db: Database,
    rec: Any,
    found: list[dict[str, Any]],
    item: Incoming,
    opts: WriteOptions,
    now: datetime,
    rules: NewProfileRules | None = None,
) -> Merged:
    if len(found) > 1:
        raise RecordRejected(
            [
                FieldValueError(
                    opts.matching, None, "ambiguous_match", f"{len(found)} profiles match this record; it is ambiguous"
                )
            ]
        )
    if found:
        if opts.mode == "create_only":
            return Merged("unchanged", found[0])
        return update_profile(db, found[0], rec, opts, now)
    if opts.mode == "update_only":
        raise RecordRejected(
            [FieldValueError(opts.matching, None, "no_match", "no profile matches and the mode is update_only")]
        )
    return new_profile(db, rec, item.new_id, now, rules)
