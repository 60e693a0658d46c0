"""Object rules (SPEC §2): safe keys, scalar leaves, nesting up to depth 5, no arrays below the top level.

`peer_keys` compares the *top-level* key sets of the elements of an object array: this is what tells example (c)
from (f) of the reference, and nested objects may legitimately be sparse (an optional sub-document).
"""

import json
from typing import Any

from .errors import FieldValueError, short_repr
from .text import KEY_PATTERN, checked_float, checked_int64, checked_text

MAX_DEPTH = 5  # the top-level object is depth 1
MAX_KEY_LENGTH = 255
MAX_LEAF_LENGTH = 10_000
MAX_NODES = 10_000  # keys and array elements of one value, together; keeps a value well inside a 16 MB document
MAX_JSON_TEXT = 1_000_000

Leaf = int | float | str | bool


class _Budget:
    """Counts the nodes of one value so a huge value is refused as soon as it is seen to be huge."""

    def __init__(self, field: str) -> None:
        self.field, self.left = field, MAX_NODES

    def spend(self, count: int, value: object) -> None:
        self.left -= count
        if self.left < 0:
            raise FieldValueError(self.field, value, "too_large", f"more than {MAX_NODES} keys and elements")


def checked_object(field: str, value: object) -> dict[str, Any]:
    """A clean copy of an `object` field value, or FieldValueError naming the first rule it breaks."""
    return _object(field, value, 1, _Budget(field))


def checked_object_array(field: str, value: object, *, peer_keys: bool = False) -> list[dict[str, Any]]:
    """A clean copy of an `object_array` value: a list of objects (each at depth 1), same key sets if `peer_keys`."""
    if not isinstance(value, list):
        raise FieldValueError(field, value, "not_an_array", "an object array must be a JSON array of objects")
    budget = _Budget(field)
    budget.spend(len(value), value)
    items: list[dict[str, Any]] = []
    for index, element in enumerate(value):
        path = f"{field}[{index}]"
        if isinstance(element, list):
            raise FieldValueError(path, element, "nested_array", "arrays of arrays are not allowed")
        items.append(_object(path, element, 1, budget))
    if peer_keys:
        _require_peer_keys(field, items)
    return items


def parse_json_text(field: str, text: str) -> object:
    """JSON text of a file cell, parsed strictly: no NaN/Infinity, no duplicate keys, bounded size and depth."""
    if len(text) > MAX_JSON_TEXT:
        raise FieldValueError(field, text, "too_long", f"JSON text longer than {MAX_JSON_TEXT} characters")
    try:
        return _STRICT_JSON.decode(text)
    except _DuplicateKey as dup:
        raise FieldValueError(field, text, "duplicate_key", f"key {short_repr(dup.key)} appears twice") from None
    except RecursionError:
        raise FieldValueError(field, text, "too_deep", "JSON nested far too deep") from None
    except ValueError as exc:  # JSONDecodeError, NaN/Infinity, integers of thousands of digits
        raise FieldValueError(field, text, "invalid_json", f"not valid JSON ({exc})") from None


def _object(path: str, value: object, depth: int, budget: _Budget) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FieldValueError(path, value, "not_an_object", "expected a JSON object")
    budget.spend(len(value), value)
    clean: dict[str, Any] = {}
    for key, item in value.items():
        key_path = f"{path}.{_key(path, key)}"
        if isinstance(item, dict):
            if depth >= MAX_DEPTH:  # refuse before recursing: depth stays bounded whatever the input
                raise FieldValueError(key_path, item, "too_deep", f"objects may nest at most {MAX_DEPTH} levels")
            clean[key] = _object(key_path, item, depth + 1, budget)
        else:
            clean[key] = _leaf(key_path, item)
    return clean


def _key(path: str, key: object) -> str:
    if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or not KEY_PATTERN.fullmatch(key):
        raise FieldValueError(
            path, key, "invalid_key", f"keys are 1 to {MAX_KEY_LENGTH} Latin letters, digits, '_' or '-'"
        )
    return key


def _leaf(path: str, value: object) -> Leaf:
    if value is None:
        raise FieldValueError(path, value, "null_value", "null is not allowed; leave the key out instead")
    if isinstance(value, list):
        code = "nested_array" if any(isinstance(v, list) for v in value[:MAX_NODES]) else "array_in_object"
        raise FieldValueError(path, value, code, "arrays are not allowed inside objects")
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return checked_int64(path, int(value))
    if isinstance(value, float):
        return checked_float(path, float(value))
    if isinstance(value, str):
        return checked_text(path, str(value), MAX_LEAF_LENGTH)
    raise FieldValueError(path, value, "wrong_type", "leaf values are numbers, strings or booleans")


def _require_peer_keys(field: str, items: list[dict[str, Any]]) -> None:
    if not items:
        return
    expected = set(items[0])
    for index, item in enumerate(items[1:], start=1):
        if set(item) != expected:
            raise FieldValueError(
                f"{field}[{index}]",
                item,
                "peer_keys_mismatch",
                f"every element must have the keys of the first: {', '.join(sorted(expected)) or '(none)'}",
            )


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


_STRICT_JSON = json.JSONDecoder(parse_constant=_no_constant, object_pairs_hook=_unique_keys)  # built once, not a cell
