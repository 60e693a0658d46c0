"""`profilehub export` and `profilehub history export` against a fake API: the request, the polling, the file."""

import json
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner

from profilehub_cli.main import app

CONTENT = b"email,score\r\nann@shop.example,7\r\n"


class ExportApi:
    """Answers an export: queued, then running, then done with a result to download."""

    def __init__(self, final: str = "done") -> None:
        self.bodies: list[dict[str, Any]] = []
        self.polls = 0
        self.final = final

    def job(self, status: str, processed: int) -> dict[str, Any]:
        result = "/api/v1/jobs/j1/result" if status == "done" else None
        counts = {"processed": processed, "total": 1}
        return {"id": "j1", "status": status, "counts": counts, "message": "", "result_url": result}

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "POST" and path.endswith("exports"):
            self.bodies.append(json.loads(request.content))
            return httpx.Response(202, json=self.job("queued", 0))
        if path == "/api/v1/jobs/j1":
            self.polls += 1
            return httpx.Response(200, json=self.job("running" if self.polls < 2 else self.final, self.polls - 1))
        if path == "/api/v1/jobs/j1/result":
            return httpx.Response(200, content=CONTENT)
        return httpx.Response(404, json={"error": {"code": "not_found", "message": path, "details": []}})


def invoke(api: ExportApi, *args: str) -> Any:
    transport = httpx.MockTransport(api.handle)
    return CliRunner().invoke(app, ["--token", "t", *args], obj={"transport": transport})


def test_export_sends_fields_filter_and_format_then_writes_the_file(tmp_path: Path) -> None:
    api, out = ExportApi(), tmp_path / "shop.xlsx"
    flt = '{"all": [{"field": "score", "op": "gte", "value": 1}]}'
    result = invoke(api, "export", "--db", "d1", "--fields", "email, score", "-o", str(out), "--filter", flt,
                    "--poll", "0")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert api.bodies == [{"fields": ["email", "score"], "format": "xlsx", "filter": json.loads(flt)}]
    assert out.read_bytes() == CONTENT and not (tmp_path / "shop.xlsx.part").exists()
    assert api.polls >= 2


def test_keep_formulas_turns_neutralising_off(tmp_path: Path) -> None:
    api = ExportApi()
    result = invoke(api, "export", "--db", "d1", "--fields", "email", "-o", str(tmp_path / "x.csv"), "--keep-formulas",
                    "--poll", "0")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert api.bodies == [{"fields": ["email"], "format": "csv", "neutralise_formulas": False}]


def test_a_failed_export_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    api, out = ExportApi(final="failed"), tmp_path / "out.csv"
    result = invoke(api, "export", "--db", "d1", "--fields", "email", "-o", str(out), "--poll", "0")
    assert result.exit_code == 1 and "failed" in result.output
    assert not out.exists()


def test_a_bad_format_or_filter_is_refused_before_any_call(tmp_path: Path) -> None:
    api = ExportApi()
    bad_format = invoke(api, "export", "--db", "d", "--fields", "email", "-o", str(tmp_path / "x"), "--format", "pdf")
    bad_filter = invoke(api, "export", "--db", "d", "--fields", "email", "-o", str(tmp_path / "x"), "--filter", "{")
    assert bad_format.exit_code == 1 and "pdf" in bad_format.output
    assert bad_filter.exit_code == 1 and api.bodies == []


def test_history_export_sends_period_types_and_fields(tmp_path: Path) -> None:
    api, out = ExportApi(), tmp_path / "h.jsonl"
    result = invoke(api, "history", "export", "--db", "d1", "-o", str(out), "--types", "send,open",
                    "--from", "2026-01-01T00:00:00Z", "--profile-fields", "email", "--poll", "0")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert api.bodies == [
        {"format": "jsonl", "from": "2026-01-01T00:00:00Z", "types": ["send", "open"], "profile_fields": ["email"]}
    ]
    assert out.read_bytes() == CONTENT
