"""Messages of the subscription manager: what a subscriber does on their own page, for the importer to write."""

from typing import Literal

from pydantic import Field, JsonValue

from .base import Command, Identifier, topic_name

SubscriberAction = Literal[
    "save_fields", "unsubscribe", "unsubscribe_all", "resubscribe", "suspend", "confirm", "revoke_links"
]
SUSPEND_DAYS = (14, 30, 60, 90)


class SubscriberChangeRequested(Command):
    """A change asked on the subscription-manager page (or the link API); written by the importer with source
    `subscription_manager` and answered on ProfileWriteAnswered when `request_id` is set (key: database:profile)."""

    topic = topic_name("profiles", "subscriber-change-requested")

    database_id: Identifier
    profile_id: Identifier
    action: SubscriberAction = Field(description="What the subscriber asked")
    values: dict[str, JsonValue] = Field(
        default_factory=dict, description="save_fields: field name → the text typed in the form (read as in imports)"
    )
    resource_id: str | None = Field(None, max_length=200, description="unsubscribe, resubscribe, suspend, confirm")
    channel: str | None = Field(None, max_length=20, description="unsubscribe, resubscribe, suspend, confirm")
    days: Literal[14, 30, 60, 90] | None = Field(None, description="suspend: for how many days")
    request_id: str | None = Field(None, max_length=64, description="When set, answered on ProfileWriteAnswered")
