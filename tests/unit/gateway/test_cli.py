"""The CLI against a fake API: requests it sends, tables it prints, errors and exit codes."""

import json
from typing import Any

import httpx
from typer.testing import CliRunner

from profilehub_cli.main import app

DATABASE = {
    "id": "db1",
    "settings": {"name": "shop", "group": "red", "tags": ["a", "b"], "is_watchers": False},
    "custom_fields": [
        {
            "name": "plan",
            "type": "enum",
            "title": "Plan",
            "default": "free",
            "required": False,
            "unique": False,
            "options": ["free", "pro"],
        }
    ],
}


class FakeApi:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if request.headers.get("Authorization") != "Bearer secret":
            return httpx.Response(
                401, json={"error": {"code": "unauthorized", "message": "missing token", "details": []}}
            )
        if path == "/api/v1/databases" and request.method == "GET":
            return httpx.Response(200, json={"items": [DATABASE], "next_cursor": None})
        if path == "/api/v1/databases" and request.method == "POST":
            return httpx.Response(201, json={**DATABASE, "id": "db2"})
        if path == "/api/v1/databases/db1/fields" and request.method == "POST":
            return httpx.Response(
                422,
                json={
                    "error": {
                        "code": "invalid",
                        "message": "bad default",
                        "details": [{"field": "default", "message": "not one of the options"}],
                    }
                },
            )
        if path == "/api/v1/databases/db1/fields":
            return httpx.Response(200, json={"standard": [], "custom": DATABASE["custom_fields"]})
        if path == "/api/v1/tokens":
            return httpx.Response(
                201,
                json={
                    "id": "t1",
                    "name": "crm",
                    "group": "red",
                    "created_at": "2026-01-01T00:00:00Z",
                    "token": "the-secret",
                },
            )
        return httpx.Response(
            404, json={"error": {"code": "not_found", "message": f"{path} does not exist", "details": []}}
        )


def invoke(api: FakeApi, *args: str) -> Any:
    return CliRunner().invoke(app, ["--token", "secret", *args], obj={"transport": httpx.MockTransport(api.handle)})


def test_databases_are_listed_in_a_table() -> None:
    api = FakeApi()
    result = invoke(api, "databases", "list", "--tag", "a", "--watchers")
    assert result.exit_code == 0, result.output
    assert "shop" in result.output and "db1" in result.output
    assert api.requests[0].url.params["tag"] == "a" and api.requests[0].url.params["is_watchers"] == "true"


def test_a_database_is_created_from_options() -> None:
    api = FakeApi()
    result = invoke(
        api,
        "databases",
        "create",
        "shop",
        "--title",
        "News",
        "--from-name",
        "Shop",
        "--from-email",
        "news@shop.example",
        "--tag",
        "x",
        "--group",
        "red",
    )
    assert result.exit_code == 0, result.output
    body = json.loads(api.requests[0].content)
    assert body["subscription_manager"] == {"title": "News", "language": "en"}
    assert body["email_settings"]["from_email"] == "news@shop.example" and body["tags"] == ["x"]
    assert "db2" in result.output


def test_api_errors_are_printed_with_exit_code_1() -> None:
    api = FakeApi()
    result = invoke(api, "fields", "add", "db1", "plan", "enum", "--option", "free", "--default", '"pro"')
    assert result.exit_code == 1
    assert "bad default" in result.output and "not one of the options" in result.output
    assert json.loads(api.requests[0].content)["default"] == "pro"
    missing = invoke(api, "databases", "show", "nope")
    assert missing.exit_code == 1 and "does not exist" in missing.output


def test_fields_are_listed_and_tokens_created() -> None:
    api = FakeApi()
    listed = invoke(api, "fields", "list", "db1")
    assert listed.exit_code == 0 and "plan" in listed.output and "free, pro" in listed.output
    token = invoke(api, "tokens", "create", "crm", "red")
    assert token.exit_code == 0 and "the-secret" in token.output


def test_an_unreachable_api_is_reported() -> None:
    result = CliRunner().invoke(app, ["--url", "http://127.0.0.1:9", "--token", "x", "databases", "list"])
    assert result.exit_code == 1 and "cannot reach the API" in result.output
