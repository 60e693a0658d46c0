"""The AsyncAPI and OpenAPI documents in docs/ are what the code generates now (`make docs` writes them): a contract
changed without them fails here, rather than publishing a field that no longer exists."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SERVICES = ("schema", "importer", "exporter", "history", "ml")


def generated(command: list[str], out: Path | None = None) -> object:
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(out.read_text() if out is not None else done.stdout)


@pytest.mark.parametrize("service", SERVICES)
def test_the_asyncapi_document_of_each_service_is_up_to_date(service: str, tmp_path: Path) -> None:
    out = tmp_path / f"{service}.json"
    faststream = str(Path(sys.executable).parent / "faststream")
    now = generated([faststream, "docs", "gen", f"{service}_service.app:create_app", "--factory", "-o", str(out)], out)
    published = json.loads((ROOT / f"docs/asyncapi/{service}.json").read_text())
    assert now == published, f"docs/asyncapi/{service}.json is stale: run `make docs`"


def test_the_openapi_document_is_up_to_date() -> None:
    now = generated([sys.executable, "-m", "gateway_service.openapi"])
    published = json.loads((ROOT / "docs/openapi.json").read_text())
    assert now == published, "docs/openapi.json is stale: run `make docs`"
