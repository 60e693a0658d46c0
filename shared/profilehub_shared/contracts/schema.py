"""Messages of the schema service: the changes it is asked for, its answers, and database snapshots."""

import uuid
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ..fields import CustomField, StandardFieldSettings
from .base import Command, Event, topic_name
from .schema_state import Database, DatabaseSettings, PromoPool, Resource, SuppressionList


class Operation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CreateDatabase(Operation):
    op: Literal["create_database"] = "create_database"
    settings: DatabaseSettings


class UpdateDatabase(Operation):
    """Replace the given settings; keys absent from `changes` are left as they are."""

    op: Literal["update_database"] = "update_database"
    database_id: str
    changes: dict[str, Any] = Field(description="DatabaseSettings keys to replace, validated by the schema service")


class CloneDatabase(Operation):
    """A new, empty database with the same standard-field settings and custom fields."""

    op: Literal["clone_database"] = "clone_database"
    database_id: str
    name: str = Field(min_length=1, max_length=200)


class DeleteDatabase(Operation):
    op: Literal["delete_database"] = "delete_database"
    database_id: str


class AddField(Operation):
    op: Literal["add_field"] = "add_field"
    database_id: str
    field: CustomField


class ChangeField(Operation):
    """Replace the given attributes of a custom field (title, options, default, required, flags, type)."""

    op: Literal["change_field"] = "change_field"
    database_id: str
    name: str
    changes: dict[str, Any]


class RemoveField(Operation):
    op: Literal["remove_field"] = "remove_field"
    database_id: str
    name: str


class SetStandardField(Operation):
    op: Literal["set_standard_field"] = "set_standard_field"
    database_id: str
    name: str
    settings: StandardFieldSettings


class CreateResource(Operation):
    op: Literal["create_resource"] = "create_resource"
    name: str = Field(min_length=1, max_length=200)
    group: str | None = None
    channels: list[Literal["email", "sms", "push"]] = Field(min_length=1)


class DeleteResource(Operation):
    op: Literal["delete_resource"] = "delete_resource"
    resource_id: str


class CreateSuppressionList(Operation):
    op: Literal["create_suppression_list"] = "create_suppression_list"
    name: str = Field(min_length=1, max_length=200)
    group: str | None = None


class DeleteSuppressionList(Operation):
    op: Literal["delete_suppression_list"] = "delete_suppression_list"
    list_id: str


class ChangeSuppressionEntries(Operation):
    """Add or remove entries in bulk; emails and phones are normalised, domains lower-cased."""

    op: Literal["change_suppression_entries"] = "change_suppression_entries"
    list_id: str
    action: Literal["add", "remove"]
    emails: list[str] = Field(default_factory=list, max_length=100_000)
    phones: list[str] = Field(default_factory=list, max_length=100_000)
    domains: list[str] = Field(default_factory=list, max_length=100_000)


class RecordMlRefresh(Operation):
    """The ML service records when a database's Best Send Time was last refreshed and when it is next due."""

    op: Literal["record_ml_refresh"] = "record_ml_refresh"
    database_id: str
    last_refresh_at: AwareDatetime | None = Field(None, description="Left as it is when absent")
    next_refresh_at: AwareDatetime | None = Field(None, description="Left as it is when absent")
    best_hours: list[Annotated[int, Field(ge=0, le=23)]] | None = Field(
        None, max_length=24, description="The database's best local hours; left as they are when absent"
    )


class CreatePromoPool(Operation):
    op: Literal["create_promo_pool"] = "create_promo_pool"
    name: str = Field(min_length=1, max_length=200)
    group: str | None = None


class DeletePromoPool(Operation):
    op: Literal["delete_promo_pool"] = "delete_promo_pool"
    pool_id: str


class RenamePromoPool(Operation):
    """Give a pool another name (unique among pools)."""

    op: Literal["rename_promo_pool"] = "rename_promo_pool"
    pool_id: str
    name: str = Field(min_length=1, max_length=200)


class RemovePromoCodes(Operation):
    """Remove unused codes: the ones named, or every unused one. Assigned codes stay (a code is never reused)."""

    op: Literal["remove_promo_codes"] = "remove_promo_codes"
    pool_id: str
    codes: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(default_factory=list, max_length=100_000)
    all_unused: bool = Field(False, description="Remove every unused code of the pool (then `codes` is ignored)")


class AddPromoCodes(Operation):
    """Upload codes in bulk; codes already in the pool are counted as duplicates, not added twice."""

    op: Literal["add_promo_codes"] = "add_promo_codes"
    pool_id: str
    codes: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(max_length=100_000)


SchemaOperation = Annotated[
    CreateDatabase
    | UpdateDatabase
    | CloneDatabase
    | DeleteDatabase
    | AddField
    | ChangeField
    | RemoveField
    | SetStandardField
    | CreateResource
    | DeleteResource
    | CreateSuppressionList
    | DeleteSuppressionList
    | ChangeSuppressionEntries
    | RecordMlRefresh
    | CreatePromoPool
    | DeletePromoPool
    | AddPromoCodes
    | RenamePromoPool
    | RemovePromoCodes,
    Field(discriminator="op"),
]


class ChangeSchema(Command):
    """Ask the schema service for a change; it answers on `SchemaChangeAnswered` with the same request id."""

    topic = topic_name("schema", "change-requested")

    request_id: uuid.UUID = Field(default_factory=uuid.uuid4, description="Correlates the answer; de-duplicates")
    operation: SchemaOperation = Field(description="What to change")


class SchemaError(BaseModel):
    """Why a change was refused: a stable code, a message for people, and per-field details."""

    model_config = ConfigDict(frozen=True)

    code: Literal["invalid", "not_found", "conflict", "type_locked", "has_interactions"] = Field(
        description="invalid → 422, not_found → 404, conflict / type_locked / has_interactions → 409"
    )
    message: str
    details: list[dict[str, Any]] = Field(
        default_factory=list, description="Per-field errors: field, value, code, message"
    )


class Counts(BaseModel):
    model_config = ConfigDict(frozen=True)

    added: int = 0
    removed: int = 0
    duplicates: int = 0
    kept: int = Field(0, description="Promo codes not removed because they are assigned")
    missing: int = Field(0, description="Promo codes named for removal that the pool does not have")
    invalid: list[dict[str, Any]] = Field(default_factory=list, description="Rejected entries with reasons")


class SchemaChangeAnswered(Event):
    """The outcome of a `ChangeSchema` request: the changed object, counts, or an error."""

    topic = topic_name("schema", "change-answered")
    retention_ms: ClassVar[int | None] = 60 * 60 * 1000  # answers matter only to the waiting caller

    request_id: uuid.UUID
    error: SchemaError | None = None
    database: Database | None = None
    resource: Resource | None = None
    suppression_list: SuppressionList | None = None
    promo_pool: PromoPool | None = None
    counts: Counts | None = None


class DatabaseChanged(Event):
    """The full, current state of one database (compacted by database id; a tombstone follows a delete)."""

    topic = topic_name("schema", "database-changed")
    compacted: ClassVar[bool] = True

    database_id: str
    deleted: bool = Field(False, description="The database was deleted; its profiles are to be dropped")
    database: Database | None = Field(None, description="The state after the change; none when deleted")
    removed_fields: list[str] = Field(default_factory=list, description="Custom fields removed by this change")


class SuppressionListChanged(Event):
    """Entries were added to or removed from a suppression list (keyed by list id).

    The importer then re-decides `suppressed` for the profiles of every database the list is attached to.
    """

    topic = topic_name("schema", "suppression-list-changed")

    list_id: str
    added: int = Field(0, ge=0, description="Entries added by the change")
    removed: int = Field(0, ge=0, description="Entries removed by the change")
