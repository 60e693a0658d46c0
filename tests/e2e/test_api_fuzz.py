"""Property-based fuzzing of the whole HTTP API with Schemathesis, from the committed docs/openapi.json, against
the running system: no 5xx, every answer conforms to the documented status codes, schemas and error shape, what the
document allows is accepted, what it forbids is refused, and every call without a token is refused with 401.

`PROFILEHUB_FUZZ_EXAMPLES` (default 15) bounds the examples per operation in the fuzzing phase; the coverage phase
adds its boundary cases on top. The run is seeded (`PROFILEHUB_FUZZ_SEED`) and derandomized, so CI sees the same
cases every time; for a longer hunt raise the number (e.g. 200), change the seed, and set
`PROFILEHUB_FUZZ_FEEDBACK=1` to let answers feed later cases.
"""

import json
import os
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case, CheckContext, GenerationMode, Response
from schemathesis.specs.openapi.checks import positive_data_acceptance
from schemathesis.specs.openapi.schemas import OpenApiSchema

from tests.e2e.importing import create_database, finished
from tests.e2e.system import RunningSystem

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
EXAMPLES = int(os.environ.get("PROFILEHUB_FUZZ_EXAMPLES", "15"))
ANONYMOUS_EXAMPLES = int(os.environ.get("PROFILEHUB_FUZZ_ANONYMOUS_EXAMPLES", "3"))
SEED = int(os.environ.get("PROFILEHUB_FUZZ_SEED", "20261201"))
# Schemathesis can feed values from earlier answers (ids, error messages) into later cases: deeper, but the cases
# then depend on the ids this run's system made. Off by default, so that a seed always means the same cases.
FEEDBACK = os.environ.get("PROFILEHUB_FUZZ_FEEDBACK", "") == "1"
PUBLIC = ("/health", "/health/live", "/health/ready")  # probes answer without a token
HYPOTHESIS = {
    "deadline": None,
    "derandomize": True,
    "database": None,  # no replay of earlier runs' failures: the same cases on every machine
    "suppress_health_check": list(HealthCheck),
}

# Refusals of schema-valid requests that no JSON Schema can state, because they depend on what the system holds
# (ids, a database's fields, the cursors it issued) or on rules across attributes; the operations' descriptions
# say them in words. A schema-valid request refused with any other code is a failure: the document must say it.
STATE_REFUSALS = {
    "invalid_cursor": "only a next_cursor the API issued, for that listing, is a cursor (they are signed)",
    "unknown_field": "a field the database does not have (records, filters, columns)",
    "unknown_subscription": "a subscription column for a resource the database does not allow",
    "not_found": "an id (a resource, a list, a target database) that does not exist",
    "missing_match_key": "the record lacks the field it is matched on",
    "reserved_name": "a custom field named like a standard field in another case (EMAIL)",
    "options_not_allowed": "options on a field that is not an enum",
    "max_length_not_allowed": "max_length on a field that is not a line",
    "peer_keys_not_allowed": "peer_keys on a field that is not an object_array",
    "unique_not_allowed": "unique on a type that cannot be a matching key",
    "unknown_resource": "a resource the database does not allow (bulk subscribe/unsubscribe)",
    "options_required": "an enum field without options",
    "invalid_default": "a field's default that its type does not take",
    "empty_period": "from not before to",
    "empty_range": "a bulk update's from_percent past its to_percent",
    "out_of_range": "a time outside the years 1 to 9999 once in UTC",
    # The import's options, checked against the database and Python's codecs before the file is stored:
    "not_unique": "matching on a custom field that the database does not declare unique",
    "update_only": "matching by profile_id, which only updates, in another mode (a rule across two options)",
    "unknown_encoding": "an encoding name Python's codecs do not know, or a codec that is no text encoding (rot13)",
    "invalid_delimiter": "a delimiter that is a line break, NUL or the quote character (a rule across two options)",
    "invalid_quotechar": "a quote character that is a line break or NUL",
    "unknown_channel": "a mapping to subscription.<resource>.<channel> with a channel that does not exist",
    "unknown_column": "a mapping naming a column the uploaded file's header does not have",
    "unknown_timezone": "a time-zone name the machine's IANA tz database does not have",
}


# Known and left open: `/profiles/search` (and `/profiles/count`) is also `/profiles/{profile_id}` with the id
# "search", so GET and DELETE are routed there and a 405 (OPTIONS, TRACE) rightly lists them in `Allow`, while the
# document, which cannot say that two templates overlap, gives the path POST only. Everything else is checked on
# those operations.
OVERLAPPING_PATHS = [
    {
        "include-path": f"/api/v1/databases/{{database_id}}/profiles/{name}",
        "checks": {"allow_header_conformance": {"enabled": False}},
    }
    for name in ("search", "count")
]


def fuzz_config(base_url: str, token: str | None, examples: int, mode: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "base-url": base_url,
            "headers": {"Authorization": f"Bearer {token}"} if token else {},
            "generation": {"max-examples": examples, "deterministic": True, "mode": mode},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True, "extra-data-sources": {"responses": FEEDBACK}},
                "fuzzing": {
                    "enabled": True,
                    "extra-data-sources": {"responses": FEEDBACK},
                    "error-feedback": {"enabled": FEEDBACK},
                },
            },
            # Replaced by `refused_only_for_what_the_state_decides` below, which knows the state-dependent refusals.
            "checks": {"positive_data_acceptance": {"enabled": False}},
            "operations": OVERLAPPING_PATHS,
            "request-timeout": 60,
        }
    )


def refusal_codes(response: Response) -> set[str]:
    try:
        body = json.loads(response.content)
        return {d.get("code") for d in body["error"]["details"]} or {body["error"]["code"]}
    except (ValueError, KeyError, TypeError, AttributeError):
        return set()


def refused_only_for_what_the_state_decides(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Schemathesis' `positive_data_acceptance`, except for the refusals listed in STATE_REFUSALS."""
    if response.status_code == 422 and case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE:
        codes = refusal_codes(response)
        if codes and codes <= STATE_REFUSALS.keys():
            return True
    return positive_data_acceptance(ctx, response, case)


async def seeded_ids(api: httpx.AsyncClient) -> dict[str, str]:
    """Real objects for the path parameters, so that positive cases reach past the 404 of an unknown id."""
    db_id = await create_database(api, [{"name": "score", "type": "number"}, {"name": "plan", "type": "line"}])
    put = await api.put(f"/databases/{db_id}/profiles", json={"record": {"email": "ann@shop.example", "score": 3}})
    assert put.status_code == 200, put.text
    ids = {"database_id": db_id, "profile_id": put.json()["profile"]["profile_id"], "name": "score"}
    for path, key in (("/resources", "resource_id"), ("/suppression-lists", "list_id"), ("/promo-pools", "pool_id")):
        body: dict[str, Any] = {"name": f"fuzz-{uuid.uuid4().hex[:8]}"}
        if path == "/resources":
            body["channels"] = ["email"]
        created = await api.post(path, json=body)
        assert created.status_code == 201, created.text
        ids[key] = created.json()["id"]
    export = await api.post(f"/databases/{db_id}/exports", json={"fields": ["email", "score"]})
    assert export.status_code == 202, export.text
    ids["job_id"] = (await finished(api, export.json()["id"]))["id"]
    return ids


def with_real_ids(schema: OpenApiSchema, ids: dict[str, str]) -> OpenApiSchema:
    """Positive cases of every operation but DELETE address the seeded objects (deleting them would leave the
    other operations nothing to reach); negative cases and DELETEs keep the generated ids."""

    @schema.hook
    def map_case(context: Any, case: Case) -> Case:
        positive = case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE
        if positive and case.method.upper() != "DELETE" and case.path_parameters:
            for key in case.path_parameters:
                if key in ids and not (key == "name" and "standard-fields" in case.path):
                    case.path_parameters[key] = ids[key]
        return case

    return schema


@pytest.fixture(scope="module")
async def fuzz_ids(system: RunningSystem, admin_token: str) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {admin_token}"}
    async with httpx.AsyncClient(base_url=f"{system.url}/api/v1", headers=headers, timeout=60) as client:
        return await seeded_ids(client)


@pytest.fixture(scope="module")
def api_schema(system: RunningSystem, admin_token: str, fuzz_ids: dict[str, str]) -> OpenApiSchema:
    config = fuzz_config(system.url, admin_token, EXAMPLES, "all")
    return with_real_ids(schemathesis.openapi.from_path(OPENAPI, config=config), fuzz_ids)


@pytest.fixture(scope="module")
def anonymous_schema(system: RunningSystem) -> OpenApiSchema:
    return schemathesis.openapi.from_path(OPENAPI, config=fuzz_config(system.url, None, ANONYMOUS_EXAMPLES, "positive"))


CASES: Counter[str] = Counter()  # requests sent, by test


@pytest.fixture(scope="module", autouse=True)
def case_count(request: pytest.FixtureRequest) -> Iterator[None]:
    """Reports how many cases ran (the figure the README quotes) at the end of the module."""
    yield
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if capture is not None and CASES:
        counts = ", ".join(f"{n} {name}" for name, n in sorted(CASES.items()))
        with capture.global_and_fixture_disabled():
            print(f"\nAPI fuzzing: {EXAMPLES} examples per operation (seed {SEED}): {counts}")


with_token = schemathesis.pytest.from_fixture("api_schema")
without_token = schemathesis.pytest.from_fixture("anonymous_schema")


@with_token.parametrize()
@settings(max_examples=EXAMPLES, **HYPOTHESIS)
def test_every_operation_answers_as_documented_with_the_admin_token(case: Case) -> None:
    CASES["cases with the admin token"] += 1
    case.call_and_validate(additional_checks=[refused_only_for_what_the_state_decides])


@without_token.parametrize()
@settings(max_examples=ANONYMOUS_EXAMPLES, **HYPOTHESIS)
def test_every_operation_refuses_a_call_without_a_token(case: Case) -> None:
    CASES["cases without a token"] += 1
    response = case.call()
    if case.path in PUBLIC:
        assert response.status_code == 200, response.text
        return
    assert response.status_code == 401, f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
    assert response.json()["error"]["code"] == "unauthorized"
    assert response.headers.get("www-authenticate", [""])[0].startswith("Bearer")
