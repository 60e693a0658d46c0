"""Operating the running system as `make run` starts it: metrics that move with work, JSON log lines, probes."""

import asyncio
import json
import uuid
from collections.abc import Iterable
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from profilehub_shared.contracts.interactions import InteractionRecorded
from profilehub_shared.contracts.profiles import ProfileUpsertRejected, UpsertProfile
from profilehub_shared.contracts.schema import ChangeSchema
from profilehub_shared.settings import ServiceSettings
from tests.e2e.importing import create_database, finished, start_import
from tests.e2e.system import RunningSystem
from tests.e2e.upstream import Upstream, parked

WORKERS = ("schema", "importer", "exporter", "history", "ml")
IMPORT_BATCH_STEPS = ("read", "wait", "plan", "store_plan", "write", "publish", "report", "advance")
Scrape = dict[str, list[tuple[str, dict[str, str], float]]]


async def scrape_all(system: RunningSystem) -> Scrape:
    """Every service's /metrics: the gateway's on its HTTP port, the others' on their ops ports."""
    urls = {"gateway": f"{system.url}/metrics"}
    urls |= {name: f"http://127.0.0.1:{port}/metrics" for name, port in system.ops_ports().items()}
    scrapes: Scrape = {}
    async with httpx.AsyncClient(timeout=10) as client:
        for name, url in urls.items():
            answer = await client.get(url)
            assert answer.status_code == 200, (name, answer.text)
            assert answer.headers["content-type"].startswith("text/plain"), name
            scrapes[name] = [
                (s.name, s.labels, s.value) for f in text_string_to_metric_families(answer.text) for s in f.samples
            ]
    return scrapes


def total(samples: Iterable[tuple[str, dict[str, str], float]], name: str, **labels: str) -> float:
    return sum(v for n, got, v in samples if n == name and all(got.get(k) == w for k, w in labels.items()))


async def test_every_service_exports_metrics_that_move_with_the_work_it_does(
    system: RunningSystem, api: httpx.AsyncClient, upstream: Upstream, settings: ServiceSettings
) -> None:
    before = await scrape_all(system)
    assert set(before) == {"gateway", *WORKERS}

    db_id = await create_database(api, [{"name": "score", "type": "number"}])
    # an invalid matching key rejects its row (an invalid value of another field is only left out)
    csv = b"email,score\na@shop.example,1\nb@shop.example,2\nnot-an-email,3\n"
    imported = await finished(api, (await start_import(api, db_id, "people.csv", csv))["id"])
    assert imported["status"] == "done", imported
    assert imported["counts"]["rejected"] == 1, imported
    exported = await api.post(f"/databases/{db_id}/exports", json={"fields": ["email", "score"]})
    assert (await finished(api, exported.json()["id"]))["status"] == "done"
    upsert = UpsertProfile(database_id=db_id, record={"email": "stream@shop.example", "score": 3})
    await upstream.send(UpsertProfile.topic, f"{db_id}:stream@shop.example", upsert.model_dump_json().encode())
    refused_key = f"metrics-{uuid.uuid4().hex[:8]}"
    await upstream.send(UpsertProfile.topic, refused_key, b"not json")
    await parked(settings, ProfileUpsertRejected.topic, refused_key)
    stranger = InteractionRecorded(database_id=db_id, profile_id="nobody", type="send")
    await upstream.send(InteractionRecorded.topic, "nobody", stranger.model_dump_json().encode())
    poison_key = f"metrics-{uuid.uuid4().hex[:8]}"
    await upstream.send(ChangeSchema.topic, poison_key, b"\xff not a command")
    await parked(settings, f"{ChangeSchema.topic}.dlq", poison_key)

    after: Scrape = {}
    for _ in range(60):  # counters of the last records move a moment after they were parked
        after = await scrape_all(system)
        moved = total(after["history"], "profilehub_messages_rejected_total") > total(
            before["history"], "profilehub_messages_rejected_total"
        )
        if moved and total(after["importer"], "profilehub_rows_imported_total", source="stream") > total(
            before["importer"], "profilehub_rows_imported_total", source="stream"
        ):
            break
        await asyncio.sleep(0.5)

    def moved(service: str, name: str, **labels: str) -> bool:
        return total(after[service], name, **labels) > total(before[service], name, **labels)

    expected = {
        "gateway": [
            ("profilehub_http_requests_total", {"route": "/api/v1/databases", "method": "POST", "status": "201"}),
            ("profilehub_http_request_duration_seconds_count", {"route": "/api/v1/databases/{database_id}/imports"}),
            ("profilehub_kafka_published_messages_total", {"destination": ChangeSchema.topic}),
            ("profilehub_kafka_received_messages_total", {"handler": "jobs.progress.v1"}),
        ],
        "schema": [
            ("profilehub_kafka_received_processed_messages_total", {"handler": ChangeSchema.topic, "status": "acked"}),
            ("profilehub_kafka_received_processed_messages_duration_seconds_count", {"handler": ChangeSchema.topic}),
            ("profilehub_messages_dead_lettered_total", {"topic": ChangeSchema.topic, "code": "invalid_message"}),
        ],
        "importer": [
            ("profilehub_rows_imported_total", {"source": "import"}),
            ("profilehub_rows_rejected_total", {"source": "import"}),
            ("profilehub_rows_imported_total", {"source": "stream"}),
            ("profilehub_rows_rejected_total", {"source": "stream"}),
            ("profilehub_messages_rejected_total", {"topic": ProfileUpsertRejected.topic}),
            ("profilehub_jobs_total", {"kind": "import", "status": "done"}),
            ("profilehub_job_duration_seconds_count", {"kind": "import", "status": "done"}),
            ("profilehub_kafka_received_messages_total", {"handler": UpsertProfile.topic}),
            *[("profilehub_import_batch_step_seconds_count", {"step": step}) for step in IMPORT_BATCH_STEPS],
        ],
        "exporter": [
            ("profilehub_rows_exported_total", {"kind": "export"}),
            ("profilehub_jobs_total", {"kind": "export", "status": "done"}),
            ("profilehub_kafka_published_messages_total", {"destination": "jobs.progress.v1"}),
        ],
        "history": [
            ("profilehub_messages_rejected_total", {"topic": "interactions.rejected.v1", "code": "unknown_profile"}),
            ("profilehub_kafka_received_messages_total", {"handler": "profiles.changed.v1"}),
        ],
        "ml": [("profilehub_kafka_received_messages_total", {"handler": "schema.database-changed.v1"})],
    }
    every = [(service, name, labels) for service, series in expected.items() for name, labels in series]
    assert [(service, name, labels) for service, name, labels in every if not moved(service, name, **labels)] == []
    for name in WORKERS:  # every consumer group reports its lag on its assigned partitions
        assert any(n == "profilehub_kafka_consumer_lag" for n, _, _ in after[name]), name


async def test_every_service_answers_its_probes(system: RunningSystem) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        for port in system.ops_ports().values():
            assert (await client.get(f"http://127.0.0.1:{port}/health/live")).json() == {"status": "ok"}
            ready = await client.get(f"http://127.0.0.1:{port}/health/ready")
            assert ready.status_code == 200 and ready.json()["kafka"] == {"ok": True}, ready.text
            assert ready.json()["mongo"] == {"ok": True}
        gateway = await client.get(f"{system.url}/health/ready")
        assert gateway.status_code == 200, gateway.text


REQUIRED = {"timestamp", "level", "service", "instance", "logger", "message"}


def parsed_lines(log: Path) -> list[dict[str, object]]:
    lines = log.read_text(errors="strict").splitlines()
    records = []
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"{log.name}:{number} is not JSON ({exc}): {line[:300]!r}") from None
        assert isinstance(record, dict) and set(record) >= REQUIRED, f"{log.name}:{number}: {line[:300]}"
        records.append(record)
    return records


async def test_every_line_every_service_logged_is_a_json_object_with_the_service_and_ids(
    system: RunningSystem, api: httpx.AsyncClient
) -> None:
    db_id = await create_database(api, [])
    csv = b"email\nlog@shop.example\n"
    job = await finished(api, (await start_import(api, db_id, "log.csv", csv))["id"])
    logs = {log.stem: parsed_lines(log) for log in sorted((system.state_dir / "logs").glob("*.log"))}
    assert {"gateway", *WORKERS} <= set(logs)
    for name, records in logs.items():
        service = name.split("-")[0]
        assert {r["service"] for r in records} == {service}, name
        assert {"faststream", "faststream.access.kafka"} & {r["logger"] for r in records}, name  # FastStream's own
    gateway_loggers = {r["logger"] for r in logs["gateway"]}
    assert {"uvicorn.error", "uvicorn.access"} <= gateway_loggers
    assert any(r.get("request_id") for r in logs["gateway"] if r["logger"] == "uvicorn.access")
    assert any(r.get("job_id") == job["id"] and r.get("database_id") == db_id for r in logs["importer"])
