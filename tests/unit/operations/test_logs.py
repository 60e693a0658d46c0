"""The log line format: one JSON object per record, with the service, the instance and the ids bound."""

import io
import json
import logging
from collections.abc import Callable

from profilehub_shared.logs import ContextFilter, bound, formatter


def line_of(log_format: str, emit: Callable[[logging.Logger], None]) -> str:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter(log_format))
    handler.addFilter(ContextFilter("importer"))
    logger = logging.getLogger("test.logs")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    emit(logger)
    return out.getvalue()


def test_a_json_line_carries_the_service_instance_and_the_ids_bound() -> None:
    def emit(logger: logging.Logger) -> None:
        with bound(job_id="j1", database_id="d1", unknown="ignored"):
            logger.info("rows %d", 3, extra={"topic": "t", "group_id": ""})
        logger.info("after")

    first, second = (json.loads(line) for line in line_of("json", emit).splitlines())
    assert first["message"] == "rows 3" and first["level"] == "INFO" and first["logger"] == "test.logs"
    assert first["service"] == "importer" and first["instance"].startswith("importer@")
    assert (first["job_id"], first["database_id"], first["topic"]) == ("j1", "d1", "t")
    assert "unknown" not in first and "group_id" not in first  # blank extras say nothing
    assert first["timestamp"].endswith("+00:00")
    assert "job_id" not in second  # the ids end with their block


def test_text_lines_are_for_humans() -> None:
    text = line_of("text", lambda logger: logger.warning("careful"))
    assert "WARNING" in text and "importer test.logs: careful" in text
    assert not text.startswith("{")
