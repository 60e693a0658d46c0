"""What the API enforces beyond its models, written into its OpenAPI document (served and committed alike).

FastAPI documents the models; these rules live elsewhere (a router dependency, the body-size middleware, a form
field read as JSON), so they are stated here, once, for every operation they apply to. Schemathesis fuzzes the
API from this document (tests/e2e/test_api_fuzz.py), so a rule missing here shows up as a failure there.
"""

import copy
from typing import Any

from fastapi import FastAPI
from pydantic import TypeAdapter

from profilehub_shared.contracts.jobs import ImportParams

from .errors import MEANINGS

# api/parameters.py: path ids and names never hold a control character; query values never a NUL.
PATH_TEXT = r"^[^\u0000-\u001f\u007f]+$"
QUERY_TEXT = r"^[^\u0000]*$"
# json_input.py: no text in a JSON document holds a NUL, neither a value nor a key (MongoDB-wire stores refuse it).
JSON_TEXT = r"^[^\u0000]*$"
JSON_VALUE: dict[str, Any] = {
    "description": "Any JSON value: text without NUL, finite numbers, nested at most 32 levels",
    "anyOf": [
        {"type": "string"},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "null"},
        {"type": "array", "items": {"$ref": "#/components/schemas/JsonValue"}},
        {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/JsonValue"}},
    ],
}
# A schema with none of these keys accepts any value.
ANY_SCHEMA_KEYS = {"type", "$ref", "anyOf", "oneOf", "allOf", "enum", "const", "not"}
FIXED_TEXT = ("pattern", "format", "enum", "const", "contentMediaType")
ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
METHODS = ("get", "put", "post", "patch", "delete")
IMPORT_FORM = "Body_start_import"


def plain_text_parameters(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        strings = [s for s in [schema, *schema.get("anyOf", [])] if s.get("type") == "string"]
        if "pattern" in schema and "anyOf" in schema:  # a pattern given beside `| None` belongs to the text
            outer = schema.pop("pattern")
            for string in strings:
                string["pattern"] = outer
        for string in strings:
            if parameter["in"] == "path":
                string.setdefault("pattern", PATH_TEXT)
            elif parameter["in"] == "query" and "format" not in string and "enum" not in string:
                string.setdefault("pattern", QUERY_TEXT)


def text_without_nul(schema: Any) -> None:
    """Every text and every free key in a JSON schema (walked in place) is stated to hold no NUL; a property that
    takes any value (a field's `default`) takes any JSON value as `JsonValue` states it."""
    stack: list[tuple[Any, bool]] = [(schema, False)]
    while stack:
        node, is_properties = stack.pop()
        if isinstance(node, list):
            stack.extend((item, False) for item in node)
            continue
        if not isinstance(node, dict):
            continue
        if is_properties:  # a map of property names: every value is a schema, whatever its name
            for name, prop in node.items():
                if isinstance(prop, dict) and not ANY_SCHEMA_KEYS & prop.keys():
                    node[name] = {**prop, "$ref": "#/components/schemas/JsonValue"}
            stack.extend((v, False) for v in node.values())
            continue
        if node.get("type") == "string" and not any(key in node for key in FIXED_TEXT):
            node["pattern"] = JSON_TEXT
        if node.get("type") == "object" and node.get("additionalProperties") not in (None, False):
            node.setdefault("propertyNames", {"pattern": JSON_TEXT})
        stack.extend((v, k == "properties") for k, v in node.items() if k not in ("examples", "example", "default"))


def json_filter_parameter(operation: dict[str, Any]) -> None:
    """`filter=` is a structured filter as JSON text (profiles.py parses it like a body's `filter`)."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query" and parameter["name"] == "filter" and "schema" in parameter:
            del parameter["schema"]
            filter_schema = {"oneOf": [{"$ref": f"#/components/schemas/{name}"} for name in ("Condition", "Group")]}
            parameter["content"] = {"application/json": {"schema": filter_schema}}


def too_large(operation: dict[str, Any]) -> None:
    """limits.py answers 413 before any route runs; commands too large for Kafka get one too (messages.py)."""
    if "requestBody" in operation:
        operation["responses"].setdefault("413", {"description": MEANINGS[413], "content": ERROR})


def import_options_as_json(document: dict[str, Any]) -> None:
    """The upload's `options` form field is ImportParams as JSON (less the file's own id and name)."""
    schema = TypeAdapter(ImportParams).json_schema(ref_template="#/components/schemas/{model}")
    components = document["components"]["schemas"]
    for name, definition in schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    for own in ("file_id", "file_name"):
        schema["properties"].pop(own)
    schema["required"] = [r for r in schema.get("required", []) if r not in ("file_id", "file_name")]
    form = components[IMPORT_FORM]
    described = form["properties"]["options"].get("description", "")
    components["ImportOptions"] = schema | {"title": "ImportOptions", "description": described}
    form["properties"]["options"] = {"$ref": "#/components/schemas/ImportOptions"}
    for operation in (op for path in document["paths"].values() for op in path.values()):
        content = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data")
        if content and content["schema"].get("$ref", "").endswith(f"/{IMPORT_FORM}"):
            content["encoding"] = {"options": {"contentType": "application/json"}}


def with_enforced_rules(document: dict[str, Any]) -> dict[str, Any]:
    for path in document["paths"].values():
        for method, operation in path.items():
            if method in METHODS:
                plain_text_parameters(operation)
                json_filter_parameter(operation)
                too_large(operation)
    components = document.get("components", {}).get("schemas", {})
    if "JsonValue" in components:
        components["JsonValue"] = json_value()
    if IMPORT_FORM in components:
        import_options_as_json(document)
    text_without_nul(components)
    for path in document["paths"].values():
        for operation in path.values():
            text_without_nul(operation.get("requestBody", {}))
    return document


def json_value() -> dict[str, Any]:
    return copy.deepcopy(JSON_VALUE)  # the walk adds patterns in place


def install(app: FastAPI) -> None:
    """`app.openapi()` (hence /openapi.json and docs/openapi.json) states the rules above."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_enforced_rules(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
