"""Background jobs: asked for by the gateway (or the scheduler), run by a service, reported as progress."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .base import Event, topic_name
from .profiles import WriteOptions

JobKind = Literal["import", "copy", "bulk_update", "export", "history_export", "ml_refresh"]
JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]


class ImportParams(BaseModel):
    """A file import: the uploaded file, how to read it, how columns map to fields, how to write."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file_id: str = Field(description="GridFS id of the uploaded file")
    file_name: str = Field(description="Original file name; its extension helps detect the format")
    format: Literal["auto", "csv", "json", "jsonl", "xlsx"] = "auto"
    delimiter: str | None = Field(None, max_length=1, description="CSV delimiter; detected when absent")
    quotechar: str = Field('"', min_length=1, max_length=1)
    encoding: str | None = Field(None, max_length=40, description="Text encoding; detected when absent")
    header: bool = Field(True, description="The first row names the columns")
    mapping: dict[str, str] = Field(
        default_factory=dict,
        description="Column → field (standard, custom, or subscription.<resource_id>.<channel>); "
        "empty: columns named like fields are taken as they are; unmapped columns are ignored and reported",
    )
    options: WriteOptions = Field(default_factory=WriteOptions)


class JobRequested(Event):
    """Start a job (keyed by job id). The runner of its kind picks it up; progress follows on `JobProgressed`."""

    topic = topic_name("jobs", "requested")

    job_id: str
    kind: JobKind
    database_id: str
    import_params: ImportParams | None = None


class JobCounts(BaseModel):
    model_config = ConfigDict(frozen=True)

    processed: int = 0
    total: int | None = None
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates: int = 0
    deleted: int = 0


class JobProgressed(Event):
    """Where a job stands (keyed by job id); the last one of a job has a final status."""

    topic = topic_name("jobs", "progress")

    job_id: str
    kind: JobKind
    database_id: str
    status: JobStatus
    counts: JobCounts = Field(default_factory=JobCounts)
    message: str = Field("", description="Why it failed, or a note such as unmapped columns")
    error_report_file_id: str | None = Field(None, description="GridFS id of the CSV of rejected rows")
    result_file_id: str | None = Field(None, description="GridFS id of the export result")
