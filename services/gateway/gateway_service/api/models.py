"""Request and response bodies of the REST API that are not contract models themselves."""

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, TypeVar, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, create_model
from pydantic.fields import FieldInfo

from profilehub_shared.contracts.schema import Counts
from profilehub_shared.contracts.schema_state import (
    Database,
    DatabaseSettings,
    PromoPool,
    Resource,
    SuppressionList,
)
from profilehub_shared.fields import CustomField, StandardFieldSettings

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
Name = Annotated[str, Field(min_length=1, max_length=200, description="Unique name, 1 to 200 characters")]
Group = Annotated[str | None, Field(None, max_length=100, description="Access group (forced to a group token's own)")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


def strict(annotation: Any) -> Any:
    """A flag takes only true or false: pydantic's lax mode would read 0, 1, "yes" or "off" as one."""
    return StrictBool if annotation is bool else annotation


def admits_null(annotation: Any) -> bool:
    return annotation is Any or type(None) in get_args(annotation)


def without_default(info: FieldInfo) -> Callable[[dict[str, Any]], None]:
    """The attribute's own schema additions, less its default: absent means "unchanged", null is no value."""
    extra = info.json_schema_extra

    def schema_of(schema: dict[str, Any]) -> None:
        if isinstance(extra, dict):
            schema.update(extra)
        elif callable(extra):
            extra(schema)
        schema.pop("default", None)

    return schema_of


def partial(model: type[BaseModel], name: str, doc: str, leave_out: tuple[str, ...] = ()) -> type[BaseModel]:
    """`model` with every attribute optional (only the ones sent are changed); unknown keys are refused. An
    attribute that cannot be null in `model` cannot be null here either (the document says so: no default)."""
    fields: dict[str, Any] = {}
    for key, info in model.model_fields.items():
        if key in leave_out:
            continue
        if admits_null(info.annotation):
            optional = FieldInfo.merge_field_infos(info, default=None)
            annotation = strict(info.annotation)
        else:
            optional = FieldInfo.merge_field_infos(info, default=None, json_schema_extra=without_default(info))
            annotation = strict(info.annotation)
        optional.default_factory = None
        optional.validate_default = False  # absent stays absent: the model's own default is not this one
        fields[key] = (annotation, optional)
    return create_model(name, __base__=Body, __doc__=doc, **fields)


def strict_input(model: type[M], name: str) -> type[M]:
    """`model` as the API reads it: the same attributes, its flags strict booleans (a subclass: used as `model`)."""
    flags: dict[str, Any] = {
        key: (StrictBool, info) for key, info in model.model_fields.items() if info.annotation is bool
    }
    return create_model(name, __base__=model, __doc__=model.__doc__, **flags)


DatabaseChanges = partial(DatabaseSettings, "DatabaseChanges", "Database settings to replace; absent keys stay.")
FieldChanges = partial(
    CustomField, "FieldChanges", "Field attributes to replace (not the name); absent keys stay.", leave_out=("name",)
)
if TYPE_CHECKING:  # to mypy they are the models they extend
    NewDatabase = DatabaseSettings
    NewField = CustomField
    StandardFieldChange = StandardFieldSettings
else:
    NewDatabase = strict_input(DatabaseSettings, "NewDatabase")
    NewField = strict_input(CustomField, "NewField")
    StandardFieldChange = strict_input(StandardFieldSettings, "StandardFieldChange")


class Page(BaseModel, Generic[T]):
    """One page of a listing; pass `next_cursor` as `cursor` for the next (none: this was the last)."""

    items: list[T]
    next_cursor: str | None = Field(None, description="Cursor of the next page; null on the last page")


class DatabasePage(Page[Database]):
    """A page of databases."""


class ResourcePage(Page[Resource]):
    """A page of resources."""


class SuppressionListPage(Page[SuppressionList]):
    """A page of suppression lists."""


class PromoPoolPage(Page[PromoPool]):
    """A page of promo pools."""


class CloneRequest(Body):
    name: Name


class StandardFieldView(BaseModel):
    """A standard field and its settings in one database."""

    name: str
    kind: str = Field(description="How the value is read: email, phones, line, date, gender, ip, timezone")
    title: str
    settings: StandardFieldSettings


class FieldsView(BaseModel):
    """Every field of a database: the standard ones with their settings, then the custom ones."""

    standard: list[StandardFieldView]
    custom: list[CustomField]


class ResourceCreate(Body):
    name: Name
    group: Group = None
    channels: list[Literal["email", "sms", "push"]] = Field(min_length=1, description="Channels offered")


class NamedCreate(Body):
    """A suppression list or promo pool to create."""

    name: Name
    group: Group = None


Email = Annotated[str, Field(max_length=320)]
Phone = Annotated[str, Field(max_length=64)]
Domain = Annotated[str, Field(max_length=255)]
MAX_ENTRIES = 100_000


class EntriesChange(Body):
    """Suppression entries to add or remove; invalid ones are reported in `counts.invalid`, the rest applied."""

    action: Literal["add", "remove"]
    emails: list[Email] = Field(default_factory=list, max_length=MAX_ENTRIES)
    phones: list[Phone] = Field(default_factory=list, max_length=MAX_ENTRIES)
    domains: list[Domain] = Field(default_factory=list, max_length=MAX_ENTRIES)


class EntriesChanged(BaseModel):
    suppression_list: SuppressionList
    counts: Counts


class Entry(BaseModel):
    kind: Literal["email", "phone", "domain"]
    value: str


class EntryPage(Page[Entry]):
    """A page of suppression entries."""


def without_nul(text: str) -> str:
    if "\x00" in text:
        raise ValueError("text may not contain NUL (U+0000)")
    return text


class CodesUpload(Body):
    """Promo codes to add (also accepted as text/plain, one code per line)."""

    codes: list[Annotated[str, Field(min_length=1, max_length=200), AfterValidator(without_nul)]] = Field(
        max_length=MAX_ENTRIES
    )


class CodesAdded(BaseModel):
    promo_pool: PromoPool
    counts: Counts


class PoolChanges(Body):
    """New settings of a promo pool."""

    name: Name


class CodesRemoval(Body):
    """Unused codes to remove: the ones named, or (`all_unused`) every unused code of the pool."""

    codes: list[Annotated[str, Field(min_length=1, max_length=200), AfterValidator(without_nul)]] = Field(
        default_factory=list, max_length=MAX_ENTRIES
    )
    all_unused: StrictBool = Field(False, description="Remove every unused code (then `codes` is ignored)")


class RemovedCounts(BaseModel):
    removed: int = Field(description="Unused codes removed")
    assigned: int = Field(description="Named codes kept because they are assigned to a profile (never reused)")
    missing: int = Field(description="Named codes the pool does not have")


class CodesRemoved(BaseModel):
    promo_pool: PromoPool
    counts: RemovedCounts


class PromoCode(BaseModel):
    code: str
    state: Literal["unused", "assigned"]
    profile_id: str | None = None


class PromoCodePage(Page[PromoCode]):
    """A page of promo codes."""


class TokenCreate(Body):
    name: Name
    group: str = Field(min_length=1, max_length=100, description="The access group the token acts in")


class TokenInfo(BaseModel):
    """A group token (its secret is never shown again)."""

    id: str
    name: str
    group: str
    created_at: datetime


class TokenCreated(TokenInfo):
    token: str = Field(description="The secret; shown only in this answer, store it now")
