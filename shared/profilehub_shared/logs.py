"""One logging setup for every service: JSON lines (or text for humans), the same for every library's loggers.

Each line carries `timestamp`, `level`, `service`, `instance`, `logger`, `message`, and the ids of what is being
worked on when they are known (`job_id`, `request_id`, `event_id`, `database_id`), set with `bind()` for the
duration of a task. The records of FastStream, aiokafka, uvicorn and Python's warnings go through the same handler.
"""

import contextlib
import contextvars
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from .heartbeat import instance_id

IDS = ("job_id", "request_id", "event_id", "database_id")
_ids: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("profilehub_log_ids", default={})  # noqa: B039 - never mutated, replaced

# Libraries that install handlers of their own (coloured text on stdout/stderr); their records come to ours instead.
LIBRARY_LOGGERS = (
    "faststream",
    "faststream.access",
    "aiokafka",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "py.warnings",
)


def current_ids() -> dict[str, str]:
    return _ids.get()


@contextlib.contextmanager
def bound(**ids: Any) -> Iterator[None]:
    """Carry these ids (job_id, request_id, event_id, database_id) on every log line inside the block."""
    token = _ids.set({**_ids.get(), **{k: str(v) for k, v in ids.items() if v is not None and k in IDS}})
    try:
        yield
    finally:
        _ids.reset(token)


def bind(**ids: Any) -> None:
    """Carry these ids on every later log line of the current task (a job runner's loop, a request)."""
    _ids.set({k: str(v) for k, v in ids.items() if v is not None and k in IDS})


class ContextFilter(logging.Filter):
    """Puts the service, the instance and the bound ids on each record."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service
        self.instance = instance_id(service)

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.instance = self.instance
        for key, value in _ids.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class LineFormatter(JsonFormatter):
    """One JSON object per line; the time in UTC, ISO 8601 with milliseconds."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        # FastStream's access logger passes its own context (topic, group_id, message_id); blank values say nothing.
        # uvicorn adds a `color_message` with terminal escapes: the plain `message` says the same.
        return {k: v for k, v in log_data.items() if (v not in ("", None) or k == "message") and k != "color_message"}


TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(service)s %(name)s: %(message)s"


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "text":
        return logging.Formatter(TEXT_FORMAT)
    return LineFormatter(
        "%(asctime)s %(levelname)s %(service)s %(instance)s %(name)s %(message)s",
        rename_fields={"asctime": "timestamp", "levelname": "level", "name": "logger"},
        json_ensure_ascii=False,
    )


def configure_logging(service: str, level: str = "INFO", log_format: str = "json") -> None:
    """Log to stderr, one line per record, for this process and every library in it.

    `log_format` is `json` (default) or `text`. Safe to call again (tests build several services in one process).
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(log_format))
    handler.addFilter(ContextFilter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library.handlers[:] = []
        library.propagate = True
    for name in ("faststream", "faststream.access", "uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).setLevel(logging.NOTSET)  # the root's level rules
    # aiokafka reports every reconnect at ERROR/WARNING while a broker starts; keep that out of the way.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught


def _log_uncaught(kind: type[BaseException], exc: BaseException, tb: Any) -> None:
    """An exception that ends the process is one more JSON line, not a bare traceback."""
    logging.getLogger("profilehub").critical("uncaught exception, exiting", exc_info=(kind, exc, tb))
