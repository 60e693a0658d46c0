"""`GET /health`: Kafka, MongoDB and the last heartbeat of every service."""

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient

from profilehub_shared.contracts import ServiceHeartbeatRecorded
from profilehub_shared.mongo import ping

SERVICES = ("gateway", "schema", "importer", "exporter", "history", "ml")

router = APIRouter(tags=["health"])


class HeartbeatBoard:
    """The latest heartbeat of each service instance, as seen by this gateway replica."""

    def __init__(self) -> None:
        self.beats: dict[str, ServiceHeartbeatRecorded] = {}

    def record(self, beat: ServiceHeartbeatRecorded) -> None:
        known = self.beats.get(beat.instance_id)
        if known is None or known.occurred_at <= beat.occurred_at:
            self.beats[beat.instance_id] = beat

    def services(self, now: datetime) -> dict[str, dict[str, Any]]:
        """Per service: alive if an instance beat within two of its intervals."""
        report: dict[str, dict[str, Any]] = {}
        for name in SERVICES:
            beats = [b for b in self.beats.values() if b.service == name]
            live = [b for b in beats if now - b.occurred_at <= timedelta(seconds=2 * b.interval_seconds + 1)]
            last = max((b.occurred_at for b in beats), default=None)
            report[name] = {
                "alive": bool(live),
                "instances": len(live),
                "mongo_ok": all(b.mongo_ok for b in live) if live else None,
                "last_heartbeat_at": last.isoformat() if last else None,
            }
        return report


@router.get("/health", summary="Liveness and readiness of the whole system")
async def health(request: Request, response: Response) -> dict[str, Any]:
    broker: KafkaBroker = request.app.state.broker
    client: AsyncMongoClient = request.app.state.mongo_client
    board: HeartbeatBoard = request.app.state.heartbeats
    kafka_ok = await broker.ping(timeout=3.0)
    mongo_ok = await ping(client)
    services = board.services(datetime.now(UTC))
    ok = kafka_ok and mongo_ok and all(s["alive"] for s in services.values())
    response.status_code = 200 if ok else 503
    return {
        "status": "ok" if ok else "degraded",
        "kafka": {"ok": kafka_ok},
        "mongo": {"ok": mongo_ok},
        "services": services,
    }


@router.get("/health/live", summary="The gateway process answers")
async def live() -> dict[str, str]:
    return {"status": "ok"}
