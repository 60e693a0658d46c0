"""What an upload's options say wrong before the file is stored: read against the database they import into.

Everything here would otherwise surface only once the importer runs the job (a matching key that is not unique
failed after five retries; a mapping to an unknown field dropped the column without a word), so the upload is
answered 422 with one detail per problem instead of 202.
"""

import asyncio
import codecs
import difflib
from typing import Any, BinaryIO

# The importer's file readers are pure functions over a byte stream; the gateway reads only the header with them.
from importer_service.files import FileError, ReadOptions, header_columns
from profilehub_shared.contracts.jobs import ImportParams
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.fields import STANDARD_FIELDS
from profilehub_shared.filters.derived import CHANNELS

from .errors import ApiError

SUBSCRIPTION = "subscription."
Detail = dict[str, Any]


def refuse_known_problems(params: ImportParams, db: Database) -> None:
    """Raise a 422 naming every option that cannot work for this database."""
    problems = [
        *matching_problems(params, db),
        *encoding_problems(params.encoding),
        *delimiter_problems(params),
        *mapping_problems(params.mapping, db),
    ]
    if problems:
        raise ApiError(422, "invalid", "the import options cannot work for this database", problems)


def detail(field: str, value: object, code: str, message: str) -> Detail:
    return {"field": field, "value": str(value)[:100], "code": code, "message": f"{field}: {message}"}


def matching_problems(params: ImportParams, db: Database) -> list[Detail]:
    matching, mode = params.options.matching, params.options.mode
    if matching == "profile_id" and mode != "update_only":
        return [detail("options.matching", matching, "update_only", "profile_id only updates: use mode update_only")]
    if not matching.startswith("field:"):
        return []
    name = matching.removeprefix("field:")
    field = db.field(name)
    if field is None:
        return [detail("options.matching", matching, "unknown_field", f"{name!r} is no custom field of the database")]
    if not field.unique:
        return [detail("options.matching", matching, "not_unique", f"{name!r} is not unique, so it cannot match")]
    return []


def encoding_problems(encoding: str | None) -> list[Detail]:
    if encoding is None:
        return []
    try:
        known = codecs.lookup(encoding)
    except LookupError:
        return [detail("encoding", encoding, "unknown_encoding", "not a text encoding Python knows (utf-8, cp1251 …)")]
    if not getattr(known, "_is_text_encoding", True):  # rot13, base64, zlib …: codecs, not text encodings
        return [detail("encoding", encoding, "unknown_encoding", "a codec, not a text encoding (utf-8, cp1251 …)")]
    return []


def delimiter_problems(params: ImportParams) -> list[Detail]:
    problems = []
    delimiter, quote = params.delimiter, params.quotechar
    if delimiter is not None and (len(delimiter) != 1 or delimiter in "\r\n\x00" or delimiter == quote):
        problems.append(
            detail("delimiter", repr(delimiter), "invalid_delimiter", "one character, no line break, NUL or the quote")
        )
    if quote in "\r\n\x00":
        problems.append(detail("quotechar", repr(quote), "invalid_quotechar", "one character, not a line break or NUL"))
    return problems


def mapping_problems(mapping: dict[str, str], db: Database) -> list[Detail]:
    """Every target must be a field the importer writes: standard, custom, profile_id, or a subscription column."""
    problems = []
    for column, target in mapping.items():
        at = f"mapping.{column}"[:200]
        if target.startswith(SUBSCRIPTION):
            problems += subscription_problems(at, target, db)
        elif target not in STANDARD_FIELDS and target != "profile_id" and db.field(target) is None:
            problems.append(
                detail(
                    at,
                    target,
                    "unknown_field",
                    "not a field of the database (a standard or custom field, profile_id, "
                    "or subscription.<resource_id>.<channel>)",
                )
            )
    return problems


def subscription_problems(at: str, target: str, db: Database) -> list[Detail]:
    _, resource, channel = [*target.split(".", 2), "", ""][:3]
    if resource not in db.settings.resource_ids:
        return [detail(at, target, "unknown_resource", f"the database does not allow resource {resource!r}")]
    if channel not in CHANNELS:
        return [detail(at, target, "unknown_channel", f"channel must be one of {', '.join(CHANNELS)}")]
    return []


async def refuse_unknown_columns(params: ImportParams, stream: BinaryIO) -> None:
    """422 when the mapping names columns the file's header does not have (CSV, XLSX and archives of those; JSON
    objects may each have other keys). A file that cannot be read is left to the job, which reports why."""
    if not params.mapping:
        return
    options = ReadOptions(
        format=params.format,
        delimiter=params.delimiter,
        quotechar=params.quotechar,
        encoding=params.encoding,
        header=params.header,
    )
    try:
        header = await asyncio.to_thread(header_columns, params.file_name, stream, options)
    except FileError:
        header = None
    finally:
        stream.seek(0)
    problems = column_problems(params.mapping, header) if header is not None else []
    if problems:
        raise ApiError(422, "invalid", "the mapping names columns the file does not have", problems)


def column_problems(mapping: dict[str, str], header: list[str]) -> list[Detail]:
    """One detail per mapped column missing from the header, with the column it most likely means."""
    columns = set(header)
    return [
        detail(f"mapping.{column}"[:200], column, "unknown_column", f"the file has no column {column!r}{hint}")
        for column in mapping
        if column not in columns
        for hint in [did_you_mean(column, header)]
    ]


def did_you_mean(column: str, header: list[str]) -> str:
    """ "; did you mean 'email'?" for a near-miss: spaces around it or another case first, then spelling."""
    plain = column.strip().casefold()
    same = [name for name in header if name.strip().casefold() == plain]
    folded = {name.strip().casefold(): name for name in header}
    spelled = difflib.get_close_matches(plain, list(folded), n=1, cutoff=0.75)
    close = same or [folded[name] for name in spelled]
    shown = ", ".join(repr(name) for name in header[:20]) + (" …" if len(header) > 20 else "")
    if not close:
        return f"; its columns are {shown}"
    why = " (header names are read without the spaces around them)" if column.strip() == close[0] else ""
    return f"; did you mean {close[0]!r}?{why}"
