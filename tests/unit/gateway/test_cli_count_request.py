"""`profilehub profiles count` against a fake API: the request it sends, what it prints, a bad answer named."""

import json
from typing import Any

import httpx
from typer.testing import CliRunner

from profilehub_cli.main import app


def invoke(answer: Any, *args: str) -> tuple[Any, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=answer)

    result = CliRunner().invoke(app, ["--token", "t", *args], obj={"transport": httpx.MockTransport(handle)})
    return result, seen


def test_count_posts_the_filter_and_prints_the_number() -> None:
    flt = {"field": "activity.click_count", "op": "eq", "value": 0}
    result, seen = invoke({"count": 42}, "profiles", "count", "db1", "--filter", json.dumps(flt), "--q", "city:Oslo")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "42"
    assert (seen[0].method, seen[0].url.path) == ("POST", "/api/v1/databases/db1/profiles/count")
    assert json.loads(seen[0].content) == {"filter": flt, "q": "city:Oslo"}


def test_count_with_json_prints_the_whole_answer() -> None:
    result, seen = invoke({"count": 7, "exact": True}, "--json", "profiles", "count", "db1")
    assert json.loads(result.stdout) == {"count": 7, "exact": True}
    assert json.loads(seen[0].content) == {}


def test_an_answer_without_a_count_is_an_error_not_a_guess() -> None:
    result, _ = invoke({"total": 7}, "profiles", "count", "db1")
    assert result.exit_code == 1 and "not {'count': <number>}" in result.stderr
