"""The committed OpenAPI document is the API's: regenerate it whenever the API changes."""

import json
from pathlib import Path

import pytest

from gateway_service.openapi import render

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
REGENERATE = ".venv/bin/python -m gateway_service.openapi > docs/openapi.json"


def test_the_committed_openapi_document_matches_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROFILEHUB_ADMIN_TOKEN", "openapi-drift-test-token")
    current = render()
    assert COMMITTED.exists(), f"docs/openapi.json is missing; generate it: {REGENERATE}"
    committed = COMMITTED.read_text(encoding="utf-8")
    if committed != current:
        old, new = json.loads(committed), json.loads(current)
        changed = sorted(set(old.get("paths", {})) ^ set(new.get("paths", {})))
        pytest.fail(f"docs/openapi.json is out of date (paths added/removed: {changed or 'none'}); run: {REGENERATE}")


def test_the_document_is_deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROFILEHUB_ADMIN_TOKEN", "openapi-drift-test-token")
    assert render() == render()
