"""Background jobs: asked for by the gateway (or the scheduler), run by a service, reported as progress."""

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue, StrictBool, model_validator
from pydantic_core import PydanticCustomError

from ..filters.model import Filter
from .base import Command, Event, topic_name
from .history import HISTORY_TYPE
from .profiles import WriteOptions

JobKind = Literal["import", "copy", "bulk_update", "export", "history_export", "ml_refresh", "suppression_refresh"]
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
    invalid_values: Literal["skip_value", "reject_row"] = Field(
        "skip_value",
        description="A value its field refuses: skip_value writes the row without it (the row is counted in "
        "skipped_values and the value is in the error report); reject_row rejects the whole row. Either way an "
        "invalid matching key or required field rejects the row",
    )


class CopyParams(BaseModel):
    """Copy profiles to another database: runs as an import into the target (fields it lacks are dropped)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target_database_id: str = Field(description="The database the profiles are copied into")
    filter: Filter | None = Field(None, description="Only source profiles matching this filter; all when absent")
    options: WriteOptions = Field(default_factory=WriteOptions, description="Matching key and mode in the target")


class PercentRange(BaseModel):
    """A slice of the whole database, evenly selected by a stable hash of the profile id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    from_percent: float = Field(0, ge=0, le=100, description="Start of the slice, inclusive")
    to_percent: float = Field(100, ge=0, le=100, description="End of the slice, exclusive (100: to the end)")

    @model_validator(mode="after")
    def _ordered(self) -> "PercentRange":
        if self.from_percent > self.to_percent:
            raise PydanticCustomError("empty_range", "from_percent must not exceed to_percent")
        return self


def _type_required(schema: dict[str, Any]) -> None:
    """The action's `type` picks the variant, so the document marks it required (the Python default aside)."""
    schema["required"] = ["type", *[k for k in schema.get("required", []) if k != "type"]]


ACTION = ConfigDict(frozen=True, extra="forbid", json_schema_extra=_type_required)


class SetValues(BaseModel):
    """Set fields to the same values on every selected profile (read with the fields' types)."""

    model_config = ACTION
    type: Literal["set"] = "set"
    values: dict[str, JsonValue] = Field(min_length=1, max_length=200, description="Field name → value")


class UnsetFields(BaseModel):
    """Clear fields (required fields cannot be cleared)."""

    model_config = ACTION
    type: Literal["unset"] = "unset"
    fields: list[str] = Field(min_length=1, max_length=200, description="Standard or custom field names")


class ChangeSubscription(BaseModel):
    """Subscribe to, or unsubscribe from, a resource channel; the address is the email or the first phone."""

    model_config = ACTION
    type: Literal["subscribe", "unsubscribe"]
    resource_id: str = Field(description="A resource the database allows")
    channel: Literal["email", "sms", "push"]


class PromoAction(BaseModel):
    """Attach one unused code of a pool to each profile (never the same code twice), or detach a pool's codes."""

    model_config = ACTION
    type: Literal["attach_promo", "detach_promo"]
    pool_id: str


class DeleteProfiles(BaseModel):
    """Delete the selected profiles."""

    model_config = ACTION
    type: Literal["delete"] = "delete"


BulkAction = Annotated[
    SetValues | UnsetFields | ChangeSubscription | PromoAction | DeleteProfiles, Field(discriminator="type")
]


class BulkUpdateParams(BaseModel):
    """Bulk update: the range slice first, then the filter, then the first `limit` profiles get the action."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    filter: Filter | None = Field(None, description="Only profiles matching this filter; all when absent")
    range: PercentRange = Field(default_factory=PercentRange, description="Percentage slice of the whole database")
    limit: int = Field(0, ge=0, description="Only the first N selected profiles (profile id order); 0: no limit")
    action: BulkAction = Field(description="What to do to each selected profile")


ExportFormat = Literal["csv", "jsonl", "xlsx"]
FIELD_NAME = Field(min_length=1, max_length=200)


NEUTRALISE_FORMULAS = (
    'Protect spreadsheet users from formula injection (OWASP "CSV injection"): in CSV and XLSX a text cell '
    "starting with =, +, -, @, tab or carriage return gets a leading ' (numbers stay numbers). XLSX text is always "
    "stored as text, never as a formula, either way. false: text exactly as stored"
)


class ExportParams(BaseModel):
    """Export profiles: a filter, the columns in order, a file format."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fields: list[Annotated[str, FIELD_NAME]] = Field(
        min_length=1,
        max_length=500,
        json_schema_extra={"uniqueItems": True},  # a column asked for twice is refused
        description="Columns in order: profile_id, standard and custom field names, subscriptions, "
        "subscription.<resource_id>.<channel> (its status), promo_codes, created_at, updated_at, "
        "has_interactions, suppressed, ml.bst, activity (all of it, as JSON), activity.last_<family>_at, "
        "activity.<family>_count (0 when never)",
    )
    format: ExportFormat = Field("csv", description="csv (UTF-8, RFC 4180), jsonl (JSON Lines) or xlsx")
    filter: Filter | None = Field(None, description="Only profiles matching this filter; all when absent")
    neutralise_formulas: StrictBool = Field(True, description=NEUTRALISE_FORMULAS)


class HistoryExportParams(BaseModel):
    """Export history: one profile's or the whole database's, by period and event types."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    format: Literal["csv", "jsonl"] = "csv"
    profile_id: str | None = Field(None, max_length=64, description="One profile's history; all when absent")
    from_: AwareDatetime | None = Field(None, alias="from", description="Events at or after this time")
    to: AwareDatetime | None = Field(None, description="Events before this time")
    types: list[Annotated[str, Field(max_length=60, json_schema_extra={"pattern": HISTORY_TYPE.pattern})]] = Field(
        default_factory=list, max_length=100, description="Event types (send, open, changed, …); all when empty"
    )
    profile_fields: list[Annotated[str, FIELD_NAME]] = Field(
        default_factory=list,
        max_length=100,
        description="Profile fields added to each event, as in exports",
        json_schema_extra={"uniqueItems": True},
    )
    neutralise_formulas: StrictBool = Field(True, description=NEUTRALISE_FORMULAS)


class JobRequested(Event):
    """Start a job (keyed by job id). The runner of its kind picks it up; progress follows on `JobProgressed`."""

    topic = topic_name("jobs", "requested")

    job_id: str
    kind: JobKind
    database_id: str
    import_params: ImportParams | None = None
    copy_params: CopyParams | None = Field(None, description="Set when kind is copy")
    bulk_update_params: BulkUpdateParams | None = Field(None, description="Set when kind is bulk_update")
    export_params: ExportParams | None = Field(None, description="Set when kind is export")
    history_export_params: HistoryExportParams | None = Field(None, description="Set when kind is history_export")


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
    dropped_fields: int = Field(0, description="Copy: field values left out because the target lacks the field")
    no_code_left: int = Field(0, description="attach_promo: profiles left without a code because the pool ran out")
    skipped_values: int = Field(
        0,
        description="Import: rows written without one or more of their values, which their fields refused (each "
        "value is in the error report); these rows are counted in created/updated/unchanged too",
    )


class JobProgressed(Event):
    """Where a job stands (keyed by job id); the last one of a job has a final status."""

    topic = topic_name("jobs", "progress")

    job_id: str
    kind: JobKind
    database_id: str
    status: JobStatus
    counts: JobCounts = Field(default_factory=JobCounts)
    message: str = Field("", description="Why it failed, or a note such as unmapped columns")
    code: str = Field(
        "",
        max_length=60,
        description="Why it failed, machine-readable and stable: empty_file, archive_too_large, invalid_archive, "
        "invalid_xlsx, invalid_header, truncated, … (empty unless failed)",
    )
    error_report_file_id: str | None = Field(None, description="GridFS id of the CSV of rejected rows")
    result_file_id: str | None = Field(None, description="GridFS id of the export result")


class ImportFileBatch(Command):
    """Import a batch of a running file import (keyed by job id, spread over the partitions): sent by the runner of
    the job, one a batch, taken by any importer replica. Its taker claims the job's next batch; batches are read
    wherever they land and applied in file order (see the importer's `batch_sharing`). A request left over when
    every batch is claimed does nothing, so a repeated one is harmless."""

    topic = topic_name("jobs", "import-file-batch")
    partitions = 6  # up to six importer workers share one job's batches

    job: JobRequested = Field(description="The import job, as requested")
    batches: int = Field(ge=1, description="How many batches the file has")
    batch_rows: int = Field(ge=1, le=10_000, description="Rows a batch")
