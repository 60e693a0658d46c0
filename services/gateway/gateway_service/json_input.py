"""JSON as the API accepts it, wherever it comes from (a body, the `filter=` query parameter, a form field).

Python's `json` reads NaN, Infinity and `1e400` (which pydantic later writes as `null`: an `empty: clear` upsert
then erased the stored value), nests until the interpreter's recursion limit, and keeps NUL and lone surrogates
that MongoDB or FerretDB refuse much later (a 500, or a 504 once the schema service gave up). `parse_json` refuses
all of those at once, naming where: `body.record.fl`, `query.filter.value`, `options.mapping`.
"""

import json
import math
from typing import Any

from fastapi.responses import JSONResponse

from profilehub_shared.fields.errors import short_repr

from .errors import ApiError, error_response

# Deeper than any document the API takes (objects nest 5 levels in a record, filters 5 groups) with room to spare.
MAX_DEPTH = 32
MAX_PROBLEMS = 20


class _NotFinite(float):
    """Stands for NaN/±Infinity while parsing, so that the walk can name the field that held it."""

    def __new__(cls, text: str) -> "_NotFinite":
        value = super().__new__(cls, float("nan"))
        value.text = text
        return value

    text: str


def _number(text: str) -> float:
    value = float(text)
    return value if math.isfinite(value) else _NotFinite(text)


def _path(parent: str, key: str | int) -> str:
    return f"{parent}[{key}]" if isinstance(key, int) else f"{parent}.{key}"


def _text_problem(text: str) -> tuple[str, str] | None:
    if "\x00" in text:
        return "nul_character", "text may not contain NUL (U+0000)"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "invalid_unicode", "text holds a lone surrogate (an unpaired \\ud800-\\udfff escape)"
    return None


def problems_in(value: Any, field: str, max_depth: int = MAX_DEPTH) -> list[dict[str, Any]]:
    """Every NaN/Infinity, NUL, lone surrogate or too-deep nesting in a parsed document (iterative: no recursion)."""
    found: list[dict[str, Any]] = []

    def report(where: str, shown: Any, code: str, message: str) -> None:
        found.append({"field": where, "value": short_repr(shown), "code": code, "message": message})

    stack: list[tuple[str, Any, int]] = [(field, value, 0)]
    while stack and len(found) < MAX_PROBLEMS:
        where, item, depth = stack.pop()
        if isinstance(item, dict | list) and depth >= max_depth:
            report(field, "…", "too_deep", f"JSON nested more than {max_depth} levels")
            continue
        if isinstance(item, dict):
            for key, child in item.items():
                if problem := _text_problem(key):
                    report(where, key, problem[0], f"a key: {problem[1]}")
                else:
                    stack.append((_path(where, key), child, depth + 1))
        elif isinstance(item, list):
            stack.extend((_path(where, i), child, depth + 1) for i, child in enumerate(item))
        elif isinstance(item, _NotFinite):
            report(where, item.text, "not_a_finite_number", "NaN and Infinity are not numbers the API stores")
        elif isinstance(item, str) and (problem := _text_problem(item)):
            report(where, item, *problem)
    found.reverse()  # the stack walks backwards; report in document order
    return found


def parse_json(raw: str | bytes, field: str, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value in `raw`, or a 422 naming `field` (and the path inside) with what is wrong.

    For any JSON the gateway reads itself: query parameters, form fields (the import's `options`), bodies.
    """
    try:
        value = json.loads(raw, parse_constant=_NotFinite, parse_float=_number)
    except RecursionError:
        value = None
        reason = f"JSON nested more than {max_depth} levels"
        problems = [{"field": field, "value": short_repr("…"), "code": "too_deep", "message": reason}]
    except (ValueError, TypeError) as exc:  # JSONDecodeError, bytes that are not UTF-8, an integer of 5,000 digits
        reason = f"invalid JSON: {exc}"
        problems = [{"field": field, "value": short_repr(raw), "code": "json_invalid", "message": reason}]
    else:
        problems = problems_in(value, field, max_depth)
    if problems:
        first = problems[0]
        raise ApiError(422, "invalid", f"{first['field']}: {first['message']}", problems)
    return value


def is_json(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class StrictJsonBodies:
    """ASGI middleware: a JSON body is read and checked by `parse_json` before any route sees it, then replayed.

    One place for every route (FastAPI's own parser accepts NaN and any depth). Runs inside BodySizeLimit, so a
    body is never read past the size limit.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = dict(scope.get("headers") or []) if scope["type"] == "http" else {}
        if not is_json(headers.get(b"content-type", b"").decode("latin-1")):
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client left
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body:
            try:
                parse_json(body, "body")
            except ApiError as exc:
                response: JSONResponse = error_response(exc.status, exc.code, exc.message, exc.details)
                await response(scope, receive, send)
                return
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if replayed:
                return await receive()  # only http.disconnect is left to come
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
