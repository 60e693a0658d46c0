"""The upsert stream: upstream systems publish one record per message; batches are written in order."""

import json
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import ValidationError

from profilehub_shared.contracts.profiles import (
    ProfileUpsertRejected,
    ProfileUpsertWarned,
    ProfileWriteAnswered,
    RejectedField,
    Source,
    UpsertProfile,
)
from profilehub_shared.delivery import consumed_record, describe, safe_text
from profilehub_shared.schemas import Schemas

from .domain.matching import MatchingNotUsable
from .domain.records import ignored_note
from .writes import BatchResult, Incoming, ProfileWriter, write_batch

MAX_SHOWN_CHARS = 64 * 1024


def parse(raw: bytes) -> UpsertProfile | RejectedField:
    """A message as a command, or the reason it is not one (not JSON, lone surrogates, nested too deep …)."""
    try:
        return UpsertProfile.model_validate_json(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "message"
        return RejectedField(
            field=where,
            value=safe_text(raw, 100),
            code=err["type"],
            message=safe_text(f"{where}: {err['msg']} ({exc.error_count()} problems in all)", 1000) or "",
        )


def source_of(command: UpsertProfile) -> Source:
    """The gateway's single upserts wait for an answer (they carry a request id); upstream systems do not."""
    return "import_api" if command.request_id is not None else "import_stream"


def runs(commands: list[UpsertProfile]) -> Iterator[list[UpsertProfile]]:
    """Consecutive commands for the same database, options and source: each run is one ordered batch write."""
    run: list[UpsertProfile] = []
    for command in commands:
        key = (command.database_id, command.options, source_of(command))
        if run and (run[0].database_id, run[0].options, source_of(run[0])) != key:
            yield run
            run = []
        run.append(command)
    if run:
        yield run


def rejected(command: UpsertProfile | None, consumed: Any, errors: list[RejectedField]) -> ProfileUpsertRejected:
    """The rejection of one consumed record; it shows the record when that is small, and carries its bytes."""
    record = command.record if command is not None and shown_whole(command) else {}
    return ProfileUpsertRejected(
        request_event_id=str(command.event_id) if command else "",
        database_id=command.database_id if command else "",
        record=record,
        errors=errors,
        consumed=consumed_record(consumed),
    )


def shown_whole(command: UpsertProfile) -> bool:
    """A record is shown in its rejection when it is small; else only its (bounded) bytes travel."""
    return len(json.dumps(command.record, ensure_ascii=False, separators=(",", ":"))) <= MAX_SHOWN_CHARS


def unprocessable(consumed: Any, exc: BaseException, attempts: int) -> ProfileUpsertRejected:
    """The rejection of a record that failed every attempt to write it."""
    parsed = parse(consumed.value or b"")
    why = RejectedField(
        field="message",
        value=None,
        code="unprocessable",
        message=f"failed {attempts} attempt(s) to write it: {describe(exc)}",
    )
    return rejected(parsed if isinstance(parsed, UpsertProfile) else None, consumed, [why])


def warned(
    db: Any, command: UpsertProfile, consumed: Any, outcome: tuple[str, str | None], keys: list[str]
) -> ProfileUpsertWarned:
    """The warning of a stream upsert applied without some of its keys, which are not fields."""
    return ProfileUpsertWarned(
        request_event_id=str(command.event_id),
        database_id=command.database_id,
        profile_id=outcome[1],
        outcome=outcome[0],  # rejected ones are not warned about
        ignored_fields=keys,
        message=ignored_note(db, keys),
        consumed=consumed_record(consumed),
    )


def answers_for(
    commands: list[UpsertProfile], results: list[BatchResult], refused: list[ProfileUpsertRejected]
) -> list[ProfileWriteAnswered]:
    """Answers for the commands that asked for one (API upserts)."""
    outcomes = {ref: o for r in results for ref, o in r.outcomes.items()}
    errors = {r.request_event_id: r.errors for r in refused}
    answers = []
    for c in commands:
        if c.request_id is None:
            continue
        outcome, profile_id = outcomes.get(str(c.event_id), ("rejected", None))
        answers.append(
            ProfileWriteAnswered(
                request_id=c.request_id,
                outcome=outcome,
                profile_id=profile_id,
                errors=errors.get(str(c.event_id), []),
                ignored_fields=next((r.ignored[str(c.event_id)] for r in results if str(c.event_id) in r.ignored), []),
            )
        )
    return answers


async def write_stream_batch(
    writer: ProfileWriter, schemas: Schemas, records: Sequence[Any]
) -> tuple[list[BatchResult], list[ProfileUpsertRejected], list[ProfileWriteAnswered]]:
    """Write a polled batch of upsert records; everything not written comes back as a rejection."""
    parsed = [(record, parse(record.value or b"")) for record in records]
    refused = [rejected(None, record, [p]) for record, p in parsed if isinstance(p, RejectedField)]
    commands = [p for _, p in parsed if isinstance(p, UpsertProfile)]
    came_in = {str(p.event_id): record for record, p in parsed if isinstance(p, UpsertProfile)}
    results: list[BatchResult] = []
    for run in runs(commands):
        db = await schemas.get(run[0].database_id)
        if db is None:
            why = RejectedField(
                field="database_id",
                value=run[0].database_id,
                code="unknown_database",
                message=f"database {run[0].database_id!r} does not exist",
            )
            refused += [rejected(c, came_in[str(c.event_id)], [why]) for c in run]
            continue
        batch = [Incoming(ref=str(c.event_id), values=c.record, new_id=c.event_id.hex) for c in run]
        try:
            result = await write_batch(writer, db, batch, run[0].options, source_of(run[0]), remember_writes=True)
        except MatchingNotUsable as exc:
            why = RejectedField(
                field="options.matching", value=run[0].options.matching, code="bad_matching", message=str(exc)
            )
            refused += [rejected(c, came_in[str(c.event_id)], [why]) for c in run]
            continue
        by_ref = {str(c.event_id): c for c in run}
        refused += [rejected(by_ref[r.ref], came_in[r.ref], r.errors) for r in result.rejected]
        result.warnings = [
            warned(db, by_ref[ref], came_in[ref], result.outcomes[ref], keys)
            for ref, keys in result.ignored.items()
            if by_ref[ref].request_id is None and result.outcomes.get(ref, ("rejected", None))[0] != "rejected"
        ]  # API upserts get theirs in the answer
        results.append(result)
    return results, refused, answers_for(commands, results, refused)
