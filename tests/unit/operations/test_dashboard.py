"""The Grafana dashboard in deploy/grafana is built from the series the code exports, and only from those."""

import json
import re
from pathlib import Path

from prometheus_client import REGISTRY

from profilehub_shared.metrics import SERIES, kafka_metrics

DASHBOARD = Path(__file__).resolve().parents[3] / "deploy/grafana/profilehub.json"
NAME = re.compile(r"\b(profilehub_[a-z_]+)\b")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def exported_sample_names() -> set[str]:
    """Every sample name a scrape of a service shows (`_total`, `_bucket`, `_sum` … included)."""
    kafka_metrics("dashboard-test")  # FastStream registers its series when the middleware is made
    names = set()
    for family in REGISTRY.collect():
        suffixes = SUFFIXES.get(family.type, ("",))
        names |= {family.name + suffix for suffix in suffixes}
    return names


def dashboard_exprs() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel["targets"]]


def test_every_expression_names_only_series_the_code_exports() -> None:
    exported = exported_sample_names()
    used = {name for expr in dashboard_exprs() for name in NAME.findall(expr)}
    assert used, "the dashboard names no series"
    assert used - exported == set(), f"the dashboard names series no service exports: {used - exported}"


def test_every_series_of_the_list_is_exported_and_on_the_dashboard() -> None:
    exported = exported_sample_names()
    text = " ".join(dashboard_exprs())
    assert [s for s in SERIES if s not in exported and f"{s}_bucket" not in exported] == []
    shown = {s for s in SERIES if s in text or f"{s}_bucket" in text}
    missing = (
        set(SERIES)
        - shown
        - {  # detail series an operator reads from /metrics directly
            "profilehub_kafka_received_messages_size_bytes",
            "profilehub_kafka_received_processed_messages_exceptions_total",
            "profilehub_kafka_published_messages_duration_seconds",
            "profilehub_kafka_published_messages_exceptions_total",
        }
    )
    assert missing == set()
