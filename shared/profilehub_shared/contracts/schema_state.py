"""The schema state as other services see it: databases with their fields, resources, lists, pools."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from ..fields import CustomField, StandardFieldSettings

LANGUAGES = ("en", "ru", "de", "es", "fr", "it", "pt", "tr", "uk", "pl")
Language = Literal["en", "ru", "de", "es", "fr", "it", "pt", "tr", "uk", "pl"]
Name = Field(min_length=1, max_length=200, description="Unique per account, 1–200 characters")


# What the API states about an address, as email-validator checks it: at most 254 characters, and not at a
# special-use domain (RFC 6761: .test, .local, .invalid, .localhost, .onion, .arpa), which it refuses.
SenderEmail = Annotated[
    EmailStr,
    Field(
        json_schema_extra={
            "maxLength": 254,
            "pattern": r"^[^@]+@(?!(?:[^@]*\.)?(?:arpa|invalid|local|localhost|onion|test)\.?$)[^@]+\.[^@]+$",
        }
    ),
]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SubscriptionManagerSettings(Frozen):
    """How the public subscription-manager page of the database looks."""

    title: str = Field(min_length=1, max_length=200, description="Page title shown to subscribers")
    language: Language = Field("en", description="Page language")


class EmailSettings(Frozen):
    """Sender identity for mailings to this database's profiles."""

    from_name: str = Field(min_length=1, max_length=200, description="Sender name")
    from_email: SenderEmail = Field(description="Sender address (not at a special-use domain such as .test)")
    reply_to_email: SenderEmail | None = Field(None, description="Where replies go (needed to gather replies)")
    reply_to_name: str | None = Field(None, max_length=200, description="Name for the reply-to address")


class MlState(Frozen):
    """Best Send Time for this database."""

    enabled: bool = Field(False, description="Score profiles' best send time daily")
    last_refresh_at: datetime | None = Field(None, description="When the last refresh finished (read-only)")
    next_refresh_at: datetime | None = Field(None, description="When the next refresh is due (read-only)")
    best_hours: list[int] = Field(
        default_factory=list,
        description="The database's best local hours, best first: the fallback for profiles without a score",
    )


class DatabaseSettings(Frozen):
    """Everything about a database that its owner may set."""

    name: str = Name
    description: str = Field("", max_length=2000, description="Free text")
    group: str | None = Field(None, max_length=100, description="Access group; tokens of other groups do not see it")
    tags: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=100, description="Labels for filtering the list"
    )
    subscription_manager: SubscriptionManagerSettings = Field(description="Subscription-manager page settings")
    suppression_list_id: str | None = Field(None, description="Attached suppression list, if any")
    resource_ids: list[str] = Field(default_factory=list, description="Resources whose channels profiles may join")
    is_watchers: bool = Field(False, description="Watchers database: its profiles get a copy of every mailing")
    email_settings: EmailSettings = Field(description="Sender identity")
    ml_enabled: bool = Field(False, description="Enable Best Send Time")


class Database(Frozen):
    """A profile database: settings, field schema and system data. The schema service's state."""

    id: str = Field(description="Database id")
    settings: DatabaseSettings
    standard_fields: dict[str, StandardFieldSettings] = Field(
        default_factory=dict, description="Settings of standard fields that differ from the defaults"
    )
    custom_fields: list[CustomField] = Field(default_factory=list, description="Custom fields in creation order")
    ml: MlState = Field(default_factory=MlState, description="Best Send Time state")
    created_at: datetime
    updated_at: datetime
    version: int = Field(1, description="Increases with every change")

    def field(self, name: str) -> CustomField | None:
        # Asked for every value of every imported row: a dict, built once per list of fields (a copy of the
        # database with other fields has another list, and builds its own).
        fields, by_name = self.__dict__.get("_fields_by_name", (None, {}))
        if fields is not self.custom_fields:
            by_name = {f.name: f for f in self.custom_fields}
            self.__dict__["_fields_by_name"] = (self.custom_fields, by_name)
        return by_name.get(name)


class Resource(Frozen):
    """A subscription resource: what profiles subscribe to, on which channels."""

    id: str
    name: str = Name
    group: str | None = None
    channels: list[Literal["email", "sms", "push"]] = Field(min_length=1, description="Channels offered")


class SuppressionList(Frozen):
    """An account-level list of emails, phones and email domains that must not be contacted."""

    id: str
    name: str = Name
    group: str | None = None
    counts: dict[Literal["email", "phone", "domain"], int] = Field(default_factory=dict)


class PromoPool(Frozen):
    """An account-level pool of promo codes, each unused or assigned to one profile."""

    id: str
    name: str = Name
    group: str | None = None
    counts: dict[Literal["unused", "assigned"], int] = Field(default_factory=dict)
