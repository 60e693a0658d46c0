"""The upsert stream: upstream systems publish one record per message; batches are written in order."""

import json
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from profilehub_shared.contracts.profiles import (
    ProfileUpsertRejected,
    ProfileWriteAnswered,
    RejectedField,
    Source,
    UpsertProfile,
)
from profilehub_shared.schemas import Schemas

from .domain.matching import MatchingNotUsable
from .writes import BatchResult, Incoming, ProfileWriter, write_batch


def parse(raw: bytes) -> UpsertProfile | RejectedField:
    """A message as a command, or the reason it is not one."""
    try:
        return UpsertProfile.model_validate_json(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "message"
        return RejectedField(
            field=where,
            value=raw[:100].decode(errors="replace"),
            code=err["type"],
            message=f"{where}: {err['msg']} ({exc.error_count()} problems in all)",
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


def rejected(command: UpsertProfile | None, raw: bytes, errors: list[RejectedField]) -> ProfileUpsertRejected:
    record: dict[str, Any]
    try:
        record = command.record if command else json.loads(raw).get("record", {})
    except (ValueError, AttributeError):
        record = {"raw": raw[:1000].decode(errors="replace")}
    return ProfileUpsertRejected(
        request_event_id=str(command.event_id) if command else "",
        database_id=command.database_id if command else "",
        record=record if isinstance(record, dict) else {},
        errors=errors,
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
            )
        )
    return answers


async def write_stream_batch(
    writer: ProfileWriter, schemas: Schemas, raws: list[bytes]
) -> tuple[list[BatchResult], list[ProfileUpsertRejected], list[ProfileWriteAnswered]]:
    """Write a polled batch of upsert messages; everything not written comes back as a rejection."""
    parsed = [(raw, parse(raw)) for raw in raws]
    refused = [rejected(None, raw, [p]) for raw, p in parsed if isinstance(p, RejectedField)]
    commands = [p for _, p in parsed if isinstance(p, UpsertProfile)]
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
            refused += [rejected(c, b"", [why]) for c in run]
            continue
        batch = [Incoming(ref=str(c.event_id), values=c.record, new_id=c.event_id.hex) for c in run]
        try:
            result = await write_batch(writer, db, batch, run[0].options, source_of(run[0]))
        except MatchingNotUsable as exc:
            why = RejectedField(
                field="options.matching", value=run[0].options.matching, code="bad_matching", message=str(exc)
            )
            refused += [rejected(c, b"", [why]) for c in run]
            continue
        by_ref = {str(c.event_id): c for c in run}
        refused += [rejected(by_ref[r.ref], b"", r.errors) for r in result.rejected]
        results.append(result)
    return results, refused, answers_for(commands, results, refused)
