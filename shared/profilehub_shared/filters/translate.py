"""Filters to MongoDB queries that FerretDB 1.x can run. Every key and operator is built here, none is copied."""

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from ..contracts.schema_state import Database
from ..fields import FieldValueError
from ..fields.scalars import DECIMAL_TEXT, INTEGER_TEXT
from ..fields.text import checked_text
from .activity import RELATIVE, relative_time
from .bst import as_utc, bst_query
from .model import Condition, Filter, FilterError, check_limits
from .quick import parse_quick_search
from .targets import Context, Target, resolve

# Every operator a query from this module may contain (all in FerretDB 1.x's supported set).
QUERY_OPERATORS = frozenset(
    {"$and", "$or", "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$regex", "$options"}
)
COMPARISONS = {"eq": "$eq", "ne": "$ne", "gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte"}
ORDERING = frozenset({"gt", "gte", "lt", "lte"})
ZERO_PASSES: dict[str, Callable[[Any], bool]] = {
    "$eq": lambda v: v == 0,
    "$ne": lambda v: v != 0,
    "$gt": lambda v: v < 0,
    "$gte": lambda v: v <= 0,
    "$lt": lambda v: v > 0,
    "$lte": lambda v: v >= 0,
    "$in": lambda v: 0 in v,
}
MAX_IN_VALUES = 1000
MAX_SUBSTRING = 1000


def to_query(
    db: Database, flt: Filter | None, quick: str | None = None, *, now: datetime | None = None
) -> dict[str, Any]:
    """The MongoDB filter document for `flt` and the quick-search text `quick` (both must match), `{}` for neither.

    Raises FilterError (unknown field, invalid path, a test that does not fit the field, a bad value, limits).
    `now` is the clock for the Best Send Time helpers ("today", `within_next_hours`); default: the current time.
    """
    ctx = Context(now=as_utc(now))
    parts = []
    if flt is not None:
        check_limits(flt)
        parts.append(_query(db, flt, ctx))
    if quick is not None and quick.strip():
        parts.append(_query(db, parse_quick_search(quick), replace(ctx, from_text=True)))
    return _join("$and", parts)


def _query(db: Database, flt: Filter, ctx: Context) -> dict[str, Any]:
    if isinstance(flt, Condition):
        return condition_query(db, flt, ctx)
    return _join("$and" if flt.all is not None else "$or", [_query(db, child, ctx) for child in flt.children])


def _join(operator: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    if len(parts) <= 1:
        return parts[0] if parts else {}
    return {operator: parts}


def condition_query(db: Database, cond: Condition, ctx: Context) -> dict[str, Any]:
    """`{document key: {operator: stored value}}` for one condition."""
    target = resolve(db, cond.field)
    if cond.op not in target.ops:
        raise _op_not_allowed(
            cond.field, cond.op, f"{cond.op} does not fit this field; use one of {sorted(target.ops)}"
        )
    try:
        zoned = bst_query(target.field, cond.op, cond.value, ctx.now)  # Best Send Time: each profile's own zone
        if zoned is not None:
            return zoned
        test = _test(target, cond.op, cond.value, ctx)
        if target.absent_zero and cond.op != "exists" and _holds_for_zero(cond.op, test):
            # A count the profile does not have yet is 0: "never clicked" is click_count eq 0.
            return {"$or": [{target.path: {"$exists": False}}, {target.path: test}]}
        return {target.path: test}
    except FieldValueError as exc:
        raise FilterError(cond.field, cond.value, exc.code, exc.reason) from None


def _holds_for_zero(op: str, test: dict[str, Any]) -> bool:
    """Whether a stored 0 passes `test` (one operator with a count, or `$in` with counts)."""
    (operator, operand), *_ = test.items()
    return bool(ZERO_PASSES[operator](operand))


def _test(target: Target, op: str, value: object, ctx: Context) -> dict[str, Any]:
    field = target.field
    if op == "exists":
        if not isinstance(value, bool):
            raise FieldValueError(field, value, "not_a_boolean", "exists takes true or false")
        if target.present is not None:
            return {"$in" if value else "$nin": list(target.present)}
        return {"$exists": value}
    if op == "in":
        return {"$in": _distinct([target.read(field, item, ctx) for item in _items(field, value)])}
    if op == "contains" and target.text:
        if target.leaf and not isinstance(value, str):
            raise _op_not_allowed(field, op, "contains compares text")
        # An escaped literal, never the user's regex. Escapes are backslash + punctuation: PCRE and Go RE2 agree.
        return {"$regex": re.escape(_substring(field, value)), "$options": "i"}
    stored = _date_value(target, value, ctx) if target.dated else target.read(field, value, ctx)
    if target.absent_false:  # eq/ne only: true is stored true; false is false or absent
        return {"$eq": True} if (op == "eq") == stored else {"$ne": True}
    if target.leaf and op in ORDERING and (isinstance(stored, bool) or not isinstance(stored, int | float)):
        raise _op_not_allowed(field, op, "inside objects only numbers are ordered")
    if target.leaf and op == "eq" and ctx.from_text and isinstance(stored, str):
        candidates = _text_candidates(stored)
        return {"$in": candidates} if len(candidates) > 1 else {"$eq": stored}
    return {"$eq" if op == "contains" else COMPARISONS[op]: stored}


def _date_value(target: Target, value: object, ctx: Context) -> object:
    """A date, or a time relative to the clock (`-30d`)."""
    moved = relative_time(target.field, value, ctx.now)
    if moved is not None:
        return moved
    try:
        return target.read(target.field, value, ctx)
    except FieldValueError as exc:
        reason = f"{exc.reason}; or a time relative to now: {RELATIVE}"
        raise FieldValueError(target.field, value, exc.code, reason) from None


def _items(field: str, value: object) -> list[object]:
    if not isinstance(value, list):
        raise FieldValueError(field, value, "not_a_list", "in takes a list of values")
    if not 1 <= len(value) <= MAX_IN_VALUES:
        raise FieldValueError(field, value, "wrong_length", f"in takes 1 to {MAX_IN_VALUES} values")
    return list(value)


def _distinct(values: list[object]) -> list[object]:
    # Keyed by type too: True == 1 in Python, but not in a query on an object's values.
    return list({(type(v), v): v for v in values}.values())


def _substring(field: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise FieldValueError(field, value, "wrong_type", "contains takes non-empty text")
    return checked_text(field, value, MAX_SUBSTRING)


def _text_candidates(text: str) -> list[object]:
    """Quick search into an object: typed text may mean a stored number or boolean as well as the text."""
    candidates: list[object] = [text]
    stripped = text.strip()
    if INTEGER_TEXT.fullmatch(stripped) and len(stripped) <= 19:
        candidates.append(int(stripped))
    elif DECIMAL_TEXT.fullmatch(stripped) and len(stripped) <= 30:
        candidates.append(float(stripped))
    if stripped.lower() in ("true", "false"):
        candidates.append(stripped.lower() == "true")
    return candidates


def _op_not_allowed(field: str, op: str, reason: str) -> FilterError:
    return FilterError(field, op, "op_not_allowed", reason)
